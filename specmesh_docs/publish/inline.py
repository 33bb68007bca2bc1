"""A spec as one self-contained document: every `$ref` to another file replaced by what it names
(Backstage shows the `definition` alone, with no files beside it)."""

from __future__ import annotations

from ..errors import SpecError
from ..model.yamlload import YMap, YSeq, plain

MAX_DEPTH = 64


def inlined(product) -> dict:
    """The spec's document with file refs inlined; refs inside the spec itself stay (they resolve
    in it). A cyclic or unreadable ref stays as written."""
    return _walk(product, product.document, inside_file=False, stack=(), depth=0)


def _walk(product, node, inside_file: bool, stack: tuple, depth: int):
    if depth > MAX_DEPTH:
        return plain(node)
    if isinstance(node, YMap):
        ref = node.get("$ref")
        if isinstance(ref, str) and (inside_file or not ref.startswith("#")):
            try:
                target = product.resolve(node)
            except SpecError:
                return plain(node)
            if id(target) in stack:
                return plain(node)  # a recursive type: the ref stays
            return _walk(product, target, True, (*stack, id(target)), depth + 1)
        return {str(k): _walk(product, v, inside_file, stack, depth + 1) for k, v in node.items()}
    if isinstance(node, (YSeq, list)):
        return [_walk(product, v, inside_file, stack, depth + 1) for v in node]
    return plain(node)
