"""The one way the tool reads JSON it did not just make (plans, baselines, metrics, catalog.json,
registry answers): a size limit before reading, a nesting limit after parsing, and errors that
name file, line and column like every other input error. Deeper nesting than `MAX_DEPTH` is bad
input, not a RecursionError in whatever walks the document next."""

from __future__ import annotations

import json
from pathlib import Path

from .errors import Position, SpecError

MAX_BYTES = 64 * 1024 * 1024  # a catalog.json of a large estate is a few MiB
MAX_DEPTH = 256  # our own documents nest a dozen levels; schemas from a registry somewhat more


def read_json(path: Path, what: str, max_bytes: int = MAX_BYTES) -> object:
    try:
        if path.stat().st_size > max_bytes:
            raise SpecError(f"{what} is larger than {max_bytes} bytes", Position(str(path)))
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"cannot read {what}: {exc.strerror}", Position(str(path))) from None
    except UnicodeDecodeError:
        raise SpecError(f"{what} is not UTF-8 text", Position(str(path), 1, 1)) from None
    return parse_json(text, what, str(path))


def parse_json(text: str | bytes, what: str, shown: str, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> object:
    """`text` parsed; too large, too deep or not JSON is a SpecError at `shown`."""
    if len(text) > max_bytes:
        raise SpecError(f"{what} is larger than {max_bytes} bytes", Position(shown))
    try:
        doc = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = Position(shown, getattr(exc, "lineno", 1), getattr(exc, "colno", 1))
        raise SpecError(f"{what} is not JSON: {getattr(exc, 'msg', exc)}", where) from None
    except RecursionError:
        raise SpecError(f"{what} nests deeper than {max_depth} levels", Position(shown, 1, 1)) from None
    if depth(doc, max_depth) > max_depth:
        raise SpecError(f"{what} nests deeper than {max_depth} levels", Position(shown, 1, 1))
    return doc


def depth(doc: object, stop: int) -> int:
    """How deeply `doc` nests (counted without recursion, up to `stop` + 1)."""
    deepest, work = 0, [(doc, 1)]
    while work:
        node, level = work.pop()
        if isinstance(node, (dict, list)):
            deepest = max(deepest, level)
            if deepest > stop:
                return deepest
            work += [(child, level + 1) for child in (node.values() if isinstance(node, dict) else node)]
    return deepest
