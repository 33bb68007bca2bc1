"""Spec loading: files -> positioned documents -> the DataProduct model.

`load_spec` is the one entry point every feature uses; it imports nothing heavy.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import Position, SpecError
from .limits import DEFAULT_LIMITS, Limits
from .model import ConsumedTopic, DataProduct, Info, Topic
from .refs import Files, Resolver, display, find_confinement, real_path
from .yamlload import YMap

__all__ = ["load_spec", "load_document", "DataProduct", "Topic", "ConsumedTopic", "Info", "Files", "SpecError",
           "Position", "Limits"]


def load_document(path: Path, files: Files) -> YMap:
    """The parsed spec file; its root must be a mapping."""
    doc = files.read(path, Position(display(path), 1, 1))
    if not isinstance(doc, YMap):
        kind = "empty" if doc is None else type(doc).__name__
        raise SpecError(f"a spec must be a mapping at the top level (found {kind})", Position(display(path), 1, 1))
    return doc


def load_spec(path: str | Path, root: str | Path | None = None, files: Files | None = None,
              limits: Limits = DEFAULT_LIMITS, principal_format: str = "User:{domain}",
              domain_from: str = "id", v2_operations: str = "specmesh") -> DataProduct:
    """Load one spec into the model.

    `root`: where `/`-refs start and the boundary no ref may cross. Without it, `/`-refs
    start at the spec's directory and the boundary is the git work tree around the spec.
    Pass one `files` to several calls to share parsed schema files.
    """
    from .asyncapi import Mapper

    given = Path(os.path.abspath(path))
    path = real_path(given, Position(display(given)))
    if not path.is_file():
        raise SpecError("no such file" if not path.exists() else "not a file", Position(display(path)))
    base = Path(root).resolve() if root else path.parent
    if files is None:
        files = Files(Path(root) if root else find_confinement(given.parent), limits)
    if not path.is_relative_to(files.confine):  # a symlinked spec is held to where it is found, not where it points
        raise SpecError(f"is a symlink to a file outside the spec root {display(files.confine)}", Position(display(given)))
    files.begin_spec()
    doc = load_document(path, files)
    resolver = Resolver(files, path.resolve(), doc, base)
    return Mapper(doc, resolver, display(path), principal_format, domain_from, v2_operations).product()
