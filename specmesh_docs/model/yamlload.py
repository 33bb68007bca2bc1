"""YAML/JSON loading that remembers where every node came from.

Built on PyYAML's C event parser (libyaml) with a small, non-recursive builder, so that
depth, node count, alias expansion and duplicate keys are checked while parsing instead of
after a hostile file has already been materialised. Values are plain JSON-like Python
objects; mappings and sequences are `YMap`/`YSeq` (dict/list subclasses) carrying positions.
"""

from __future__ import annotations

import re

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

from ..errors import Position, SpecError
from .limits import DEFAULT_LIMITS, Limits

try:  # libyaml's event parser is ~10x faster; fall back only where libyaml is missing
    from yaml import CSafeLoader as _Parser
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Parser  # type: ignore[assignment]

Pos = tuple[int, int]  # (line, col), 1-based


class YMap(dict):
    """A mapping that knows its file, its own position and where each key stands."""

    __slots__ = ("src", "line", "col", "kpos")

    def pos(self, key: str | None = None) -> Position:
        if key is not None and key in self.kpos:
            line, col = self.kpos[key]
            return Position(self.src, line, col)
        return Position(self.src, self.line, self.col)


class YSeq(list):
    """A sequence that knows its file, its own position and where each item starts."""

    __slots__ = ("src", "line", "col", "ipos")

    def pos(self, index: int | None = None) -> Position:
        if index is not None and 0 <= index < len(self.ipos):
            line, col = self.ipos[index]
            return Position(self.src, line, col)
        return Position(self.src, self.line, self.col)


def pos_of(node: object, key: str | int | None = None, default: Position | None = None) -> Position:
    """Position of `node` (or of `key` inside it); `default` for plain values."""
    if isinstance(node, (YMap, YSeq)):
        return node.pos(key)  # type: ignore[arg-type]
    return default or Position("<input>")


