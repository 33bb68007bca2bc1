"""One record's key or value against the spec's schema (pure: the registry's answers come in
through `Writers`). A check returns violations that name a rule, a field path and the schema id,
never a value: paths keep only names the schema declares, anything else (a map key, a property
the producer invented) is shown as `*`.

Rules (docs/content/verify.md lists them with their fixes):
- NOT-FRAMED: no registry framing (magic byte 0, schema id; Protobuf message indexes).
- UNKNOWN-SCHEMA-ID: the registry does not know the id.
- WRONG-SUBJECT: the id is not a version of the topic's subject (the spec's naming strategy).
- WRONG-FORMAT: the id names a schema of another type than the spec's.
- UNDECODABLE: the bytes do not decode (with the writer's schema for Avro; as JSON; as Protobuf).
- SCHEMA-MISMATCH: decoded, but not what the spec's schema describes (Avro: the writer's schema
  does not resolve into the spec's; JSON Schema: validation fails).
- UNKNOWN-FIELD: Protobuf fields the spec's message does not have, where the spec rejects them.
- NULL-KEY / NULL-VALUE: no key where the spec declares a key schema; a null value (tombstone)
  on a topic that is not compacted.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from typing import Protocol

from .frame import Frame, Unframed, split

RULES = ("NOT-FRAMED", "UNKNOWN-SCHEMA-ID", "WRONG-SUBJECT", "WRONG-FORMAT", "UNDECODABLE", "SCHEMA-MISMATCH",
         "UNKNOWN-FIELD", "NULL-KEY", "NULL-VALUE")
REGISTRY_TYPES = {"avro": "AVRO", "json": "JSON", "protobuf": "PROTOBUF"}
MAX_ERRORS = 3  # violations named per record and role: the first ones say enough
MAX_DEPTH = 256  # a JSON record nested deeper is UNDECODABLE, not a RecursionError


@dataclass(frozen=True, slots=True)
class Violation:
    rule: str
    path: str = ""
    detail: str = ""  # our words and schema names only, never a value
    schema_id: int | None = None


@dataclass
class WriterSchema:
    """What the registry holds under one id."""

    schema_type: str  # AVRO | JSON | PROTOBUF
    document: object  # parsed JSON for Avro and JSON Schema, the .proto text for Protobuf
    named: dict = field(default_factory=dict)  # Avro: referenced full name -> parsed document


class Writers(Protocol):
    def schema(self, schema_id: int) -> WriterSchema | None: ...  # None: the registry does not know it

    def ids(self, subject: str) -> set[int]: ...  # every version's id under the subject


class RoleCheck:
    """The key or the value of one topic."""

    def __init__(self, schema, subject: str, writers: Writers, nullable: bool, null_rule: str):
        self.schema, self.subject, self.writers = schema, subject, writers
        self.nullable, self.null_rule = nullable, null_rule

    def check(self, data: bytes | None) -> list[Violation]:
        if data is None:
            return [] if self.nullable else [Violation(self.null_rule)]
        try:
            frame = split(data, protobuf=self.schema.format == "protobuf")
        except Unframed as exc:
            return [Violation("NOT-FRAMED", detail=str(exc))]
        sid = frame.schema_id
        writer = self.writers.schema(sid)
        if writer is None:
            return [Violation("UNKNOWN-SCHEMA-ID", detail="the registry does not know this id", schema_id=sid)]
        found = []
        if sid not in self.writers.ids(self.subject):
            found.append(Violation("WRONG-SUBJECT", detail=f"not a version of {self.subject}", schema_id=sid))
        if writer.schema_type != REGISTRY_TYPES[self.schema.format]:
            return found + [Violation("WRONG-FORMAT", detail=f"a {writer.schema_type} schema, the spec's is "
                                      f"{REGISTRY_TYPES[self.schema.format]}", schema_id=sid)]
        return found + [Violation(v.rule, v.path, v.detail, sid) for v in self.decode(frame, writer)][:MAX_ERRORS]

    def decode(self, frame: Frame, writer: WriterSchema) -> list[Violation]:
        raise NotImplementedError


class Utf8Check(RoleCheck):
    """A string key or value the spec declares inline (`type: string`): Kafka's StringSerializer, UTF-8."""

    def check(self, data: bytes | None) -> list[Violation]:
        if data is None:
            return [] if self.nullable else [Violation(self.null_rule)]
        try:
            bytes(data).decode("utf-8")
        except UnicodeDecodeError:
            return [Violation("UNDECODABLE", detail="not UTF-8 text (the spec declares a string)")]
        return []


