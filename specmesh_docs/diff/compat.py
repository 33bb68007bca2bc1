"""Schema compatibility, offline, at a registry compatibility level.

Levels mean what they mean for a Confluent-compatible registry: BACKWARD, the new schema reads
data written with the old one; FORWARD, the old schema reads data written with the new one;
FULL, both; the `_TRANSITIVE` levels check against every earlier version given; NONE checks
nothing. Avro is checked by the Apache Avro library's reader/writer compatibility checker and
reports its rule names (`READER_FIELD_MISSING_DEFAULT_VALUE: branch`). JSON Schema follows the
rule set below (the reader must accept everything the writer may produce):

- REQUIRED_PROPERTY_ADDED: the reader requires a property the writer does not;
- PROPERTY_NOT_ALLOWED: the reader has a closed content model (`additionalProperties: false`)
  and lacks a property the writer has;
- CONTENT_MODEL_CLOSED: the writer is open to other properties, the reader is closed;
- TYPE_NARROWED: a type the writer allows the reader does not (`integer` fits `number`);
- ENUM_NARROWED: a value the writer allows the reader's enum lacks.
"""

from __future__ import annotations

import json

LEVELS = ("NONE", "BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE")


def directions(level: str) -> list[str]:
    """Which way data must be readable: "new-reads-old" (backward), "old-reads-new" (forward)."""
    base = level.upper().replace("_TRANSITIVE", "")
    return {"BACKWARD": ["new-reads-old"], "FORWARD": ["old-reads-new"],
            "FULL": ["new-reads-old", "old-reads-new"]}.get(base, [])


def problems(level: str, olds: list, new) -> list[str]:
    """Messages naming the rule and the field; empty when `new` is compatible at `level`.
    `olds` is the previous version (one) or, for a transitive level, every earlier one."""
    if new is None or not olds:
        return []
    if not level.upper().endswith("_TRANSITIVE"):
        olds = olds[-1:]
    out: list[str] = []
    for old in olds:
        if old is None or old.format != new.format:
            continue
        for direction in directions(level):
            reader, writer = (new, old) if direction == "new-reads-old" else (old, new)
            for message in _check(reader, writer):
                text = f"{message} ({direction.replace('-', ' ')})"
                if text not in out:
                    out.append(text)
    return out


def _check(reader, writer) -> list[str]:
    if reader.format == "avro":
        return _avro(reader, writer)
    if reader.format == "json":
        return json_reader_problems(_plain(reader.document), _plain(writer.document))
    if reader.format == "protobuf":
        from .protobuf import protobuf_problems

        return protobuf_problems(reader, writer)
    return []


def _plain(document: object) -> object:
    from ..spec.flatten import plain

    return plain(document)


# --- Avro -------------------------------------------------------------------------------

def avro_schema(schema):
    """The parsed Avro schema, with the named types it references from other files defined first."""
    import avro.errors
    import avro.schema

    names = avro.schema.Names()
    pending = {name: _plain(doc) for name, doc in (schema.named or {}).items()}
    while pending:
        progress = False
        for name, doc in list(pending.items()):
            try:
                avro.schema.make_avsc_object(doc, names)
            except avro.errors.SchemaParseException:
                continue
            del pending[name]
            progress = True
        if not progress:
            break
    return avro.schema.make_avsc_object(_plain(schema.document), names)


def _avro(reader, writer) -> list[str]:
    import avro.errors
    from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType

    try:
        result = ReaderWriterCompatibilityChecker().get_compatibility(avro_schema(reader), avro_schema(writer))
    except (avro.errors.AvroException, ValueError, TypeError) as exc:
        return [f"UNPARSEABLE: {exc}"]
    if result.compatibility == SchemaCompatibilityType.compatible:
        return []
    # the checker merges the messages of all its findings; keep them together, readable
    details = sorted(str(m).strip("{}").replace("'", "") for m in result.messages) or sorted(result.locations)
    kinds = ", ".join(sorted({kind.name.upper() for kind in result.incompatibilities}))
    return [f"{kinds}: {', '.join(details)}"]


# --- JSON Schema ------------------------------------------------------------------------

def _types(schema: dict) -> set[str] | None:
    kind = schema.get("type")
    if kind is None:
        return None  # anything
    return set(kind) if isinstance(kind, list) else {kind}


def json_reader_problems(reader: object, writer: object, path: str = "") -> list[str]:
    """What data valid under `writer` the `reader` rejects, by the rule set in the module docstring."""
    if not isinstance(reader, dict) or not isinstance(writer, dict):
        return []
    where = path or "(root)"
    out: list[str] = []
    r_types, w_types = _types(reader), _types(writer)
    if r_types is not None:
        allowed = r_types | ({"integer"} if "number" in r_types else set())
        lost = (w_types or {"any"}) - allowed
        if lost:
            out.append(f"TYPE_NARROWED: {where} ({', '.join(sorted(lost))} no longer accepted)")
    if isinstance(reader.get("enum"), list):
        w_enum = writer.get("enum")
        lost = [v for v in w_enum if v not in reader["enum"]] if isinstance(w_enum, list) else None
        if lost is None:
            out.append(f"ENUM_NARROWED: {where} (any value before, an enum now)")
        elif lost:
            out.append(f"ENUM_NARROWED: {where} ({', '.join(json.dumps(v) for v in lost)} no longer accepted)")
    r_props, w_props = reader.get("properties") or {}, writer.get("properties") or {}
    if isinstance(r_props, dict) and isinstance(w_props, dict):
        required = set(reader.get("required") or []) - set(writer.get("required") or [])
        out += [f"REQUIRED_PROPERTY_ADDED: {_join(path, name)}" for name in sorted(required)]
        closed = reader.get("additionalProperties") is False
        if closed:
            out += [f"PROPERTY_NOT_ALLOWED: {_join(path, name)}" for name in sorted(set(w_props) - set(r_props))]
            if writer.get("additionalProperties") is not False:
                out.append(f"CONTENT_MODEL_CLOSED: {where}")
        for name in sorted(set(r_props) & set(w_props)):
            out += json_reader_problems(r_props[name], w_props[name], _join(path, name))
    if isinstance(reader.get("items"), dict) and isinstance(writer.get("items"), dict):
        out += json_reader_problems(reader["items"], writer["items"], f"{path}[]")
    return out


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name
