"""Files this tool writes for others to read (exported specs, catalogue files): whole or not at all."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path


def write_whole(path: Path, text: str) -> None:
    """A temporary file beside it, renamed over it: a reader never sees half a file. Made with the
    mode any new file gets (mkstemp's are private)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


SAFE_NAME = re.compile(r"[A-Za-z0-9._-]{1,200}")


def safe_path(folder: Path, *names: str) -> Path | None:
    """`folder/names...` when each name comes from outside (a topic, an ACL, a registry reference)
    and is a plain file name: `[A-Za-z0-9._-]`, at most 200 characters, not `.` or `..`, and the
    result stays under `folder` once symlinks are followed. None otherwise: report it, skip it."""
    if not names or not all(SAFE_NAME.fullmatch(n) and n not in (".", "..") for n in names):
        return None
    path = folder.joinpath(*names)
    try:
        path.resolve().relative_to(folder.resolve())
    except (ValueError, OSError, RuntimeError):
        return None
    return path
