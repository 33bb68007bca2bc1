"""JSON Schema compatibility: the reader must accept everything the writer may produce. Applied
to the schemas with their `$ref`s followed (definitions and files alike, resolved by the loader
within its limits), field by field:

- REQUIRED_PROPERTY_ADDED: the reader requires a property the writer does not;
- PROPERTY_NOT_ALLOWED: the reader has a closed content model (`additionalProperties: false`)
  and lacks a property the writer has;
- CONTENT_MODEL_CLOSED: the writer is open to other properties, the reader is closed;
- TYPE_NARROWED: a type the writer allows the reader does not (`integer` fits `number`);
- ENUM_NARROWED: a value the writer allows the reader's enum lacks.

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
        r_props, w_props = r.get("properties"), w.get("properties")
        if isinstance(r_props, dict) and isinstance(w_props, dict):
            work += [(r_props[n], w_props[n], _join(path, n)) for n in sorted(set(r_props) & set(w_props), reverse=True)]
        if isinstance(r.get("items"), dict) and isinstance(w.get("items"), dict):
            work.append((r["items"], w["items"], f"{path}[]"))
    return out


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
    r_props, w_props = r.get("properties") or {}, w.get("properties") or {}
    if isinstance(r_props, dict) and isinstance(w_props, dict):
        required = _names(r.get("required")) - _names(w.get("required"))
        out += [("REQUIRED_PROPERTY_ADDED", _join(path, n), "required by the reader, not by the writer")
                for n in sorted(required)]
        if r.get("additionalProperties") is False:
            out += [("PROPERTY_NOT_ALLOWED", _join(path, n), "written, and not allowed by the reader's closed model")
                    for n in sorted(set(w_props) - set(r_props))]
            if w.get("additionalProperties") is not False:
                out.append(("CONTENT_MODEL_CLOSED", path, "the writer allows other properties, the reader does not"))
    if "$ref" in r or "$ref" in w:  # left unresolved: the same reference, or not
        if r.get("$ref") != w.get("$ref"):
            out.append(("REFERENCE_CHANGED", path, f"{w.get('$ref')} -> {r.get('$ref')} (not followed)"))
    return out


def _types(schema: dict) -> set[str] | None:
    kind = schema.get("type")
    if kind is None:
        return None  # anything
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
