"""AsyncAPI validity against the official JSON Schema of the declared version.

Payloads written in another schema format (Avro, Protobuf) and `$ref`s to schema files are
checked by their own parsers (SCHEMA-REF), so they are blanked before validation: the
official schema would otherwise reject real SpecMesh specs. Validators are compiled once
per version with jsonschema-rs (the Rust validator; ~400x faster than jsonschema here).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from ..errors import Position, SpecError
from ..model.refs import URL_REF
from ..model.yamlload import locate

SUPPORTED = ("2.0.0", "2.1.0", "2.2.0", "2.3.0", "2.4.0", "2.5.0", "2.6.0", "3.0.0", "3.1.0")
ASYNCAPI_FORMATS = ("application/vnd.aai.asyncapi", "application/schema+json", "application/json")


@lru_cache(maxsize=None)
def validator(version: str):
    import jsonschema_rs

    text = resources.files("specmesh_docs.model.asyncapi_schemas").joinpath(f"{version}.json").read_text()
    return jsonschema_rs.validator_for(json.loads(text))


def schema_version(declared: str) -> str | None:
    """The vendored schema for a declared version: exact, else the newest of the same minor."""
    if declared in SUPPORTED:
        return declared
    major_minor = ".".join(declared.split(".")[:2])
    same = [v for v in SUPPORTED if v.startswith(major_minor + ".")]
    return same[-1] if same else None


def placeholder() -> dict:
    """Valid as a JSON Schema and as an Avro schema (the AsyncAPI schema checks Avro payloads)."""
    return {"type": "string"}


def blank_foreign_schemas(node: object) -> object:
    """Plain copy with file `$ref`s and non-JSON-Schema payloads replaced by a placeholder."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and not ref.startswith("#"):
            return placeholder()
        fmt = node.get("schemaFormat")
        foreign = isinstance(fmt, str) and not fmt.startswith(ASYNCAPI_FORMATS)
        return {k: (placeholder() if foreign and k in ("payload", "schema") else blank_foreign_schemas(v))
                for k, v in node.items()}
    if isinstance(node, list):
        return [blank_foreign_schemas(v) for v in node]
    return node


class _TooBig(Exception):
    pass


RESOLVE_BUDGET = 200_000  # nodes; past it, validation falls back to blanking every file $ref
SCHEMA_FILES = (".avsc", ".proto")
OPENAPI = "application/vnd.oai.openapi"


@dataclass
class Resolution:
    """What the official parser sees once it has bundled the spec's files."""

    instance: object  # a plain copy of the spec for the official JSON Schema
    unresolved: list[SpecError] = field(default_factory=list)  # file `$ref`s that cannot be followed
    invalid: list[tuple[Position, str]] = field(default_factory=list)  # rejected beyond its JSON Schema
    untyped: list[tuple[Position, str]] = field(default_factory=list)  # Avro/Protobuf files with no schemaFormat


