"""Key and value schemas (Avro, JSON Schema, Protobuf) reduced to one flat field list.

Fields are flattened with dotted paths (`address.street`, `items[].sku`) so lint rules,
the portal and search treat every format alike. PII marking, accepted forms:
- Avro: field attribute `"pii": true`, or `"pii"`/`"PII"` in the field's `tags` or
  `confluent:tags` list;
- JSON Schema: `x-pii: true` (or `pii: true`), or `pii` in `x-tags`/`tags`;
- Protobuf: field option `[(pii) = true]` (any option whose name ends in `pii`), or the
  standard `[debug_redact = true]`; a comment line right above a field is its doc.
A `pii` tag on the message or channel marks the whole topic (see the model).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Position, SpecError
from .limits import DEFAULT_LIMITS
from .yamlload import plain as _plain, pos_of  # fastavro mutates what it is given: pass copies

COMPATIBILITY_LEVELS = ("NONE", "BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE", "FULL",
                        "FULL_TRANSITIVE")  # a registry's, as `compat` checks them offline
AVRO_PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}
PII_WORDS = {"pii", "PII"}


@dataclass(slots=True)
class Field:
    name: str  # dotted path from the top of the schema
    type: str
    required: bool
    doc: str = ""
    pii: bool = False
    tags: tuple[str, ...] = ()
    pos: Position | None = None

    @property
    def depth(self) -> int:
        return self.name.count(".")

    def to_dict(self) -> dict:
        return {"name": self.name, "type": self.type, "required": self.required, "doc": self.doc,
                "pii": self.pii, "tags": list(self.tags)}


@dataclass(slots=True)
class Schema:
    format: str  # avro | json | protobuf
    fields: list[Field]
    type: str = "record"  # top-level type as written (record, object, union, string, ...)
    file: str | None = None  # the schema file as the user sees it, None when inline
    full_name: str | None = None  # Avro full name, Protobuf package.Message, JSON title
    document: object = None  # parsed schema (dict or .proto text), for registration
    references: list[tuple[str, str]] = field(default_factory=list)  # (Avro full name, file)
    pos: Position | None = None
    named: dict = field(default_factory=dict, repr=False)  # Avro: referenced full name -> its parsed document
    resolved: object = field(default=None, repr=False, compare=False)  # JSON: the document with its $refs followed

    @property
    def pii_fields(self) -> list[Field]:
        return [f for f in self.fields if f.pii]

    def to_dict(self) -> dict:
        return {"format": self.format, "type": self.type, "file": self.file, "full_name": self.full_name,
                "references": [name for name, _ in self.references],
                "fields": [f.to_dict() for f in self.fields]}


class Budget:
    """Bounded expansion. Listing fields follows shared subtrees once per place they are used (an
    `Address` under `billing` and `shipping` is listed twice, as users expect); a schema built so
    that this doubles at every level stops here with a positioned error instead of running for ever.
    Recursion (a type inside itself) is not expanded at all: it is shown as `(recursive)`."""

    def __init__(self, at: Position):
        self.left = DEFAULT_LIMITS.max_schema_nodes
        self.at = at

    def spend(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise SpecError(f"the schema expands to more than {DEFAULT_LIMITS.max_schema_nodes} nodes (subtrees shared "
                            "many times over); reference fewer copies or split it", self.at)


MAX_DEPTH = DEFAULT_LIMITS.max_schema_depth
MAX_TYPE_TEXT = 200


def _short(text: str) -> str:
    return text if len(text) <= MAX_TYPE_TEXT else text[:MAX_TYPE_TEXT] + "…"


def _tagged_pii(tags: object) -> bool:
    return isinstance(tags, list) and any(
        (t in PII_WORDS) or (isinstance(t, dict) and t.get("name") in PII_WORDS) for t in tags)


def _str_tags(tags: object) -> tuple[str, ...]:
    if not isinstance(tags, list):
        return ()
    return tuple(t if isinstance(t, str) else str(t.get("name", "")) for t in tags if isinstance(t, (str, dict)))


# --- Avro -------------------------------------------------------------------------------

class AvroReader:
    """Parses an .avsc, loading referenced named types from `<dir>/<full.name>.avsc`."""

    def __init__(self, read_file, shown_path):
        self._read = read_file  # (Path, Position) -> parsed value
        self._shown = shown_path  # Path -> str
        self.named: dict[str, dict] = {}
        self.references: list[tuple[str, str]] = []

    def load(self, path: Path, doc: object, at: Position) -> Schema:
        self._collect(doc, None, path, at)
        top = self._declared_name(doc, None)
        try:
            import fastavro
            fastavro.parse_schema(_plain(doc), named_schemas={k: _plain(v) for k, v in self.named.items() if k != top}, _write_hint=False)
        except SpecError:
            raise
        except Exception as exc:  # fastavro raises several types for invalid schemas
            raise SpecError(f"invalid Avro schema: {exc}", pos_of(doc, default=Position(self._shown(path), 1, 1))) from None
        fields: list[Field] = []
        self._budget = Budget(pos_of(doc, default=at))
        self._fields(doc, None, "", fields, set())
        return Schema("avro", fields, type=_avro_kind(doc), file=self._shown(path), full_name=top,
                      document=doc, references=self.references, pos=pos_of(doc, default=at),
                      named={name: self.named[name] for name, _ in self.references if name in self.named})

    @staticmethod
    def _declared_name(node: object, namespace: str | None) -> str | None:
        if isinstance(node, dict) and node.get("type") in ("record", "enum", "fixed", "error") and isinstance(node.get("name"), str):
            name = node["name"]
            ns = node.get("namespace", namespace)
            return name if "." in name or not ns else f"{ns}.{name}"
        return None

    def _full(self, name: str, namespace: str | None) -> str:
        return name if "." in name or not namespace else f"{namespace}.{name}"

    def _collect(self, node: object, namespace: str | None, path: Path, at: Position) -> None:
        """Registers named types; loads unknown referenced ones from sibling files. A worklist, not
        recursion: a chain of thousands of referenced files cannot reach Python's recursion limit."""
        work = [(node, namespace, path, at)]
        while work:
            node, namespace, path, at = work.pop()
            children = self._collect_one(node, namespace, path, at)
            work.extend(reversed(children))  # depth-first, in document order: names are defined before use

    def _collect_one(self, node: object, namespace: str | None, path: Path, at: Position) -> list:
        if isinstance(node, list):
            return [(item, namespace, path, at) for item in node]
        if isinstance(node, str):
            if node in AVRO_PRIMITIVES:
                return []
            full = self._full(node, namespace)
            if full in self.named or node in self.named:
                return []
            if "\x00" in full or "/" in full:
                raise SpecError(f"invalid Avro schema: {full!r} is not a type name", at)
            ref_path = path.parent / f"{full}.avsc"
            doc = self._read(ref_path, at)
            if self._declared_name(doc, None) is None:
                raise SpecError(f"{self._shown(ref_path)} does not define the named type {full}", at)
            self.references.append((full, self._shown(ref_path)))
            return [(doc, None, ref_path, pos_of(doc, default=at))]
        if not isinstance(node, dict):
            raise SpecError("invalid Avro schema: a type must be a name, a list or an object", pos_of(node, default=at))
        kind = node.get("type")
        declared = self._declared_name(node, namespace)
        if declared:
            self.named.setdefault(declared, node)
            namespace = declared.rpartition(".")[0] or None
        if kind in ("record", "error"):
            fields = node.get("fields")
            if not isinstance(fields, list):
                raise SpecError("invalid Avro schema: a record needs a 'fields' list", pos_of(node, "type", at))
            return [(f["type"], namespace, path, pos_of(f, "type", at)) for f in fields if isinstance(f, dict) and "type" in f]
        if kind == "array":
            return [(node.get("items"), namespace, path, pos_of(node, "items", at))]
        if kind == "map":
            return [(node.get("values"), namespace, path, pos_of(node, "values", at))]
        if isinstance(kind, (dict, list)) or (isinstance(kind, str) and kind not in AVRO_PRIMITIVES and kind not in ("enum", "fixed")):
            return [(kind, namespace, path, pos_of(node, "type", at))]
        return []

    def _lookup(self, node: object, namespace: str | None) -> object:
        if isinstance(node, str) and node not in AVRO_PRIMITIVES:
            return self.named.get(self._full(node, namespace), self.named.get(node, node))
        return node

    def _fields(self, node: object, namespace: str | None, prefix: str, out: list[Field], stack: set[str]) -> None:
        if prefix.count(".") > MAX_DEPTH:
            return
        self._budget.spend()
        node = self._lookup(node, namespace)
        if isinstance(node, list):  # a union: an optional value, or a choice of records
            branches = [self._lookup(b, namespace) for b in node if b != "null"]
            if len(branches) == 1:
                self._fields(branches[0], namespace, prefix, out, stack)
                return
            for r in branches:
                if isinstance(r, dict) and r.get("type") in ("record", "error"):
                    self._fields(r, namespace, f"{prefix}{r.get('name')}.", out, stack)
            return
        if not isinstance(node, dict):
            return
        kind = node.get("type")
        declared = self._declared_name(node, namespace)
        if declared:
            namespace = declared.rpartition(".")[0] or None
        if kind in ("record", "error"):
            if declared in stack:
                return  # recursive type: listed once
            inner = stack | {declared} if declared else stack
            for f in node.get("fields", []):
                if not isinstance(f, dict) or not isinstance(f.get("name"), str):
                    continue
                ftype = f.get("type")
                nullable = isinstance(ftype, list) and "null" in ftype
                tags = _str_tags(f.get("tags")) + _str_tags(f.get("confluent:tags"))
                recursive = self._refers_to(ftype, namespace, inner)
                out.append(Field(
                    name=prefix + f["name"], type=_short(self._describe(ftype, namespace)) + (" (recursive)" if recursive else ""),
                    required=not nullable and "default" not in f,
                    doc=str(f.get("doc", "") or ""), pii=f.get("pii") is True or bool(PII_WORDS & set(tags)),
                    tags=tags, pos=pos_of(f)))
                self._fields(ftype, namespace, f"{prefix}{f['name']}.", out, inner)
        elif kind == "array":
            self._fields(node.get("items"), namespace, prefix.rstrip(".") + "[].", out, stack)
        elif kind == "map":
            self._fields(node.get("values"), namespace, prefix.rstrip(".") + "{}.", out, stack)

    def _refers_to(self, ftype: object, namespace: str | None, stack: set[str]) -> bool:
        """Is this field's type (or the record of an optional one) a record being listed around it?"""
        branches = ftype if isinstance(ftype, list) else [ftype]
        return any(isinstance(b, str) and b not in AVRO_PRIMITIVES and self._full(b, namespace) in stack for b in branches)

    def _describe(self, t: object, namespace: str | None) -> str:
        if isinstance(t, str):
            return t if t in AVRO_PRIMITIVES else self._full(t, namespace).rpartition(".")[2]
        if isinstance(t, list):
            branches = [self._describe(b, namespace) for b in t]
            if len(branches) == 2 and "null" in branches:  # the usual optional value
                return f"{next(b for b in branches if b != 'null')} (optional)"
            return " | ".join(branches)
        if isinstance(t, dict):
            kind = t.get("type")
            readable = LOGICAL_TYPES.get(str(t.get("logicalType")))
            if readable:
                if t.get("logicalType") == "decimal" and isinstance(t.get("precision"), int):
                    return f"decimal({t['precision']}, {t.get('scale', 0)})"
                return readable
            if kind == "array":
                return f"array<{self._describe(t.get('items'), namespace)}>"
            if kind == "map":
                return f"map<{self._describe(t.get('values'), namespace)}>"
            if kind in ("record", "enum", "fixed", "error"):
                return f"{kind} {t.get('name')}" if kind != "record" else str(t.get("name"))
            if isinstance(kind, str) and t.get("logicalType"):
                return f"{kind} ({t['logicalType']})"
            return self._describe(kind, namespace)
        return "?"