class AvroCheck(RoleCheck):
    def __init__(self, *args):
        super().__init__(*args)
        self.reader = parsed_avro(self.schema.document, self.schema.named)
        self._writers: dict[int, object] = {}
        self._explained: dict[int, Violation] = {}

    def decode(self, frame: Frame, writer: WriterSchema) -> list[Violation]:
        from fastavro import schemaless_reader
        from fastavro._read_common import SchemaResolutionError

        parsed = self._writers.get(frame.schema_id)
        if parsed is None:
            try:
                parsed = self._writers[frame.schema_id] = parsed_avro(writer.document, writer.named)
            except Exception:  # the registry's schema itself does not parse
                return [Violation("UNDECODABLE", detail="the registry's schema for this id does not parse")]
        body = io.BytesIO(frame.body)
        try:
            schemaless_reader(body, parsed, self.reader)
        except SchemaResolutionError:
            return [self._why(frame.schema_id, writer)]
        except Exception:  # EOF, a bad varint, an index out of range: the bytes are not this schema
            return [Violation("UNDECODABLE", detail="the bytes do not decode with the writer's schema")]
        if body.tell() != len(frame.body):
            return [Violation("UNDECODABLE", detail="bytes left over after the record")]
        return []

    def _why(self, schema_id: int, writer: WriterSchema) -> Violation:
        """The field that does not resolve, named once per writer schema by the compatibility walk."""
        if schema_id not in self._explained:
            from ..compat.avro import avro_problems
            from ..model.schemas import Schema

            found = avro_problems(self.schema, Schema("avro", [], document=writer.document, named=writer.named))
            rule, path, _ = found[0] if found else ("", "", "")
            self._explained[schema_id] = Violation("SCHEMA-MISMATCH", path, f"the writer's schema does not resolve "
                                                   f"into the spec's{' (' + rule + ')' if rule else ''}")
        return self._explained[schema_id]


class JsonCheck(RoleCheck):
    def __init__(self, *args):
        import jsonschema_rs

        from ..compat import resolved

        super().__init__(*args)
        document, self.names = bundle(resolved(self.schema))
        self.validator = jsonschema_rs.validator_for(document)

    def decode(self, frame: Frame, writer: WriterSchema) -> list[Violation]:
        from itertools import islice

        from ..jsondoc import depth

        try:
            doc = json.loads(bytes(frame.body))
        except (ValueError, RecursionError):
            return [Violation("UNDECODABLE", detail="not JSON")]
        if isinstance(doc, (dict, list)) and depth(doc, MAX_DEPTH) > MAX_DEPTH:
            return [Violation("UNDECODABLE", detail=f"nests deeper than {MAX_DEPTH} levels")]
        return [Violation("SCHEMA-MISMATCH", self._path(e.instance_path), _keyword(e, self.names))
                for e in islice(self.validator.iter_errors(doc), MAX_ERRORS)]

    def _path(self, parts) -> str:
        return ".".join("[]" if isinstance(p, int) else p if p in self.names else "*" for p in parts).replace(".[]", "[]")


def _keyword(error, names: set[str]) -> str:
    kind = type(error.kind).__name__  # Type, Required, Enum, Maximum, ...
    word = kind[0].lower() + kind[1:]
    missing = getattr(error.kind, "property", None)
    if word == "required" and isinstance(missing, str) and missing in names:
        return f"required: {missing} is missing"
    return f"{word} not met"


class ProtobufCheck(RoleCheck):
    def __init__(self, *args, reject_unknown: bool = False):
        super().__init__(*args)
        from ..compat.protobuf import message_class

        self.cls, _ = message_class(str(self.schema.document), self.schema.full_name or "")
        self.reject_unknown = reject_unknown

    def decode(self, frame: Frame, writer: WriterSchema) -> list[Violation]:
        try:
            message = self.cls.FromString(bytes(frame.body))
        except Exception:  # DecodeError, or a nesting limit
            return [Violation("UNDECODABLE", detail=f"not a {self.cls.DESCRIPTOR.full_name}")]
        if not self.reject_unknown:
            return []
        return [Violation("UNKNOWN-FIELD", path, f"field number {number} is not in the spec's message")
                for path, number in unknown_fields(message)][:MAX_ERRORS]


def unknown_fields(message, path: str = "", depth: int = 0):
    """(field path, number) of every field the message type does not declare, nested ones included."""
    from google.protobuf.unknown_fields import UnknownFieldSet

    for item in UnknownFieldSet(message):
        yield path or message.DESCRIPTOR.name, item.field_number
    if depth > 32:
        return
    for descriptor, value in message.ListFields():
        if descriptor.message_type is None:
            continue
        where = f"{path}.{descriptor.name}" if path else descriptor.name
        if descriptor.message_type.GetOptions().map_entry:
            values = value.values() if descriptor.message_type.fields_by_name["value"].message_type else []
            where += "{}"
        elif descriptor.label == descriptor.LABEL_REPEATED:
            values, where = value, where + "[]"
        else:
            values = [value]
        for inner in values:
            yield from unknown_fields(inner, where, depth + 1)


