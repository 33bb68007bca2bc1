"""Avro compatibility: the Apache Avro library's checker decides; a walk over the two parsed
schemas then says which field each problem is at (the library merges its findings into one
set of messages and loses the location inside unions)."""

from __future__ import annotations


def _plain(doc: object) -> object:
    from ..model.yamlload import plain

    return plain(doc)


def names_used(doc: object) -> tuple[set[str], set[str]]:
    """(full names a document uses, full names it defines): records, arrays, maps, unions."""
    used: set[str] = set()
    defined: set[str] = set()
    work = [(doc, None)]
    while work:
        node, namespace = work.pop()
        if isinstance(node, str):
            used.add(node if "." in node or not namespace else f"{namespace}.{node}")
        elif isinstance(node, list):
            work += [(item, namespace) for item in node]
        elif isinstance(node, dict):
            kind = node.get("type")
            if kind in ("record", "error", "enum", "fixed") and isinstance(node.get("name"), str):
                ns = node.get("namespace", namespace)
                name = node["name"]
                defined.add(name if "." in name or not ns else f"{ns}.{name}")
                work += [(f.get("type"), ns) for f in node.get("fields") or [] if isinstance(f, dict)]
            else:
                work += [(node[key], namespace) for key in ("type", "items", "values") if key in node]
    return used, defined


def references_of(doc: object, candidates: set[str]) -> list[str]:
    """The named types among `candidates` that `doc` uses without defining them."""
    used, defined = names_used(_plain(doc))
    return sorted((used - defined) & candidates)


def dependency_order(named: dict[str, object], roots: list[str] | None = None) -> list[str]:
    """Named types, each after the types it uses (a cycle is cut where it closes)."""
    candidates = set(named)
    order: list[str] = []
    for root in (roots if roots is not None else sorted(named)):
        work = [(root, False)]
        stack: set[str] = set()
        while work:
            name, done = work.pop()
            if done:
                stack.discard(name)
                if name not in order:
                    order.append(name)
                continue
            if name in order or name in stack:
                continue
            stack.add(name)
            work.append((name, True))
            work += [(dep, False) for dep in reversed(references_of(named[name], candidates - {name}))]
    return order


def avro_schema(schema):
    """The parsed Avro schema. Types from other files are parsed first, in dependency order, into
    a name table of this call's own: a failed parse leaves nothing behind for the next one."""
    import avro.schema

    names = avro.schema.Names()
    named = {name: _plain(doc) for name, doc in (schema.named or {}).items()}
    for name in dependency_order(named):
        if not names.has_name(name, None):  # not already defined inline by a type parsed before
            avro.schema.make_avsc_object(named[name], names)
    return avro.schema.make_avsc_object(_plain(schema.document), names)


def avro_problems(reader, writer) -> list[tuple[str, str, str]]:
    """(rule, field path, detail) for each thing `reader` cannot read of what `writer` writes."""
    import avro.errors
    from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType

    try:
        r, w = avro_schema(reader), avro_schema(writer)
        checker = ReaderWriterCompatibilityChecker()
        verdict = checker.get_compatibility(r, w)
    except (avro.errors.AvroException, ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
        return [("UNPARSEABLE", "", str(exc) or type(exc).__name__)]
    if verdict.compatibility != SchemaCompatibilityType.incompatible:
        return []
    found = _Explain(checker).walk(r, w, "")
    if found:
        return found
    kinds = ", ".join(sorted({kind.name.upper() for kind in verdict.incompatibilities}))  # the library's own words
    return [(kinds, "", ", ".join(sorted(str(m) for m in verdict.messages)))]


class _Explain:
    """Follows the pairs the checker compares (record fields, array items, map values, union
    branches) down to the one that fails, and names it."""

    def __init__(self, checker):
        self.checker = checker
        self.seen: set[tuple[int, int]] = set()
        self.found: list[tuple[str, str, str]] = []

    def fails(self, r, w) -> bool:
        from avro.compatibility import SchemaCompatibilityType

        return self.checker.get_compatibility(r, w).compatibility == SchemaCompatibilityType.incompatible

    def add(self, rule: str, path: str, detail: str) -> None:
        if (rule, path, detail) not in self.found:
            self.found.append((rule, path, detail))

    def walk(self, r, w, path: str) -> list[tuple[str, str, str]]:
        if (id(r), id(w)) in self.seen or not self.fails(r, w):
            return self.found
        self.seen.add((id(r), id(w)))
        if w.type == "union":
            for branch in w.schemas:
                if self.fails(r, branch):
                    self._branch(r, branch, path)
        elif r.type == "union":
            self._branch(r, w, path)
        elif r.type != w.type:
            self.add("TYPE_MISMATCH", path, f"reader type {_kind(r)} cannot read writer type {_kind(w)}")
        elif r.type == "record":
            self._names(r, w, path)
            self._record(r, w, path)
        elif r.type == "array":
            self.walk(r.items, w.items, f"{path}[]")
        elif r.type == "map":
            self.walk(r.values, w.values, f"{path}{{}}")
        elif r.type in ("enum", "fixed"):
            self._names(r, w, path)
            if r.type == "fixed" and r.size != w.size:
                self.add("FIXED_SIZE_MISMATCH", path, f"size {w.size} written, {r.size} read")
            if r.type == "enum":
                lost = [s for s in w.symbols if s not in r.symbols]
                if lost and r.props.get("default") not in r.symbols:
                    self.add("MISSING_ENUM_SYMBOLS", path, f"the reader lacks {', '.join(lost)}")
        return self.found

    def _branch(self, reader, writer_branch, path: str) -> None:
        """`writer_branch` (one type) against a reader that may be a union."""
        if reader.type != "union":
            self.walk(reader, writer_branch, path)
            return
        same = [b for b in reader.schemas if b.type == writer_branch.type
                and getattr(b, "fullname", None) == getattr(writer_branch, "fullname", None)]
        if same:
            self.walk(same[0], writer_branch, path)
        else:
            self.add("MISSING_UNION_BRANCH", path, f"the reader's union lacks {_kind(writer_branch)}")

    def _names(self, r, w, path: str) -> None:
        aliases = r.props.get("aliases") or []
        if r.name != w.name and w.fullname not in aliases:
            self.add("NAME_MISMATCH", path, f"{w.fullname} written, {r.fullname} read (no alias)")

    def _record(self, r, w, path: str) -> None:
        from avro.compatibility import lookup_writer_field

        for field in r.fields:
            at = f"{path}.{field.name}" if path else field.name
            written = lookup_writer_field(writer_schema=w, reader_field=field)
            if written is not None:
                self.walk(field.type, written.type, at)
            elif not field.has_default and not (field.type.type == "enum" and field.type.props.get("default")):
                self.add("READER_FIELD_MISSING_DEFAULT_VALUE", at, "the reader has this field without a default, "
                         "the writer does not write it")


def _kind(schema) -> str:
    return getattr(schema, "fullname", None) or schema.type
