"""`$ref` resolution confined to the spec root.

A ref is a local JSON pointer (`#/components/...`) or a relative file, optionally with a
pointer. A ref starting with `/` is relative to the spec's *base* (the `--root` given, else
the spec's own directory), as SpecMesh specs write `/schema/x.avsc`; never the filesystem
root. Every file read must lie inside the *confinement root* (the `--root` given, else the
git work tree holding the spec, else the spec's directory), symlinks resolved. URLs and
`file:` refs are refused. Files are parsed once and cached for the whole run.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from ..errors import Position, SpecError
from .limits import DEFAULT_LIMITS, Limits
from .yamlload import YMap, YSeq, decode, load_text, pos_of

URL_REF = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
STRUCTURED = {".yaml", ".yml", ".json", ".avsc"}
TEXT = {".proto"}


def find_confinement(spec_dir: Path) -> Path:
    """The git work tree around `spec_dir`, or the directory itself."""
    for parent in (spec_dir, *spec_dir.parents):
        if (parent / ".git").exists():
            return parent
    return spec_dir


def real_path(path: Path, at: Position) -> Path:
    """`path` with every symlink followed; a loop or a NUL byte is bad input, not a crash."""
    try:
        return path.resolve()
    except (OSError, RuntimeError, ValueError) as exc:  # RuntimeError: a symlink loop (Python < 3.13)
        reason = "not a valid path" if isinstance(exc, ValueError) else "a symlink loop"
        raise SpecError(f"cannot follow {display(path)!r}: {reason}", at) from None


def file_key(path: Path) -> Path:
    """What tells two names of one file apart: the real path, or, where it cannot be followed (a
    symlink loop, a broken name), the absolute path, so the read later reports it positioned."""
    try:
        return path.resolve()
    except (OSError, RuntimeError, ValueError):
        return Path(os.path.abspath(path))


def display(path: Path) -> str:
    """A path as users see it: relative to the working directory when it is below it."""
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return str(path)


class Files:
    """Reads and caches the files of one or more specs, never outside `confine`."""

    def __init__(self, confine: Path, limits: Limits = DEFAULT_LIMITS):
        self.confine = confine.resolve()
        self.limits = limits
        self._cache: dict[Path, object] = {}
        self.paths: dict[str, Path] = {}  # shown name -> real path, to resolve refs inside files
        self._spec_files: set[Path] = set()  # what the spec being loaded has read (the limit is per spec)

    def begin_spec(self) -> None:
        """A new spec: the file limit counts the files one spec reads, cached or not, so many specs
        can share one cache (a portal source with thousands of specs) and each keeps its limit."""
        self._spec_files = set()

    @property
    def read_paths(self) -> set[Path]:
        """The real paths of every file read so far (what a spec depends on)."""
        return set(self._cache)

    def check_inside(self, path: Path, at: Position) -> Path:
        real = real_path(path, at)
        if not real.is_relative_to(self.confine):
            raise SpecError(f"refers to {display(path)}, outside the spec root {display(self.confine)} "
                            "(lint and show take --root DIR to widen it)", at)
        return real

    def read(self, path: Path, at: Position) -> object:
        """Parsed content of a file (positioned values, or text for .proto)."""
        real = self.check_inside(path, at)
        if real not in self._spec_files:
            if len(self._spec_files) >= self.limits.max_ref_files:
                raise SpecError(f"more than {self.limits.max_ref_files} referenced files", at)
            self._spec_files.add(real)
        if real in self._cache:
            return self._cache[real]
        suffix = real.suffix.lower()
        if suffix not in STRUCTURED and suffix not in TEXT:
            raise SpecError(f"cannot read {path.name}: unsupported file type {suffix or '(none)'}", at)
        shown = display(path)
        try:
            if not real.is_file():
                raise SpecError(f"referenced file {shown} does not exist", at)
            size = real.stat().st_size
            if size > self.limits.max_file_bytes:
                raise SpecError(f"{shown} is larger than the limit of {self.limits.max_file_bytes} bytes", at)
            data = real.read_bytes()
        except OSError as exc:
            raise SpecError(f"cannot read {shown}: {exc.strerror}", at) from None
        text = decode(data, shown)
        value: object = text if suffix in TEXT else load_text(text, shown, self.limits, json_like=suffix != ".yaml" and suffix != ".yml")
        self._cache[real] = value
        self.paths[shown] = real
        return value


class Resolver:
    """Follows `$ref`s from one spec document."""

    files_display = staticmethod(display)

    def __init__(self, files: Files, spec_path: Path, document: object, base: Path):
        self.files = files
        self.spec_path = spec_path
        self.document = document
        self.base = base
        self._docs: dict[str, tuple[Path, object]] = {}

    def target_path(self, ref: str, from_file: Path, at: Position) -> Path:
        if "\x00" in ref:
            raise SpecError("$ref holds a NUL byte", at)
        if URL_REF.match(ref):
            raise SpecError(f"$ref {ref!r}: URLs and file: refs are not followed (only files inside the spec root)", at)
        if ref.startswith("/"):
            return self.base / ref.lstrip("/")
        return from_file.parent / ref

    def file_of(self, node: object) -> Path:
        src = getattr(node, "src", None)
        return self.files.paths.get(src, self.spec_path) if src else self.spec_path

    def deref(self, node: object) -> tuple[object, Path]:
        """The value behind `node` (following a chain of `$ref`s) and the file it lives in."""
        where = self.file_of(node)
        seen: set[tuple[Path, str]] = set()
        while isinstance(node, YMap) and "$ref" in node:
            ref = node["$ref"]
            at = node.pos("$ref")
            if not isinstance(ref, str):
                raise SpecError("$ref must be a string", at)
            file_part, _, pointer = ref.partition("#")
            if file_part:
                where = real_path(self.target_path(file_part, where, at), at)
                doc = self.files.read(where, at)
            else:
                doc = self.document if where == self.spec_path else self.files.read(where, at)
            if not isinstance(doc, (YMap, YSeq)) and pointer not in ("", "/"):
                raise SpecError(f"$ref {ref!r}: {where.name} has no JSON structure to point into", at)
            key = (where, pointer)
            if key in seen or len(seen) >= self.files.limits.max_ref_hops:
                raise SpecError(f"cyclic $ref {ref!r}", at)
            seen.add(key)
            node = follow_pointer(doc, pointer, at)
        return node, where


def follow_pointer(doc: object, pointer: str, at: Position) -> object:
    """RFC 6901 JSON pointer lookup with a positioned error."""
    if pointer in ("", "/"):
        return doc
    if not pointer.startswith("/"):
        raise SpecError(f"JSON pointer {pointer!r} must start with '/'", at)
    node = doc
    for raw in pointer[1:].split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:  # YMap and YSeq, or plain data from a registry
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise SpecError(f"$ref target #{pointer} does not exist", at)
    return node


__all__ = ["Files", "Resolver", "find_confinement", "follow_pointer", "display", "pos_of"]