LOGICAL_TYPES = {  # Avro logical types as people read them
    "timestamp-millis": "timestamp (ms)", "timestamp-micros": "timestamp (µs)", "timestamp-nanos": "timestamp (ns)",
    "local-timestamp-millis": "local timestamp (ms)", "local-timestamp-micros": "local timestamp (µs)",
    "date": "date", "time-millis": "time of day (ms)", "time-micros": "time of day (µs)", "uuid": "uuid",
    "decimal": "decimal", "duration": "duration",
}


def _avro_kind(doc: object) -> str:
    if isinstance(doc, list):
        return "union"
    if isinstance(doc, dict):
        return str(doc.get("type"))
    return str(doc)


# --- JSON Schema -----------------------------------------------------------------------

def inline_refs(root: object, deref, at: Position) -> object:
    """The schema as plain dicts and lists with every `$ref` followed, for comparing two versions.
    Each node a `$ref` reaches is copied once and shared by every use (a subtree used twice per
    level stays linear), and recursion becomes a cycle in the result, never an endless copy.
    `deref(node) -> node` is the loader's (confined, cycle-checked); a `$ref` it cannot follow (a
    URL) stays as written."""
    limit = DEFAULT_LIMITS.max_nodes
    memo: dict[int, object] = {}
    work: list[tuple[object, object]] = []

    def copy(node: object) -> object:
        if isinstance(node, dict) and "$ref" in node:
            try:
                node = deref(node)
            except SpecError:
                pass
        if not isinstance(node, (dict, list)):
            return node
        if id(node) not in memo:
            if len(memo) >= limit:
                raise SpecError(f"the schema with its $refs followed has more than {limit} nodes", at)
            memo[id(node)] = {} if isinstance(node, dict) else [None] * len(node)
            work.append((node, memo[id(node)]))
        return memo[id(node)]

    top = copy(root)
    while work:
        source, target = work.pop()
        for key, value in (source.items() if isinstance(source, dict) else enumerate(source)):
            target[key] = copy(value)
    return top