def resolved_document(document: object, resolve) -> Resolution:
    """A plain copy of the spec with its `$ref`s to other files replaced by what they name (as the
    official parser bundles a multi-file document before validating it). Local `$ref`s stay: the
    AsyncAPI schema expects Reference objects in places (a v3 operation's `channel`). Payloads in
    another schema format become a placeholder; a file `$ref` that cannot be followed (missing,
    outside the root) becomes one too and is listed; a reference cycle stays a `$ref`. URLs are
    never fetched (nor listed: the loader refuses them where the model needs them)."""
    active: set[int] = set()
    budget = [RESOLVE_BUDGET]
    found = Resolution(None)

    def walk(node: object) -> object:
        budget[0] -= 1
        if budget[0] < 0:
            raise _TooBig()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and not ref.startswith("#"):
                return follow(node, ref)
            fmt = node.get("schemaFormat")
            foreign = isinstance(fmt, str) and not fmt.startswith(ASYNCAPI_FORMATS)
            if isinstance(fmt, str) and fmt.startswith(OPENAPI):
                check_openapi(node)
            elif fmt is None:
                check_untyped_payload(node)
            return {k: (foreign_schema(v) if foreign and k in ("payload", "schema") else walk(v)) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    def foreign_schema(node: object) -> object:
        """Checked by its own parser; only its file must exist (the official parser fetches it)."""
        ref = node.get("$ref") if isinstance(node, dict) else None
        if isinstance(ref, str) and not ref.startswith("#"):
            follow(node, ref)
        return placeholder()

    def follow(node: dict, ref: str) -> object:
        if URL_REF.match(ref):
            return placeholder()
        try:
            target = resolve(node)
        except SpecError as exc:  # missing, outside the root, cyclic
            found.unresolved.append(exc)
            return placeholder()
        except Exception:
            return placeholder()
        if ref.partition("#")[0].lower().endswith(SCHEMA_FILES):
            return placeholder()  # another schema language: checked by its own parser
        if id(target) in active or target is node:
            return placeholder()
        active.add(id(target))
        try:
            return walk(target)
        finally:
            active.discard(id(target))

    def check_untyped_payload(message: dict) -> None:
        """An Avro or Protobuf file as payload with no schemaFormat saying so: SpecMesh reads it by its
        suffix, AsyncAPI as JSON Schema (the official parser rejects the document)."""
        payload = message.get("payload") if "payload" in message else message.get("schema")
        ref = payload.get("$ref") if isinstance(payload, dict) else None
        if isinstance(ref, str) and ref.partition("#")[0].lower().endswith(SCHEMA_FILES):
            kind = "an Avro" if ".avsc" in ref.lower() else "a Protobuf"
            fix = ("application/vnd.apache.avro+json;version=1.9.0" if kind == "an Avro"
                   else "application/vnd.google.protobuf;version=3")
            found.untyped.append((locate(payload, "$ref"),
                                  f"payload {ref} is {kind} schema but the message has no schemaFormat: SpecMesh reads "
                                  f"it as such, AsyncAPI tools as JSON Schema and reject it (add schemaFormat: {fix})"))

    def check_openapi(message: dict) -> None:
        """An OpenAPI 3.0 Schema Object is a JSON Schema draft 4 dialect: check it against that."""
        import jsonschema_rs

        from ..model.flatten import plain

        for key in ("payload", "schema"):
            schema = message.get(key)
            if isinstance(schema, dict) and "$ref" not in schema:
                draft = ("https://json-schema.org/draft/2020-12/schema" if "version=3.1" in message["schemaFormat"]
                         else "http://json-schema.org/draft-04/schema#")
                try:
                    jsonschema_rs.meta.validate({**plain(schema), "$schema": draft})
                except jsonschema_rs.ValidationError as exc:
                    exc = most_specific(exc)
                    path = list(exc.instance_path)
                    found.invalid.append((locate(schema, *path),
                                          short(f"{key}/{'/'.join(map(str, path))}: {exc.message} (OpenAPI schema)")))
                except Exception:  # a schema the meta-validator cannot even read: the JSON Schema check says why
                    pass

    try:
        found.instance = walk(document)
    except _TooBig:
        found.instance = blank_foreign_schemas(document)
    return found


_RESOLVED: dict[int, tuple[object, Resolution]] = {}


def resolution(product) -> Resolution:
    """Resolved once per spec: ASYNCAPI-SCHEMA and SCHEMA-REF both read it."""
    doc = product.document
    hit = _RESOLVED.get(id(doc))
    if hit is not None and hit[0] is doc:
        return hit[1]
    found = resolved_document(doc, product.resolve) if product.resolve else Resolution(blank_foreign_schemas(doc))
    if len(_RESOLVED) > 64:
        _RESOLVED.clear()
    _RESOLVED[id(doc)] = (doc, found)
    return found


def most_specific(error):
    """The failing branch a writer most likely meant, not the outer `oneOf`/`anyOf`: the error
    deepest in the document, preferring a wrong value over a missing `$ref` or a type mismatch."""
    leaves = list(_leaf_errors(error))
    if not leaves:
        return error
    plain_kinds = ("Required", "Type", "AdditionalProperties")
    return max(leaves, key=lambda e: (len(e.instance_path), type(e.kind).__name__ not in plain_kinds))


def _leaf_errors(error, depth: int = 0):
    context = getattr(error.kind, "context", None) if depth < 32 else None
    if not context:
        yield error
        return
    for branch in context:
        for inner in branch:
            yield from _leaf_errors(inner, depth + 1)


def short(message: str, limit: int = 160) -> str:
    message = " ".join(message.split())
    return message if len(message) <= limit else message[: limit - 3] + "..."


def json_schema_errors(schema: dict, instance: object, shown: str | None, at: Position) -> list[str]:
    """Messages for an instance that does not match a JSON Schema (examples)."""
    import jsonschema_rs

    from ..model.flatten import plain

    try:
        v = jsonschema_rs.validator_for(blank_foreign_schemas(schema))
    except Exception as exc:  # an invalid schema is reported, not raised
        return [f"schema {shown or ''} cannot be compiled: {short(str(exc))}"]
    return [short(f"{'/'.join(map(str, e.instance_path)) or '(root)'}: {e.message}") for e in v.iter_errors(plain(instance))]
