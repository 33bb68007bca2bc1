"""A spec as one self-contained document: every `$ref` to another file replaced by what it names
(Backstage shows the `definition` alone, with no files beside it)."""

from __future__ import annotations

from ..errors import SpecError
from ..model.yamlload import YMap, YSeq, plain

MAX_DEPTH = 64
MAX_NODES = 200_000  # a real spec with its schemas inlines to a few thousand


class _TooBig(Exception):
    pass


def inlined(product, notes: list[str] | None = None) -> dict:
    """The spec's document with file refs inlined; refs inside the spec itself stay (they resolve
    in it). A cyclic or unreadable ref stays as written. Refs used many times over (a fan-out that
    doubles at every level) stop at MAX_NODES: the document is then given with its refs as written,
    and a note says so."""
    budget = [MAX_NODES]
    try:
        return _walk(product, product.document, inside_file=False, stack=(), depth=0, budget=budget)
    except _TooBig:
        if notes is not None:
            notes.append(f"{product.spec_file}: its $refs inline to more than {MAX_NODES} nodes; the API definition "
                         "keeps its file refs as written")
        return plain(product.document)


def _walk(product, node, inside_file: bool, stack: tuple, depth: int, budget: list[int]):
    budget[0] -= 1
    if budget[0] < 0:
        raise _TooBig
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
            return _walk(product, target, True, (*stack, id(target)), depth + 1, budget)
        return {str(k): _walk(product, v, inside_file, stack, depth + 1, budget) for k, v in node.items()}
    if isinstance(node, (YSeq, list)):
        return [_walk(product, v, inside_file, stack, depth + 1, budget) for v in node]
    return plain(node)
