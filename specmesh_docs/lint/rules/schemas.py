"""Schemas: declared, readable, in the domain's namespace, examples that match."""

from ..engine import rule
from ..validity import resolution


@rule("SCHEMA-REF", "error", "Referenced files exist inside the repo and parse: schemas, and every other file $ref "
      "of the spec (the official parser follows them all).",
      "fix the $ref path or the schema file",
      bad='payload: {$ref: schema/missing.avsc}', good='payload: {$ref: schema/finance.campaign.Sale.avsc}')
def schema_ref(product, policy):
    for problem in product.problems:
        yield problem.pos, problem.message
    reported = {str(p.pos) for p in (*product.problems, *product.notes)}
    for problem in resolution(product).unresolved:
        if str(problem.pos) not in reported:
            reported.add(str(problem.pos))
            yield problem.pos, problem.message


@rule("SCHEMA-FORMAT", "warning", "A payload that is an Avro or Protobuf file says so with `schemaFormat` "
      "(SpecMesh goes by the file suffix; the AsyncAPI parser and its tools read it as JSON Schema and reject it).",
      "add schemaFormat: application/vnd.apache.avro+json;version=1.9.0 (or application/vnd.google.protobuf;version=3)",
      bad="channels: {x: {publish: {message: {payload: {$ref: schema/x.avsc}}}}}",
      good="channels: {x: {publish: {message: {schemaFormat: application/vnd.apache.avro+json;version=1.9.0, "
           "payload: {$ref: schema/x.avsc}}}}}")
def schema_format(product, policy):
    yield from resolution(product).untyped


@rule("SCHEMA-CONSUMED-REF", "info", "A consumed topic's schema reference could not be read (its owner may keep it in the registry).",
      "drop the payload $ref, or vendor the owner's schema",
      bad='subscribe: {message: {payload: {$ref: ../../other-repo/schema/x.avsc}}}', good="subscribe: {message: {name: Sale}}  # the owner's schema stays with the owner")
def consumed_ref(product, policy):
    for note in product.notes:
        yield note.pos, note.message


@rule("SCHEMA-KEY-VALUE", "error", "`_public` and `_protected` topics declare both a key and a value schema (SpecMesh #544).",
      "add message.payload and message.bindings.kafka.key", kafka_only=True,
      bad='_public.sale message: {payload: {...}}', good='_public.sale message: {bindings: {kafka: {key: {type: string}}}, payload: {...}}')
def key_and_value(product, policy):
    for t in product.topics:
        if t.access in (policy.public, policy.protected):
            missing = [label for label, s in (("key", t.key), ("value", t.value)) if s is None and label not in t.unreadable]
            if missing and not any(p.pos.file == t.pos.file and p.pos.line >= t.pos.line for p in product.problems):
                yield t.pos, f"{t.access} topic {t.name} declares no {' and no '.join(missing)} schema"


@rule("SCHEMA-NAMESPACE", "error", "Avro namespaces belong to the owning domain or to a shared namespace in the policy.",
      "move the record into the domain's namespace, or list the namespace in shared_namespaces",
      bad='{"type": "record", "name": "Sale", "namespace": "retail.checkout"} in finance.campaign', good='{"type": "record", "name": "Sale", "namespace": "finance.campaign"}')
def namespace(product, policy):
    allowed = (product.domain, *policy.shared_namespaces)
    for t in product.topics:
        for s in (t.key, t.value):
            if s is None or s.format != "avro" or not s.full_name or "." not in s.full_name:
                continue
            ns = s.full_name.rpartition(".")[0]
            if not any(ns == a or ns.startswith(a + ".") for a in allowed):
                yield s.pos or t.pos, f"Avro namespace {ns} of {t.name} is not under {product.domain}"


@rule("SCHEMA-EXAMPLE", "error", "Message examples validate against their JSON Schema payload.",
      "fix the example or the schema",
      bad="payload: {type: object, properties: {n: {type: integer}}}, examples: [{payload: {n: 'x'}}]", good='payload: {type: object, properties: {n: {type: integer}}}, examples: [{payload: {n: 1}}]')
def examples(product, policy):
    for t in product.topics:
        if not t.examples or t.value is None or t.value.format != "json" or not isinstance(t.value.document, dict):
            continue
        from ..validity import json_schema_errors

        for i, example in enumerate(t.examples):
            for message in json_schema_errors(t.value.document, example, t.value.file, t.pos):
                yield t.pos, f"example {i + 1} of {t.name}: {message}"


@rule("COMPATIBILITY-NOT-ALLOWED", "error", "A topic's own `x-specmesh-compatibility` is one the organisation's "
      "policy allows (`compatibility_allowed`).",
      "use a level the policy lists, or leave the topic at the policy's schema_compatibility",
      bad="bindings: {kafka: {x-specmesh-compatibility: NONE}}",
      good="bindings: {kafka: {x-specmesh-compatibility: BACKWARD}}")
def compatibility_not_allowed(product, policy):
    for t in product.topics:
        if t.compatibility and t.compatibility not in policy.compatibility_allowed:
            yield t.compatibility_pos or t.pos, (f"{t.name}: compatibility {t.compatibility} is not among the policy's "
                                                 f"compatibility_allowed ({', '.join(policy.compatibility_allowed)})")
