"""Where the specs come from: local directories, or git repositories shallow-cloned into a cache."""

from __future__ import annotations

import hashlib
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..errors import Position, SpecError
from .escape import safe_url

CACHE = Path(os.environ.get("SPECMESH_CACHE", Path.home() / ".cache" / "specmesh_docs")) / "repos"
CONFIG_KEYS = {"title", "sources", "metrics", "site_url"}
SOURCE_KEYS = {"path", "git", "ref", "link"}


@dataclass
class Source:
    path: Path
    link: str | None = None  # web link prefix for files in this source, e.g. .../blob/main/


def is_git_url(text: str) -> bool:
    return "://" in text or text.startswith("git@") or text.endswith(".git")


def clone(url: str, ref: str | None, cache: Path = CACHE) -> Path:
    """Shallow clone (or refresh) `url` at `ref` into the cache; returns the work tree."""
    target = cache / hashlib.sha256(f"{url}#{ref or ''}".encode()).hexdigest()[:16]
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0")
    if (target / ".git").is_dir():
        cmds = [["git", "-C", str(target), "fetch", "--depth", "1", "origin", ref or "HEAD"],
                ["git", "-C", str(target), "reset", "--hard", "-q", "FETCH_HEAD"]]
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        cmds = [["git", "clone", "-q", "--depth", "1", *(["--branch", ref] if ref else []), url, str(target)]]
    for cmd in cmds:
        out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
        if out.returncode != 0:
            last = (out.stderr.strip().splitlines() or ["git failed"])[-1]
            raise SpecError(f"cannot fetch {url}{'@' + ref if ref else ''}: {last}")
    return target


def normalize(raw: object, base: Path, where: Position | None = None) -> dict:
    """A source as written (`DIR`, `URL`, `URL#ref`, or a portal.yaml mapping) -> a mapping
    with `git` (and `ref`) or an absolute `path`; relative paths count from `base`."""
    if isinstance(raw, str):
        if is_git_url(raw):
            url, _, ref = raw.partition("#")
            raw = {"git": url, "ref": ref or None}
        else:
            raw = {"path": raw}
    if not isinstance(raw, dict) or not (raw.keys() <= SOURCE_KEYS) or ("path" in raw) == ("git" in raw):
        raise SpecError(f"a source is a directory, a git URL, or a mapping with path or git (and ref, link); "
                        f"keys allowed: {', '.join(sorted(SOURCE_KEYS))}", where)
    if "path" in raw:
        raw = {**raw, "path": str((base / str(raw["path"])).resolve())}
    return raw


def resolve(source: dict) -> Source:
    """A normalized source -> a local directory (git sources are cloned)."""
    link = safe_url(source.get("link"))
    if "git" in source:
        return Source(clone(str(source["git"]), source.get("ref")), link)
    path = Path(source["path"])
    if not path.is_dir():
        raise SpecError(f"source directory {path} does not exist")
    return Source(path, link)


def load_config(path: Path) -> dict:
    """portal.yaml: title, sources, metrics (files from `specmesh storage` / `consumption`), site_url."""
    from ..spec.yamlload import YMap, YSeq, decode, load_text, plain

    shown = str(path)
    try:
        doc = load_text(decode(path.read_bytes(), shown), shown)
    except OSError as exc:
        raise SpecError(f"cannot read portal config: {exc.strerror}", Position(shown)) from None
    if not isinstance(doc, YMap):
        raise SpecError("a portal config is a mapping", Position(shown, 1, 1))
    for key in doc:
        if key not in CONFIG_KEYS:
            raise SpecError(f"unknown portal config key {key!r} (known: {', '.join(sorted(CONFIG_KEYS))})", doc.pos(key))
    for key in ("sources", "metrics"):
        if key in doc and not isinstance(doc[key], YSeq):
            raise SpecError(f"{key} must be a list", doc.pos(key))
    config = plain(doc)
    base = path.resolve().parent  # relative paths in portal.yaml count from the file
    config["sources"] = [normalize(raw, base, doc["sources"].pos(i)) for i, raw in enumerate(config.get("sources") or [])]
    config["metrics"] = [str(base / m) for m in config.get("metrics") or []]
    return config
