"""Which specs may have changed between two directories, without parsing them.

A diff of an estate where a few specs change should read those few, not all of them twice. A spec
may have changed when its file differs, when a file it references (`$ref`, followed through the
referenced files) differs, when a file beside one of those differs (Avro types are found by name
in the referencing file's folder), or when a policy file differs. Anything that cannot be told
counts as changed: this only ever skips specs that are byte-for-byte the same with all they read.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from ..lint.runner import SKIP_DIRS
from ..policy import POLICY_NAMES
from .sides import KEEP

_REF = re.compile(r"""["']?\$ref["']?\s*:\s*["']?([^"'\s,}#]*)""")


def files_of(root: Path) -> dict[str, Path]:
    """Relative path -> file, for every file a spec could read."""
    out: dict[str, Path] = {}
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS]
        for name in names:
            if name.lower().endswith(KEEP):
                path = Path(folder) / name
                out[path.relative_to(root).as_posix()] = path
    return out


def changed_paths(a: dict[str, Path], b: dict[str, Path]) -> set[str]:
    out = set(a.keys() ^ b.keys())
    for rel in a.keys() & b.keys():
        pa, pb = a[rel], b[rel]
        try:
            if pa.stat().st_size != pb.stat().st_size or pa.read_bytes() != pb.read_bytes():
                out.add(rel)
        except OSError:
            out.add(rel)
    return out


def may_have_changed(spec_rel: str, files: dict[str, Path], changed: set[str], specs: set[str]) -> bool:
    """Whether the spec, a file it references (through the referenced files too), or a file other
    than a spec beside any of those, differs."""
    beside = {os.path.dirname(c) for c in changed if c not in specs}
    seen: set[str] = set()
    todo = [spec_rel]
    while todo:
        rel = todo.pop()
        if rel in seen:
            continue
        seen.add(rel)
        if rel in changed or os.path.dirname(rel) in beside:
            return True
        path = files.get(rel)
        if path is None:
            return True  # a reference that cannot be followed here: count it as changed
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return True
        for target in _REF.findall(text):
            if not target or "://" in target:
                continue  # a local pointer, or a URL (never read)
            # a '/'-ref starts at the spec's folder (SpecMesh's `/schema/x.avsc`), others at the file's
            base = os.path.dirname(spec_rel if target.startswith("/") else rel)
            candidate = os.path.normpath(os.path.join(base, target.lstrip("/")))
            if candidate.startswith(".."):
                return True
            todo.append(Path(candidate).as_posix())
    return False


def policy_changed(changed: set[str]) -> bool:
    return any(Path(c).name in POLICY_NAMES for c in changed)