def plain(node: object) -> object:
    """Positioned values -> plain dicts and lists (for dumping and for other libraries)."""
    if isinstance(node, dict):
        return {k: plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    return node


_RESOLVER = Resolver()
_CONSTRUCTOR = SafeConstructor()
_TAG = "tag:yaml.org,2002:"
_CONVERT = {
    _TAG + "null": _CONSTRUCTOR.construct_yaml_null,
    _TAG + "bool": _CONSTRUCTOR.construct_yaml_bool,
    _TAG + "int": _CONSTRUCTOR.construct_yaml_int,
    _TAG + "float": _CONSTRUCTOR.construct_yaml_float,
}
_KNOWN_STRING_TAGS = {_TAG + "str", _TAG + "timestamp", _TAG + "value", _TAG + "merge", _TAG + "binary"}


_RESOLVED: dict[str, str] = {}  # plain scalar -> implicit tag; specs repeat their words a lot
_STR = _TAG + "str"


def _implicit_tag(value: str) -> str:
    tag = _RESOLVED.get(value)
    if tag is None:
        tag = _RESOLVER.resolve(ScalarNode, value, (True, False))
        if len(_RESOLVED) < 65536 and len(value) <= 64:
            _RESOLVED[value] = tag
    return tag


MAX_INT_BITS = 256  # far beyond any real value; a 100k-digit literal would only make printing it fail


def _scalar(ev: yaml.ScalarEvent, src: str) -> object:
    """JSON-compatible value of a scalar: null, bool, int, float or str (dates stay text)."""
    tag = ev.tag
    if tag in (None, "!"):
        if ev.style or not ev.implicit[0]:  # quoted or block scalar (libyaml says '' for plain)
            return ev.value
        tag = _implicit_tag(ev.value)
    elif tag.startswith("!!"):
        tag = _TAG + tag[2:]
    convert = _CONVERT.get(tag)
    if convert is not None:
        try:
            value = convert(ScalarNode(tag, ev.value))
        except (ValueError, yaml.YAMLError) as exc:
            raise SpecError(f"cannot read {ev.value[:40]!r} as {tag.rsplit(':', 1)[-1]}: {str(exc)[:200]}", _mark(ev, src)) from None
        if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
            raise SpecError(f"the number {ev.value[:20]}... is too long (more than {MAX_INT_BITS} bits)", _mark(ev, src))
        return value
    if tag in _KNOWN_STRING_TAGS:
        return ev.value
    raise SpecError(f"unsupported YAML tag {ev.tag!r}", _mark(ev, src))


def _mark(ev: object, src: str) -> Position:
    mark = ev.start_mark  # type: ignore[attr-defined]
    return Position(src, mark.line + 1, mark.column + 1)


def decode(data: bytes, src: str) -> str:
    """UTF-8 text of a file, or a positioned error for binary or mis-encoded content."""
    nul = data.find(b"\0")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise SpecError("binary content (NUL byte): not a text file", Position(src, line, nul - data.rfind(b"\n", 0, nul)))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - data.rfind(b"\n", 0, exc.start)
        raise SpecError("not valid UTF-8 text", Position(src, line, col)) from None


_JSON_TOKENS = re.compile(r'("(?:\\.|[^"\\\n])*")|(//[^\n]*|/\*.*?\*/)', re.S)


def _json_for_yaml(text: str) -> str:
    """JSON as the YAML parser accepts it, columns kept: tabs become spaces, and `//` and
    `/* */` comments (which Avro tooling such as Jackson accepts in .avsc files) are blanked."""
    if "/" in text:
        text = _JSON_TOKENS.sub(lambda m: m.group(1) or re.sub(r"[^\n]", " ", m.group(2)), text)
    return text.replace("\t", " ")


def load_text(text: str, src: str, limits: Limits = DEFAULT_LIMITS, *, json_like: bool = False) -> object:
    """Parse one YAML (or JSON) document into positioned plain values."""
    if len(text) > limits.max_file_bytes:
        raise SpecError(f"file is larger than the limit of {limits.max_file_bytes} bytes", Position(src, 1, 1))
    if json_like:
        text = _json_for_yaml(text)
    try:
        return _build(_Parser(text), src, limits)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Position(src, mark.line + 1, mark.column + 1) if mark else Position(src, 1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        if "nesting depth" in problem:  # libyaml's own guard can fire before ours (it scans ahead)
            raise SpecError(f"nesting deeper than {limits.max_depth} levels", where) from None
        raise SpecError(f"invalid YAML: {problem}", where) from None
    except yaml.YAMLError as exc:
        raise SpecError(f"invalid YAML: {exc}", Position(src, 1, 1)) from None


def _build(parser: object, src: str, limits: Limits) -> object:
    # Each frame: [container, pending key or _NO_KEY, weight]. Weight counts nodes with
    # aliases expanded, so a billion-laughs file is refused before it costs anything.
    stack: list[list] = []
    anchors: dict[str, tuple[object, int]] = {}
    root: object = None
    have_root = False
    total = 0
    aliases = 0
    get_event = parser.get_event  # type: ignore[attr-defined]  # None after the stream ends

    def attach(value: object, weight: int, ev: object) -> None:
        nonlocal root, have_root, total
        total += weight
        if total > limits.max_nodes:
            raise SpecError(f"document has more than {limits.max_nodes} nodes (after alias expansion)", _mark(ev, src))
        if not stack:
            root, have_root = value, True
            return
        frame = stack[-1]
        container = frame[0]
        frame[2] += weight
        mark = ev.start_mark  # type: ignore[attr-defined]
        if isinstance(container, YSeq):
            container.append(value)
            container.ipos.append((mark.line + 1, mark.column + 1))
            return
        key = frame[1]
        if key is _NO_KEY:
            if isinstance(value, (YMap, YSeq)):
                raise SpecError("a mapping key must be a plain value", _mark(ev, src))
            if value is not None and not isinstance(value, str):
                value = ev.value  # type: ignore[attr-defined]  # keys are text, as in JSON
            key = "null" if value is None else value
            if key in container:
                first = container.kpos[key]
                raise SpecError(f"duplicate key {key!r} (first defined at line {first[0]})", _mark(ev, src))
            frame[1] = key
            container.kpos[key] = (mark.line + 1, mark.column + 1)
            return
        container[key] = value
        frame[1] = _NO_KEY

    scalar_event = yaml.ScalarEvent
    while (ev := get_event()) is not None:
        kind = type(ev)
        if kind is scalar_event:
            if ev.style or ev.tag is not None or not ev.implicit[0]:
                value = _scalar(ev, src)
            else:  # the common case: a plain scalar without a tag
                tag = _RESOLVED.get(ev.value) or _implicit_tag(ev.value)
                value = ev.value if tag == _STR else _scalar(ev, src)
            if stack and type(stack[-1][0]) is YMap and stack[-1][1] is _NO_KEY and ev.value == "<<" and not ev.style:
                raise SpecError("YAML merge keys (<<) are not supported; write the keys out", _mark(ev, src))
            if ev.anchor:
                anchors[ev.anchor] = (value, 1)
            attach(value, 1, ev)
        elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
            if len(stack) >= limits.max_depth:
                raise SpecError(f"nesting deeper than {limits.max_depth} levels", _mark(ev, src))
            if ev.tag not in (None, "!", _TAG + "map", _TAG + "seq"):
                raise SpecError(f"unsupported YAML tag {ev.tag!r}", _mark(ev, src))
            node = YMap() if kind is yaml.MappingStartEvent else YSeq()
            node.src = src
            node.line = ev.start_mark.line + 1
            node.col = ev.start_mark.column + 1
            if kind is yaml.MappingStartEvent:
                node.kpos = {}
            else:
                node.ipos = []
            stack.append([node, _NO_KEY, 1, ev])
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            node, _, weight, start = stack.pop()
            if start.anchor:
                anchors[start.anchor] = (node, weight)
            total -= weight - 1  # children were already counted as they were attached
            attach(node, weight, start)
        elif kind is yaml.AliasEvent:
            aliases += 1
            if aliases > limits.max_aliases:
                raise SpecError(f"more than {limits.max_aliases} YAML aliases", _mark(ev, src))
            if ev.anchor not in anchors:
                raise SpecError(f"unknown YAML anchor {ev.anchor!r}", _mark(ev, src))
            value, weight = anchors[ev.anchor]
            attach(value, weight, ev)
        elif kind is yaml.DocumentStartEvent and have_root:
            raise SpecError("more than one YAML document in the file", _mark(ev, src))
    return root


class _NoKey:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<no key>"


_NO_KEY = _NoKey()


def locate(node: object, *path: str | int, default: Position | None = None) -> Position:
    """Position of the deepest existing key along `path` below `node`."""
    best = node.pos() if isinstance(node, (YMap, YSeq)) else default
    for key in path:
        if isinstance(node, YMap) and key in node:
            best = node.pos(key)
            node = node[key]
        elif isinstance(node, YSeq) and isinstance(key, int) and key < len(node):
            best = node.pos(key)
            node = node[key]
        else:
            break
    return best or default or Position("<input>")