def local_deref(root: object, named: dict | None = None):
    """`deref` for a schema that is plain data (a registry's answer): `#/...` pointers into the
    document a node belongs to, `name#/...` into the referenced schema registered as `name`."""
    from .refs import follow_pointer

    limits = DEFAULT_LIMITS
    docs = {"": root, **(named or {})}
    owner: dict[int, str] = {}
    for name, doc in docs.items():
        work = [doc]
        while work:
            node = work.pop()
            if isinstance(node, (dict, list)) and id(node) not in owner:
                owner[id(node)] = name
                work += node.values() if isinstance(node, dict) else node

    def deref(node: object) -> object:
        for _ in range(limits.max_ref_hops):
            ref = node.get("$ref") if isinstance(node, dict) else None
            if not isinstance(ref, str):
                return node
            name, _, pointer = ref.partition("#")
            if (name or owner.get(id(node), "")) not in docs:
                raise SpecError(f"$ref {ref!r} is not inside the schema or its references")
            node = follow_pointer(docs[name or owner.get(id(node), "")], pointer, None)
        raise SpecError("cyclic $ref")

    return deref


def json_schema_fields(doc: object, deref, at: Position) -> tuple[list[Field], str]:
    """Fields of a JSON Schema; `deref(node) -> node` follows `$ref`s (confined, cycle-checked)."""
    out: list[Field] = []
    top = deref(doc)
    _JsonWalk(deref, Budget(at)).walk(top, "", out, 0)
    kind = top.get("type", "object") if isinstance(top, dict) else "?"
    return out, kind if isinstance(kind, str) else " | ".join(map(str, kind)) if isinstance(kind, list) else str(kind)