def role_check(topic, role: str, writers: Writers, reject_unknown: bool = False) -> RoleCheck | None:
    """The check for `topic`'s key or value, None when the spec declares nothing to check."""
    from ..provision.schemas import registrable, subject_for

    schema = topic.key if role == "key" else topic.value
    if schema is None:
        return None
    compacted = "compact" in str(topic.configs.get("cleanup.policy", ""))
    nullable = compacted if role == "value" else False
    args = (schema, subject_for(topic.name, role, schema, topic.subject_strategy), writers, nullable,
            "NULL-VALUE" if role == "value" else "NULL-KEY")
    if not registrable(schema):
        return Utf8Check(*args) if schema.type == "string" else None
    if schema.format == "avro":
        return AvroCheck(*args)
    if schema.format == "json":
        return JsonCheck(*args)
    return ProtobufCheck(*args, reject_unknown=reject_unknown)


def parsed_avro(document: object, named: dict | None) -> object:
    """fastavro's parsed schema, the types it references parsed first into a name table of its own. The
    result carries fastavro's "parsed" mark and that table: readers and writers use it as it is
    (without the mark they parse it again, and a referenced type is unknown)."""
    import fastavro

    from ..compat.avro import dependency_order
    from ..model.yamlload import plain

    names: dict = {}
    copies = {k: plain(v) for k, v in (named or {}).items()}
    for name in dependency_order(copies):
        if name not in names:
            fastavro.parse_schema(copies[name], named_schemas=names, _write_hint=False)
    return fastavro.parse_schema(plain(document), named_schemas=names)


# --- JSON Schema: the loader's resolved graph as one document a validator compiles ----------

SCHEMA_ONE = {"additionalItems", "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames",
              "unevaluatedItems", "unevaluatedProperties", "items"}
SCHEMA_LIST = {"allOf", "anyOf", "oneOf", "prefixItems", "items"}
SCHEMA_MAP = {"properties", "patternProperties", "definitions", "$defs", "dependentSchemas", "dependencies"}
DROPPED = {"$id", "id", "$anchor", "$dynamicAnchor", "$ref", "$dynamicRef", "$recursiveRef", "$recursiveAnchor"}


def _children(node: dict):
    """(key, index or name, child schema) for each place in `node` that holds a schema."""
    for key, value in node.items():
        if key in SCHEMA_MAP and isinstance(value, dict):
            for name, child in value.items():
                if isinstance(child, dict):
                    yield key, name, child
        elif key in SCHEMA_LIST and isinstance(value, list):
            for i, child in enumerate(value):
                if isinstance(child, dict):
                    yield key, i, child
        elif key in SCHEMA_ONE and isinstance(value, dict):
            yield key, None, value


def bundle(root: object) -> tuple[object, set[str]]:
    """A schema whose `$ref`s the loader followed (shared nodes, cycles) as one JSON document: a
    node used in more than one place goes to `$defs` once and is referenced from each place, so
    the document stays as small as the graph. A `$ref` the loader left (a URL) accepts anything:
    nothing is fetched. Also the property names the schema declares (for safe paths)."""
    if not isinstance(root, dict):
        return (root if isinstance(root, bool) else {}), set()
    uses: dict[int, int] = {id(root): 1}
    names: set[str] = set()
    work, seen = [root], {id(root)}
    while work:
        node = work.pop()
        names |= {str(k) for k in node.get("properties", {}) if isinstance(node.get("properties"), dict)}
        for _, _, child in _children(node):
            uses[id(child)] = uses.get(id(child), 0) + 1
            if id(child) not in seen:
                seen.add(id(child))
                work.append(child)
    shared = {i: f"specmesh-{n}" for n, i in enumerate(i for i, count in uses.items() if count > 1 and i != id(root))}
    defs: dict[str, object] = {}

    def emit(node: dict, top: bool = False) -> object:
        if not top and id(node) == id(root):
            return {"$ref": "#"}
        if not top and id(node) in shared:
            name = shared[id(node)]
            if name not in defs:
                defs[name] = {}
                pending.append((node, name))
            return {"$ref": f"#/$defs/{name}"}
        return copy(node)

    def copy(node: dict) -> object:
        if "$ref" in node:  # left unresolved by the loader (a URL): never fetched, accepts anything
            return {}
        out: dict = {k: _data(v) for k, v in node.items() if k not in DROPPED and k not in SCHEMA_MAP | SCHEMA_LIST | SCHEMA_ONE}
        for key, value in node.items():
            if key in SCHEMA_MAP and isinstance(value, dict):
                out[key] = {n: emit(c) if isinstance(c, dict) else _data(c) for n, c in value.items()}
            elif key in SCHEMA_LIST and isinstance(value, list):
                out[key] = [emit(c) if isinstance(c, dict) else _data(c) for c in value]
            elif key in SCHEMA_ONE | SCHEMA_MAP | SCHEMA_LIST:
                out[key] = emit(value) if isinstance(value, dict) else _data(value)
        return out

    pending: list = []
    document = copy(root)
    while pending:
        node, name = pending.pop()
        defs[name] = copy(node)
    if defs:
        document = {**document, "$defs": {**(document.get("$defs") or {}), **defs}}
    return document, names


def _data(value: object) -> object:
    """An `enum`, `const` or `default` value as plain JSON (the loader already bounded its size)."""
    from ..model.yamlload import plain

    return plain(value)
