"""Desired schema registrations of one data product (pure).

Owned topics register their key and value schemas under the subject strategy the spec
names (TopicNameStrategy by default). Avro types referenced from other files register
first, under their full name, and the schema that uses them lists them as references.
A type whose namespace is another domain's is never registered here: its owner does it,
and the plan refuses when it is missing (as SpecMesh does).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from ..model.yamlload import plain

REGISTRY_TYPES = {"avro": "AVRO", "json": "JSON", "protobuf": "PROTOBUF"}
STRATEGIES = ("TopicNameStrategy", "RecordNameStrategy", "TopicRecordNameStrategy")


@dataclass
class Registration:
    subject: str
    schema_type: str  # AVRO | JSON | PROTOBUF
    text: str
    references: list[tuple[str, str]] = field(default_factory=list)  # (name, subject), latest version
    owned: bool = True  # False: another domain's type that must already be registered
    topic: str = ""
    compatibility: str | None = None  # the topic's own level (x-specmesh-compatibility); None: the policy's

    def to_dict(self) -> dict:
        return {"subject": self.subject, "type": self.schema_type, "schema": self.text,
                "references": [{"name": n, "subject": s} for n, s in self.references], "topic": self.topic}


def subject_for(topic: str, role: str, schema, strategy: str) -> str:
    if strategy == "RecordNameStrategy" and schema.full_name:
        return schema.full_name
    if strategy == "TopicRecordNameStrategy" and schema.full_name:
        return f"{topic}-{schema.full_name}"
    return f"{topic}-{role}"


def registrable(schema) -> bool:
    """Files and structured inline schemas register; a primitive key (`type: long`) does not."""
    return schema is not None and schema.format in REGISTRY_TYPES and (schema.file is not None or bool(schema.fields))


def in_domain(full_name: str | None, domain: str, shared: tuple[str, ...] = ()) -> bool:
    namespace = (full_name or "").rpartition(".")[0]
    return not namespace or any(namespace == d or namespace.startswith(d + ".") for d in (domain, *shared))


def _text(schema) -> str:
    if schema.format == "protobuf":
        return str(schema.document)
    return json.dumps(plain(schema.document), separators=(",", ":"), sort_keys=False)


def _references_of(doc, candidates: set[str]) -> list[str]:
    from ..compat.avro import references_of

    return references_of(doc, candidates)


def registrations(product, policy=None) -> list[Registration]:
    """In registration order: referenced types before the schemas that use them; no duplicates."""
    shared = tuple(getattr(policy, "shared_namespaces", ()) or ())
    out: dict[str, Registration] = {}
    for t in (t for t in product.topics if t.kafka):
        for role, schema in (("key", t.key), ("value", t.value)):
            if not registrable(schema):
                continue
            refs: list[tuple[str, str]] = []
            if schema.format == "avro" and schema.named:
                refs = _register_references(schema, product.domain, shared, out, t.name)
            if schema.format == "avro" and schema.full_name and not in_domain(schema.full_name, product.domain, shared):
                # another domain's type: its owner registers it under its full name first
                out.setdefault(schema.full_name, Registration(schema.full_name, REGISTRY_TYPES[schema.format],
                                                              _text(schema), refs, owned=False, topic=t.name))
            subject = subject_for(t.name, role, schema, t.subject_strategy)
            out.setdefault(subject, Registration(subject, REGISTRY_TYPES[schema.format], _text(schema), refs,
                                                 topic=t.name, compatibility=t.compatibility))
    return list(out.values())


def _register_references(schema, domain: str, shared: tuple[str, ...], out: dict, topic: str) -> list[tuple[str, str]]:
    from ..compat.avro import dependency_order

    named = schema.named
    candidates = set(named)
    order = dependency_order(named, _references_of(schema.document, candidates))
    for name in order:
        owned = in_domain(name, domain, shared)
        refs = [(d, d) for d in _references_of(named[name], candidates - {name})]
        text = json.dumps(plain(named[name]), separators=(",", ":"))
        out.setdefault(name, Registration(name, "AVRO", text, refs, owned=owned, topic=topic))
    return [(name, name) for name in _references_of(schema.document, candidates)]


# --- the plan for schemas (pure: the registry's answers come in as data) -----------------

@dataclass
class SubjectState:
    """What the registry says about one desired registration."""

    latest: int | None = None  # latest version, None when the subject does not exist
    same: int | None = None  # version holding exactly this schema, if any
    compatible: bool | None = None  # the new schema against the subject's history (None: not asked)
    reason: str = ""
    compatibility: str | None = None  # the subject's configured level


def diff_schemas(domain: str, regs: list[Registration], states: dict[str, SubjectState], level: str):
    """-> (changes, unchanged [(subject, version)], errors); changes as dicts for plan.Change."""
    changes, unchanged, errors = [], [], []
    default = level
    for reg in regs:
        state = states[reg.subject]
        level = reg.compatibility or default
        if not reg.owned:
            if state.latest is None:
                errors.append(f"schema {reg.subject} belongs to another domain and is not registered; "
                              "its owner must register it first")
            else:
                unchanged.append((reg.subject, state.latest))
            continue
        if state.same is not None:
            if state.compatibility != level:
                changes.append(("update", reg.subject, {"compatibility": state.compatibility},
                                {"compatibility": level}))
            else:
                unchanged.append((reg.subject, state.same))
        elif state.latest is None:
            changes.append(("create", reg.subject, None, {**reg.to_dict(), "compatibility": level}))
        elif state.compatible is False:
            errors.append(f"schema {reg.subject}: incompatible with version {state.latest} under "
                          f"{state.compatibility or level}: {state.reason or 'the registry refused it'}")
        else:
            changes.append(("update", reg.subject, {"version": state.latest},
                            {**reg.to_dict(), "compatibility": level}))
    return changes, unchanged, errors