class _JsonWalk:
    """Properties, items and allOf/oneOf/anyOf branches, with the nodes on the current path
    remembered: a schema inside itself is listed as `(recursive)`, not expanded."""

    def __init__(self, deref, budget: Budget):
        self.deref = deref
        self.budget = budget
        self.on_path: set[int] = set()  # ids of the nodes being walked, outermost first
        self.typing: set[int] = set()  # the same while describing a type
        self.types: dict[int, str] = {}  # id(node) -> its type text; nodes live in the parsed documents

    def walk(self, node: object, prefix: str, out: list[Field], depth: int) -> None:
        if not isinstance(node, dict) or depth > MAX_DEPTH or id(node) in self.on_path:
            return
        self.budget.spend()
        self.on_path.add(id(node))
        props = node.get("properties")
        required = node.get("required") if isinstance(node.get("required"), list) else ()
        if isinstance(props, dict):
            for name, raw in props.items():
                sub = self.deref(raw)
                if not isinstance(sub, dict):
                    continue
                recursive = id(sub) in self.on_path
                tags = _str_tags(sub.get("x-tags")) + _str_tags(sub.get("tags"))
                out.append(Field(
                    name=f"{prefix}{name}", type=self.type_of(sub) + (" (recursive)" if recursive else ""),
                    required=name in required, doc=str(sub.get("description", "") or sub.get("title", "") or ""),
                    pii=sub.get("x-pii") is True or sub.get("pii") is True or bool(PII_WORDS & set(tags)),
                    tags=tags, pos=pos_of(props, name)))
                if recursive:
                    continue
                self.walk(sub, f"{prefix}{name}.", out, depth + 1)
                items = sub.get("items")
                if isinstance(items, dict):
                    self.on_path.add(id(sub))
                    self.walk(self.deref(items), f"{prefix}{name}[].", out, depth + 1)
                    self.on_path.discard(id(sub))
        for combinator in ("allOf", "oneOf", "anyOf"):
            branches = node.get(combinator)
            if isinstance(branches, list):
                for branch in branches:
                    self.walk(self.deref(branch), prefix, out, depth + 1)
        self.on_path.discard(id(node))

    def type_of(self, node: object, depth: int = 0) -> str:
        node = self.deref(node)
        if not isinstance(node, dict):
            return "any"
        key = id(node)
        if key in self.typing:
            return "(recursive)"
        cached = self.types.get(key)
        if cached is not None:
            return cached
        if depth > 8:
            return "…"
        self.budget.spend()
        self.typing.add(key)
        text = None
        for combinator in ("oneOf", "anyOf"):
            if isinstance(node.get(combinator), list):
                text = " | ".join(self.type_of(n, depth + 1) for n in node[combinator])
                break
        if text is None and node.get("type") is None and isinstance(node.get("allOf"), list):
            # every branch holds at once: an object made of objects is an object
            kinds = [k for k in dict.fromkeys(self.type_of(n, depth + 1) for n in node["allOf"]) if k != "any"]
            text = " & ".join(kinds) if kinds else "any"  # a branch with constraints only adds no type
        if text is None:
            t = node.get("type")
            if isinstance(t, list):
                text = " | ".join(map(str, t))
            elif t == "array":
                text = f"array<{self.type_of(node.get('items', {}), depth + 1)}>"
            else:
                if t is None and "properties" in node:
                    t = "object"
                text = str(t) if t is not None else ("enum" if "enum" in node else "any")
                if node.get("format"):
                    text += f" ({node['format']})"
        self.typing.discard(key)
        text = self.types[key] = _short(text)
        return text


