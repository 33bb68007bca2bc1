"""Test records from a topic's key and value schemas (pure): `specmesh sample` and `records()`.

Avro, JSON Schema and Protobuf (proto3) schemas give values that validate against them.
Fields marked PII get values that are visibly fake (`pii-email-3@example.invalid`, `Test
Person 3`). `boundary=True` gives the edge values a boundary test wants instead: empty
strings (where allowed), the smallest and largest numbers, the longest enum symbol, the null
branch of a union, empty arrays and maps. The same seed gives the same records.
"""

from __future__ import annotations

import math
import random
import string
from dataclasses import dataclass, field, replace

from .errors import SpecError

INT32 = (-2**31, 2**31 - 1)
INT64 = (-2**63, 2**63 - 1)
MAX_DEPTH = 12  # recursive types stop here (an optional branch or an empty list)
HARD_DEPTH = 64  # past this no optional branch was found to stop at: the schema cannot be sampled


@dataclass(frozen=True)
class Caps:
    """How large one record may get, whatever the schema asks (`specmesh sample --max-*`): a schema
    that needs more (`minLength: 2e9`, a fan-out that doubles at every level) is refused, said why."""

    max_length: int = 4096  # characters of a string, bytes of a bytes or fixed value
    max_items: int = 100  # elements of an array or a map
    max_nodes: int = 100_000  # values in one record


class _Cannot(Exception):
    """The schema asks for more than the caps allow, or for what no value can be."""


@dataclass
class Context:
    rng: random.Random
    boundary: bool
    index: int  # which record: boundary values alternate low / high
    pii: bool = False
    name: str = ""
    caps: Caps = field(default_factory=Caps)
    left: list = field(default_factory=lambda: [Caps().max_nodes])  # values still allowed in this record

    @property
    def low(self) -> bool:
        return self.index % 2 == 0

    def child(self, pii: bool, name: str) -> "Context":
        return replace(self, pii=pii, name=name)

    def spend(self, depth: int) -> None:
        self.left[0] -= 1
        if self.left[0] < 0:
            raise _Cannot(f"a record would hold more than {self.caps.max_nodes} values (shared or repeated parts "
                          "multiply); raise --max-nodes or make parts optional")
        if depth > HARD_DEPTH:
            raise _Cannot(f"the schema nests deeper than {HARD_DEPTH} levels with no optional branch, empty array or "
                          "empty map to stop at (a type that always contains itself)")


def records(schema, n: int = 1, seed: int = 0, boundary: bool = False, caps: Caps = Caps()) -> list:
    """`n` values for a `model.schemas.Schema` (None when there is no schema). A schema that cannot
    be sampled within `caps` is a SpecError at the schema."""
    if schema is None:
        return [None] * n
    rng = random.Random(seed)
    out = []
    for i in range(n):
        ctx = Context(rng, boundary, i, caps=caps, left=[caps.max_nodes])
        try:
            if schema.format == "avro":
                out.append(_avro(schema.document, ctx, {**{k: v for k, v in (schema.named or {}).items()}}, None, 0))
            elif schema.format == "protobuf":
                out.append(_protobuf(schema, ctx))
            else:  # the loader's graph with every $ref followed (files too), else the document as written
                from .compat import resolved

                document = resolved(schema)
                out.append(_json(document, ctx, document, 0))
        except _Cannot as exc:
            raise SpecError(f"cannot sample {schema.file or 'the schema'}: {exc}", schema.pos) from None
        except RecursionError:
            raise SpecError(f"cannot sample {schema.file or 'the schema'}: it nests too deeply", schema.pos) from None
    return out


