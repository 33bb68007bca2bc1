"""JSON Schema compatibility: the reader must accept everything the writer may produce. Applied
to the schemas with their `$ref`s followed (definitions and files alike, resolved by the loader
within its limits), field by field:

- REQUIRED_PROPERTY_ADDED: the reader requires a property the writer does not;
- PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL: the reader declares a property the writer does not,
  and the writer's model is open (any value may come under that name); with a partially open
  writer (`additionalProperties: {schema}`) the property is compared with that schema instead;
- PROPERTY_NOT_ALLOWED: the reader has a closed content model (`additionalProperties: false`)
  and lacks a property the writer has;
- PROPERTY_NOT_COVERED: the reader is partially open and lacks a property the writer declares;
- CONTENT_MODEL_CLOSED: the writer is open to other properties, the reader is closed;
- TYPE_NARROWED: a type the writer allows the reader does not (`integer` fits `number`; an
  untyped schema with `properties` is an object, with `items` an array);
- ENUM_NARROWED: a value the writer allows the reader's enum lacks;
- CONSTRAINT_NARROWED: a bound the reader sets tighter than the writer (`maxLength`,
  `minLength`, `maximum`, `minimum`, `maxItems`, `minItems`), or a `pattern` it adds or changes.

Array items (`items[]`) and map values (`additionalProperties: {schema}` on both sides, `m{}`)
are compared like properties.

These are the verdicts of a Confluent-compatible registry (Apicurio's), checked against it in
the tests, not the looser "the reader accepts what it knows" reading.

A recursive schema is walked once per pair of nodes; a `$ref` left unresolved (a URL) is
compared as written.
"""

from __future__ import annotations

import json


def json_problems(reader, writer) -> list[tuple[str, str, str]]:
    from . import resolved

    return reader_problems(resolved(reader), resolved(writer))


def reader_problems(reader: object, writer: object) -> list[tuple[str, str, str]]:
    """(rule, field path, detail) for data valid under `writer` that `reader` rejects."""
    out: list[tuple[str, str, str]] = []
    seen: set[tuple[int, int]] = set()
    work = [(reader, writer, "")]
    while work:
        r, w, path = work.pop()
        if not isinstance(r, dict) or not isinstance(w, dict) or (id(r), id(w)) in seen:
            continue
        seen.add((id(r), id(w)))
        out += _node(r, w, path)
        pairs, found = _property_pairs(r, w, path)
        out += found
        work += reversed(pairs)
        if isinstance(r.get("items"), dict) and isinstance(w.get("items"), dict):
            work.append((r["items"], w["items"], f"{path}[]"))
        r_extra, w_extra = r.get("additionalProperties"), w.get("additionalProperties")
        if isinstance(r_extra, dict) and isinstance(w_extra, dict):  # a map's values (the model's `m{}`)
            work.append((r_extra, w_extra, f"{path}{{}}"))
    return out


def _property_pairs(r: dict, w: dict, path: str) -> tuple[list, list]:
    """Properties to compare further, and the problems of properties one side does not declare."""
    r_props, w_props = r.get("properties"), w.get("properties")
    r_props = r_props if isinstance(r_props, dict) else {}
    w_props = w_props if isinstance(w_props, dict) else {}
    pairs, out = [], []
    r_extra, w_extra = r.get("additionalProperties", True), w.get("additionalProperties", True)
    for name in sorted(set(r_props) | set(w_props)):
        at = _join(path, name)
        if name in r_props and name in w_props:
            pairs.append((r_props[name], w_props[name], at))
        elif name in r_props:  # what may the writer send under this name?
            if _open(w_extra):
                out.append(("PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", at,
                            "declared by the reader; the writer's open model may send any value under that name"))
            elif isinstance(w_extra, dict):
                pairs.append((r_props[name], w_extra, at))
        elif r_extra is False:
            out.append(("PROPERTY_NOT_ALLOWED", at, "written, and not allowed by the reader's closed model"))
        elif isinstance(r_extra, dict) and not _open(r_extra):
            out.append(("PROPERTY_NOT_COVERED", at, "written, and not declared by the reader's partially open model"))
    return pairs, out


def _open(extra: object) -> bool:
    """`additionalProperties` that lets any value through."""
    return extra is True or extra is None or (isinstance(extra, dict) and not _constrains(extra))