# --- Protobuf --------------------------------------------------------------------------

def protobuf_schema(text: str, shown: str, at: Position, single_root: bool = False) -> Schema:
    """A .proto's first message as the schema. Inline in a spec (`single_root`), as the official
    parser reads it: the root is the one message no other message uses, or the one marked with a
    `// @RootNode` comment when there are several; several unmarked roots are an error."""
    from proto_schema_parser import ast
    from proto_schema_parser.parser import Parser

    try:
        parsed = Parser().parse(text)
    except Exception as exc:  # the parser raises its own error types with line info in the text
        raise SpecError(f"invalid Protobuf schema: {str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__}",
                        Position(shown, 1, 1)) from None
    package = next((e.name for e in parsed.file_elements if isinstance(e, ast.Package)), "")
    messages = [e for e in parsed.file_elements if isinstance(e, ast.Message)]
    if not messages:
        raise SpecError("Protobuf schema defines no message", Position(shown, 1, 1))
    top = messages[0]
    by_name = {m.name: m for m in messages}
    if single_root:
        top = _root_message(messages, parsed.file_elements, ast, at)
    fields: list[Field] = []
    _proto_walk(top, "", fields, by_name, set(), shown, ast, Budget(at))
    full = f"{package}.{top.name}" if package else top.name
    return Schema("protobuf", fields, type="message", file=shown, full_name=full, document=text, pos=at)