def _count(value: object, default: int) -> int:
    """A length or count keyword as a whole number (a string or NaN in a hostile schema: the default)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return default
    return max(0, int(value))


def _bound(value: object, default: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return default
    return value


def pii_fields(schema) -> set[str]:
    return {f.name for f in schema.fields if f.pii} if schema is not None else set()


# --- text and numbers ---------------------------------------------------------------------

def _text(ctx: Context, min_len: int = 0, max_len: int | None = None, fmt: str = "") -> str:
    if min_len > ctx.caps.max_length:
        raise _Cannot(f"{ctx.name or 'a string'}: minLength {min_len} is beyond the sampling cap of {ctx.caps.max_length} "
                      "(--max-length)")
    if fmt == "email" or (ctx.pii and "mail" in ctx.name.lower()):
        return f"pii-email-{ctx.index}@example.invalid" if ctx.pii else f"user{ctx.index}@example.invalid"
    if fmt in ("date-time",):
        return f"2026-01-{1 + ctx.index % 28:02d}T12:00:00Z"
    if fmt == "date":
        return f"2026-01-{1 + ctx.index % 28:02d}"
    if fmt == "uuid":
        return f"00000000-0000-4000-8000-{ctx.index:012d}"
    if fmt in ("uri", "url"):
        return f"https://example.invalid/{ctx.index}"
    if ctx.pii:
        value = _fake_pii(ctx)
    elif ctx.boundary:
        value = "" if ctx.low else "x" * max(min_len, min(max_len or 256, 256))
    else:
        value = "".join(ctx.rng.choice(string.ascii_lowercase) for _ in range(ctx.rng.randint(3, 10)))
    if len(value) < min_len:
        value = value + "x" * (min_len - len(value))
    return value[:max_len] if max_len is not None else value


def _fake_pii(ctx: Context) -> str:
    name = ctx.name.lower()
    if "phone" in name:
        return f"+00 000 000 {ctx.index:04d}"
    if "name" in name:
        return f"Test Person {ctx.index}"
    if "address" in name or "street" in name:
        return f"{ctx.index} Test Street, Nowhere"
    if "ip" in name:
        return "192.0.2.1"  # TEST-NET-1: documentation only
    return f"fake-{name or 'pii'}-{ctx.index}"


def _number(ctx: Context, low: float, high: float, integer: bool):
    if ctx.boundary:
        value = low if ctx.low else high
    elif integer:
        value = ctx.rng.randint(int(max(low, -1000)), int(min(high, 1000))) if low <= high else low
    else:
        value = round(ctx.rng.uniform(max(low, -1000.0), min(high, 1000.0)), 3)
    return int(value) if integer else float(value)


# --- Avro ----------------------------------------------------------------------------------

AVRO_NUMBERS = {"int": (INT32, True), "long": (INT64, True), "float": ((-3.4e38, 3.4e38), False),
                "double": ((-1.7e308, 1.7e308), False)}


def _avro(node, ctx: Context, named: dict, namespace: str | None, depth: int):
    ctx.spend(depth)
    if isinstance(node, str):
        if node in named:
            return _avro(named[node], ctx, named, namespace, depth + 1)
        full = f"{namespace}.{node}" if namespace and "." not in node else node
        if full in named:
            return _avro(named[full], ctx, named, namespace, depth + 1)
        return _avro_primitive(node, ctx)
    if isinstance(node, list):  # a union: the null branch at the boundary, else the first other branch
        branches = [b for b in node if b != "null"]
        if "null" in node and (ctx.boundary or not branches or depth >= MAX_DEPTH):
            return None
        if not branches:
            raise _Cannot(f"{ctx.name or 'a union'}: an empty union has no value")
        branch = branches[ctx.index % len(branches)] if ctx.boundary else ctx.rng.choice(branches)
        return _avro(branch, ctx, named, namespace, depth + 1)
    if not isinstance(node, dict):
        return None
    kind = node.get("type")
    ns = node.get("namespace", namespace)
    if kind in ("record", "error"):
        full = node.get("name", "")
        full = f"{ns}.{full}" if ns and "." not in full else full
        named.setdefault(full, node)
        out = {}
        for f in node.get("fields", []):
            if not isinstance(f, dict) or not isinstance(f.get("name"), str):
                continue
            child = ctx.child(ctx.pii or bool(f.get("pii")) or bool(f.get("x-pii")), f["name"])
            out[f["name"]] = _avro(f.get("type"), child, named, ns, depth + 1)
        return out
    if kind == "enum":
        full = node.get("name", "")
        named.setdefault(f"{ns}.{full}" if ns and "." not in full else full, node)
        symbols = node.get("symbols") or [""]
        return max(symbols, key=len) if ctx.boundary else ctx.rng.choice(symbols)
    if kind == "array":
        if ctx.boundary and ctx.low or depth >= MAX_DEPTH:
            return []
        return [_avro(node.get("items"), ctx, named, ns, depth + 1) for _ in range(1 if ctx.boundary else ctx.rng.randint(1, 3))]
    if kind == "map":
        if ctx.boundary and ctx.low or depth >= MAX_DEPTH:
            return {}
        return {f"k{i}": _avro(node.get("values"), ctx, named, ns, depth + 1) for i in range(2)}
    if kind == "fixed":
        full = node.get("name", "")
        named.setdefault(f"{ns}.{full}" if ns and "." not in full else full, node)
        return _bytes(ctx, _count(node.get("size"), 0))
    logical = node.get("logicalType")
    if logical in ("timestamp-millis", "timestamp-micros", "local-timestamp-millis", "local-timestamp-micros"):
        scale = 1000 if "millis" in logical else 1_000_000
        return (0 if ctx.boundary and ctx.low else 1_767_225_600) * scale + ctx.index
    if logical == "date":
        return 20_454 + ctx.index  # days since the epoch: 2026-01-01 onwards
    if logical in ("time-millis", "time-micros"):
        return 0 if ctx.boundary and ctx.low else 3_600 * (1000 if logical == "time-millis" else 1_000_000)
    if logical == "uuid":
        return f"00000000-0000-4000-8000-{ctx.index:012d}"
    if logical == "decimal":
        return (b"\x00" if ctx.boundary and ctx.low else b"\x01\x00") if kind == "bytes" else _bytes(ctx, _count(node.get("size"), 1))
    return _avro(kind, ctx, named, ns, depth + 1)


def _bytes(ctx: Context, size: int) -> bytes:
    if size > ctx.caps.max_length:
        raise _Cannot(f"{ctx.name or 'a fixed'}: size {size} is beyond the sampling cap of {ctx.caps.max_length} bytes "
                      "(--max-length)")
    return bytes(size)


def _avro_primitive(kind: str, ctx: Context):
    if kind == "null":
        return None
    if kind == "boolean":
        return (not ctx.low) if ctx.boundary else ctx.rng.random() < 0.5
    if kind in AVRO_NUMBERS:
        (low, high), integer = AVRO_NUMBERS[kind]
        return _number(ctx, low, high, integer)
    if kind == "bytes":
        return b"" if ctx.boundary and ctx.low else bytes(ctx.rng.randrange(256) for _ in range(4))
    return _text(ctx)


# --- JSON Schema -----------------------------------------------------------------------------

def _json(node, ctx: Context, root, depth: int):
    if not isinstance(node, dict) or depth > MAX_DEPTH * 2:
        return None
    ctx.spend(depth)
    if "$ref" in node and isinstance(node["$ref"], str) and node["$ref"].startswith("#/"):
        target = root
        for part in node["$ref"][2:].split("/"):
            target = target.get(part.replace("~1", "/").replace("~0", "~"), {}) if isinstance(target, dict) else {}
        return _json(target, ctx, root, depth + 1)
    if "const" in node:
        return node["const"]
    if isinstance(node.get("enum"), list) and node["enum"]:
        values = node["enum"]
        return max(values, key=lambda v: len(str(v))) if ctx.boundary else ctx.rng.choice(values)
    for key in ("oneOf", "anyOf"):
        if isinstance(node.get(key), list) and node[key]:
            options = node[key]
            return _json(options[0 if not ctx.boundary else ctx.index % len(options)], ctx, root, depth + 1)
    if isinstance(node.get("allOf"), list):
        merged: dict = {}
        for part in node["allOf"]:
            part = _deref(part, root)
            for k, v in part.items():
                if k == "properties":
                    merged.setdefault("properties", {}).update(v)
                elif k == "required":
                    merged.setdefault("required", []).extend(v)
                else:
                    merged.setdefault(k, v)
        rest = {k: v for k, v in node.items() if k != "allOf"}
        return _json({**merged, **rest, "properties": {**merged.get("properties", {}), **rest.get("properties", {})},
                      "required": [*merged.get("required", []), *rest.get("required", [])]}, ctx, root, depth + 1)
    kind = node.get("type")
    if isinstance(kind, list):
        if "null" in kind and ctx.boundary:
            return None
        kind = next((k for k in kind if k != "null"), "null")
    if kind is None:
        kind = "object" if "properties" in node else "string"
    if kind == "object":
        props = node.get("properties") or {}
        required = set(node.get("required") or [])
        out = {}
        for name, sub in props.items():
            if name not in required and (depth >= MAX_DEPTH or (ctx.boundary and ctx.low)):
                continue  # optional fields left out at the low boundary
            sub = sub if isinstance(sub, dict) else {}
            child = ctx.child(ctx.pii or bool(sub.get("x-pii")) or bool(sub.get("pii")), name)
            out[name] = _json(sub, child, root, depth + 1)
        return out
    if kind == "array":
        low = _count(node.get("minItems"), 0)
        if low > ctx.caps.max_items:
            raise _Cannot(f"{ctx.name or 'an array'}: minItems {low} is beyond the sampling cap of {ctx.caps.max_items} "
                          "(--max-items)")
        count = low if ctx.boundary and ctx.low else max(low, 1 if ctx.boundary else ctx.rng.randint(1, 3))
        if depth >= MAX_DEPTH:
            count = low
        count = min(count, _count(node.get("maxItems"), count))
        return [_json(node.get("items") or {}, ctx, root, depth + 1) for _ in range(count)]
    if kind in ("integer", "number"):
        low = _bound(node.get("minimum", node.get("exclusiveMinimum")), INT32[0] if kind == "integer" else -1e9)
        high = _bound(node.get("maximum", node.get("exclusiveMaximum")), INT32[1] if kind == "integer" else 1e9)
        if _bound(node.get("exclusiveMinimum"), None) is not None:
            low = node["exclusiveMinimum"] + (1 if kind == "integer" else 1e-6)
        if _bound(node.get("exclusiveMaximum"), None) is not None:
            high = node["exclusiveMaximum"] - (1 if kind == "integer" else 1e-6)
        value = _number(ctx, low, high, kind == "integer")
        step = _bound(node.get("multipleOf"), None)
        if step is not None and step > 0:
            value = type(value)(round(value / step) * step)
        return value
    if kind == "boolean":
        return (not ctx.low) if ctx.boundary else ctx.rng.random() < 0.5
    if kind == "null":
        return None
    max_len = node.get("maxLength")
    text = _text(ctx, _count(node.get("minLength"), 0), _count(max_len, 0) if max_len is not None else None,
                 str(node.get("format", "")))
    pattern = node.get("pattern")
    if isinstance(pattern, str) and not _matcher(pattern).search(text):
        text = _pattern_text(pattern, text)
    return text


def _matcher(pattern: str):
    """Patterns run on RE2 (linear time): `(x+x+)+y` cannot backtrack for ever; one RE2 cannot read
    (a backreference, a lookaround) is refused with the reason."""
    from .userregex import BadPattern, compile_pattern

    try:
        return compile_pattern(pattern)
    except BadPattern as exc:
        raise _Cannot(f"pattern {pattern[:80]!r} is not one RE2 reads ({exc}); sampling needs a linear-time pattern") from None


def _deref(node, root):
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
        target = root
        for part in node["$ref"][2:].split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        node = target
    return node if isinstance(node, dict) else {}


def _pattern_text(pattern: str, fallback: str) -> str:
    """A few common shapes; otherwise the text as it was (the test's validation then says so)."""
    matcher = _matcher(pattern)
    for candidate in ("a", "A", "0", "a1", "abc", "ABC", "123", "a-b", "a_b", "a.b", "x@y.z", "2026-01-01"):
        if matcher.search(candidate) and _matcher(pattern.strip("^$")).fullmatch(candidate):
            return candidate
    return fallback


# --- Protobuf ------------------------------------------------------------------------------------

PROTO_NUMBERS = {"int32": (INT32, True), "sint32": (INT32, True), "sfixed32": (INT32, True),
                 "uint32": ((0, 2**32 - 1), True), "fixed32": ((0, 2**32 - 1), True),
                 "int64": (INT64, True), "sint64": (INT64, True), "sfixed64": (INT64, True),
                 "uint64": ((0, 2**64 - 1), True), "fixed64": ((0, 2**64 - 1), True),
                 "float": ((-3.4e38, 3.4e38), False), "double": ((-1.7e308, 1.7e308), False)}


def _protobuf(schema, ctx: Context):
    """A dict in the Protobuf JSON mapping (`json_format.ParseDict` reads it) for the spec's message."""
    from proto_schema_parser.parser import Parser

    file = Parser().parse(str(schema.document))
    messages: dict[str, object] = {}
    enums: dict[str, object] = {}
    _index(file.file_elements, "", messages, enums)
    wanted = (schema.full_name or "").rpartition(".")[2]
    top = next((m for full, m in messages.items() if full.rpartition(".")[2] == wanted), None) or next(iter(messages.values()), None)
    if top is None:
        return {}
    pii = {f.name for f in schema.fields if f.pii}
    return _proto_message(top, ctx, messages, enums, pii, "", 0)


def _index(elements, prefix: str, messages: dict, enums: dict) -> None:
    from proto_schema_parser import ast

    for e in elements:
        if isinstance(e, ast.Message):
            full = f"{prefix}{e.name}"
            messages[full] = e
            _index(e.elements, full + ".", messages, enums)
        elif isinstance(e, ast.Enum):
            enums[f"{prefix}{e.name}"] = e


def _proto_message(message, ctx: Context, messages: dict, enums: dict, pii: set, path: str, depth: int) -> dict:
    from proto_schema_parser import ast

    ctx.spend(depth)
    out = {}
    for e in message.elements:
        if isinstance(e, ast.OneOf):
            fields = [f for f in e.elements if isinstance(f, ast.Field)]
            if fields:
                chosen = fields[ctx.index % len(fields)] if ctx.boundary else ctx.rng.choice(fields)
                out[_json_name(chosen.name)] = _proto_field(chosen, ctx, messages, enums, pii, path, depth)
        elif isinstance(e, ast.MapField):
            if not (ctx.boundary and ctx.low) and depth < MAX_DEPTH:
                key = _proto_scalar(e.key_type, replace(ctx, boundary=False, pii=False, name=""), enums)
                out[_json_name(e.name)] = {str(key).lower() if isinstance(key, bool) else str(key):
                                           _proto_value(e.value_type, ctx, messages, enums, pii, path, depth)}
        elif isinstance(e, ast.Field):
            out[_json_name(e.name)] = _proto_field(e, ctx, messages, enums, pii, path, depth)
    return out


def _json_name(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(w[:1].upper() + w[1:] for w in rest)


def _proto_field(field, ctx: Context, messages, enums, pii, path, depth):
    from proto_schema_parser import ast

    name = f"{path}{field.name}"
    child = ctx.child(ctx.pii or name in pii, field.name)
    if field.cardinality == ast.FieldCardinality.REPEATED:
        if (ctx.boundary and ctx.low) or depth >= MAX_DEPTH:
            return []
        return [_proto_value(field.type, child, messages, enums, pii, name + ".", depth) for _ in range(2)]
    return _proto_value(field.type, child, messages, enums, pii, name + ".", depth)


def _proto_value(kind: str, ctx: Context, messages, enums, pii, path, depth):
    ctx.spend(depth)
    target = _lookup(kind, messages)
    if target is not None:
        return {} if depth >= MAX_DEPTH else _proto_message(target, ctx, messages, enums, pii, path, depth + 1)
    return _proto_scalar(kind, ctx, enums)


def _lookup(kind: str, table: dict):
    kind = kind.lstrip(".")
    return table.get(kind) or next((v for k, v in table.items() if k.rpartition(".")[2] == kind.rpartition(".")[2]), None)


def _proto_scalar(kind: str, ctx: Context, enums: dict):
    from proto_schema_parser import ast

    if kind in PROTO_NUMBERS:
        (low, high), integer = PROTO_NUMBERS[kind]
        value = _number(ctx, low, high, integer)
        return str(value) if kind in ("int64", "sint64", "sfixed64", "uint64", "fixed64") else value
    if kind == "bool":
        return (not ctx.low) if ctx.boundary else ctx.rng.random() < 0.5
    if kind == "bytes":
        return "" if ctx.boundary and ctx.low else "AAECAw=="
    if kind == "string":
        return _text(ctx)
    enum = _lookup(kind, enums)
    if enum is not None:
        names = [v.name for v in enum.elements if isinstance(v, ast.EnumValue)] or [0]
        return max(names, key=len) if ctx.boundary else ctx.rng.choice(names)
    return _text(ctx)  # well-known types and the like: text the test can replace