ANNOTATIONS = {"title", "description", "default", "examples", "$comment", "deprecated", "readOnly", "writeOnly"}


def _constrains(schema: dict) -> bool:
    return any(k not in ANNOTATIONS and not str(k).startswith("x-") for k in schema)


def _node(r: dict, w: dict, path: str) -> list[tuple[str, str, str]]:
    out = []
    r_types, w_types = _types(r), _types(w)
    if r_types is not None:
        allowed = r_types | ({"integer"} if "number" in r_types else set())
        lost = (w_types or {"any"}) - allowed
        if lost:
            out.append(("TYPE_NARROWED", path, f"{', '.join(sorted(lost))} no longer accepted"))
    if isinstance(r.get("enum"), list):
        w_enum = w.get("enum")
        lost = [v for v in w_enum if v not in r["enum"]] if isinstance(w_enum, list) else None
        if lost is None:
            out.append(("ENUM_NARROWED", path, "any value before, an enum now"))
        elif lost:
            out.append(("ENUM_NARROWED", path, f"{', '.join(json.dumps(v) for v in lost)} no longer accepted"))
    required = _names(r.get("required")) - _names(w.get("required"))
    out += [("REQUIRED_PROPERTY_ADDED", _join(path, n), "required by the reader, not by the writer")
            for n in sorted(required)]
    if r.get("additionalProperties") is False and w.get("additionalProperties") is not False:
        out.append(("CONTENT_MODEL_CLOSED", path, "the writer allows other properties, the reader does not"))
    out += _bounds(r, w, path)
    if "$ref" in r or "$ref" in w:  # left unresolved: the same reference, or not
        if r.get("$ref") != w.get("$ref"):
            out.append(("REFERENCE_CHANGED", path, f"{w.get('$ref')} -> {r.get('$ref')} (not followed)"))
    return out


UPPER = ("maxLength", "maximum", "exclusiveMaximum", "maxItems", "maxProperties")
LOWER = ("minLength", "minimum", "exclusiveMinimum", "minItems", "minProperties")


def _bounds(r: dict, w: dict, path: str) -> list[tuple[str, str, str]]:
    out = []
    for key in UPPER + LOWER:
        mine, theirs = _number(r.get(key)), _number(w.get(key))
        if mine is None:
            continue
        tighter = theirs is None or (mine < theirs if key in UPPER else mine > theirs)
        if tighter:
            out.append(("CONSTRAINT_NARROWED", path, f"{key} {w.get(key, '(none)')} -> {r.get(key)}"))
    if "pattern" in r and r.get("pattern") != w.get("pattern"):
        out.append(("CONSTRAINT_NARROWED", path, f"pattern {w.get('pattern', '(none)')!r} -> {r.get('pattern')!r}"))
    return out


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _types(schema: dict) -> set[str] | None:
    kind = schema.get("type")
    if kind is None:  # untyped: what its keywords imply, else anything
        return {"object"} if "properties" in schema else {"array"} if "items" in schema else None
    return {str(k) for k in kind} if isinstance(kind, list) else {str(kind)}


def _names(value: object) -> set[str]:
    return {str(v) for v in value} if isinstance(value, list) else set()


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else str(name)


def fingerprint(graph: object) -> str:
    """A canonical text of a (possibly cyclic, possibly shared) resolved schema: equal graphs, equal text."""
    ids: dict[int, int] = {}
    parts: list[str] = []
    work: list[object] = [graph]
    while work:
        node = work.pop()
        if isinstance(node, _Mark):
            parts.append(node.text)
        elif isinstance(node, (dict, list)):
            if id(node) in ids:
                parts.append(f"@{ids[id(node)]}")
                continue
            ids[id(node)] = len(ids)
            parts.append("{" if isinstance(node, dict) else "[")
            work.append(_Mark("}" if isinstance(node, dict) else "]"))
            if isinstance(node, dict):
                for key in sorted(node, key=str, reverse=True):
                    work += [_Mark(","), node[key], _Mark(json.dumps(str(key)) + ":")]
            else:
                for item in reversed(node):
                    work += [_Mark(","), item]
        else:
            parts.append(json.dumps(node, default=str))
    return "".join(parts)


class _Mark:
    """Structure in the fingerprint's work list, never mistaken for a value."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text