def _root_message(messages, elements, ast, at: Position):
    used = {e.type.rpartition(".")[2] for m in messages for e in m.elements
            if isinstance(e, ast.Field) and e.type.rpartition(".")[2] != m.name}
    roots = [m for m in messages if m.name not in used] or messages[:1]  # all in a cycle: the first
    if len(roots) == 1:
        return roots[0]
    after_marker = {id(b) for a, b in zip(elements, elements[1:]) if isinstance(a, ast.Comment) and "@RootNode" in a.text}
    marked = [m for m in roots if id(m) in after_marker]
    if len(marked) == 1:
        return marked[0]
    raise SpecError(f"inline Protobuf schema has {len(roots)} root messages ({', '.join(m.name for m in roots)}); "
                    "mark one with a // @RootNode comment", at)


def _flat_elements(elements, ast):
    """(element, oneof group or "") for a message's elements, each `oneof`'s fields in place."""
    for element in elements:
        if isinstance(element, ast.OneOf):
            yield from ((inner, element.name) for inner in element.elements)
        else:
            yield element, ""


def _proto_walk(msg, prefix, out, by_name, stack, shown, ast, budget: Budget) -> None:
    if prefix.count(".") > MAX_DEPTH:
        return
    budget.spend()
    nested = {e.name: e for e in msg.elements if isinstance(e, ast.Message)}
    scope = {**by_name, **nested}
    comment = ""
    for element, group in _flat_elements(msg.elements, ast):
        if isinstance(element, ast.Comment):
            comment = element.text.lstrip("/").strip(" *")
            continue
        if isinstance(element, ast.MapField):  # map<K, V>: one field, typed as written
            out.append(Field(name=prefix + element.name, type=f"map<{element.key_type}, {element.value_type}>",
                             required=False, doc=comment, pos=Position(shown, 0, 0)))
        elif isinstance(element, ast.Field):
            options = {o.name.strip("()"): o.value for o in element.options}
            pii = options.get("debug_redact") is True or any(k.endswith("pii") and v is True for k, v in options.items())
            label = element.cardinality.value.lower() if element.cardinality else ""
            child = scope.get(element.type.rpartition(".")[2])
            inner = stack | {msg.name}
            recursive = child is not None and child.name in inner
            out.append(Field(
                name=prefix + element.name,
                type=f"{'repeated ' if label == 'repeated' else ''}{element.type}{' (recursive)' if recursive else ''}"
                     + (f" (one of {group})" if group else ""),
                required=label == "required", doc=comment, pii=pii, pos=Position(shown, 0, 0)))
            if child is not None and not recursive:
                _proto_walk(child, f"{prefix}{element.name}.", out, scope, inner, shown, ast, budget)
        comment = ""
