"""Where the specs come from: local directories, or git repositories cloned into a cache (with their
history, which the portal shows)."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..errors import Position, SpecError, seconds_from_env
from ..output import redact, visible
from .escape import safe_url

CACHE = Path(os.environ.get("SPECMESH_CACHE", Path.home() / ".cache" / "specmesh_docs")) / "repos"
CONFIG_KEYS = {"title", "sources", "metrics", "site_url", "templates", "history_commits", "verify", "verify_max_age_days"}
SOURCE_KEYS = {"path", "git", "ref", "link", "request_url"}


@dataclass
class Source:
    path: Path
    link: str | None = None  # web link prefix for files in this source, e.g. .../blob/main/
    name: str | None = None  # a git source as the user gave it (URL without credentials, #ref); None for a directory
    request_url: str | None = None  # where an access request goes: {topic} {domain} {title} {body} filled in, URL-encoded


_SHOWN: dict[str, str] = {}  # a git clone's folder as paths show it -> the source's name


def shown_document(doc: dict) -> dict:
    """A JSON document (catalog.json) with every git source's cache folder named as the source."""
    import json

    return json.loads(shown_path(json.dumps(doc, default=str))) if _SHOWN else doc


def shown_path(text: str) -> str:
    """A path (or a text holding paths) with a git source's cache folder replaced by the source's
    name: pages and catalogues never show the build machine's cache (`.cache/specmesh_docs/repos/<hash>`)."""
    text = str(text)
    for folder, name in _SHOWN.items():
        text = text.replace(folder + "/", name + "/").replace(folder, name)
    return text


def is_git_url(text: str) -> bool:
    return "://" in text or text.startswith("git@") or text.endswith(".git")


GIT_TIMEOUT_ENV = "SPECMESH_GIT_TIMEOUT"  # seconds per git command (default 120)
GIT_FILE_ENV = "SPECMESH_GIT_ALLOW_FILE"  # 1: allow file:// and local paths (tests, mirrors on disk)
_SCP_LIKE = re.compile(r"[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:")  # git@host:org/repo.git
_REF = re.compile(r"(?!-)(?!.*\.\.)(?!.*@\{)[A-Za-z0-9._/+-]{1,255}")


def git_scheme(url: str) -> str:
    if "://" in url:
        return url.split("://", 1)[0].lower()
    return "ssh" if _SCP_LIKE.match(url) else "file"


def check_git_source(url: str, ref: str | None) -> None:
    """A URL and a ref are data, never options or transports: git gets them after `--`, and only
    https and ssh (file when SPECMESH_GIT_ALLOW_FILE=1) may be fetched."""
    allowed = ("https", "ssh", "file") if os.environ.get(GIT_FILE_ENV) == "1" else ("https", "ssh")
    if not url or url.startswith("-") or any(c in url for c in "\x00\n\r"):
        raise SpecError(f"git source {redact(url)!r} is not a repository URL")
    if git_scheme(url) not in allowed:
        raise SpecError(f"git source {redact(url)}: only {', '.join(allowed)} URLs are fetched"
                        + ("" if "file" in allowed else f" (file:// and local paths with {GIT_FILE_ENV}=1)"))
    if ref is not None and not (isinstance(ref, str) and _REF.fullmatch(ref)):
        raise SpecError(f"git ref {visible(str(ref))!r} of {redact(url)} is not a branch, tag or commit name")


def clone(url: str, ref: str | None, cache: Path = CACHE) -> Path:
    """Clone (or refresh) `url` at `ref` into the cache, with the history of `ref` (the portal's
    history pages read it; a shallow clone showed one commit); returns the work tree."""
    check_git_source(url, ref)
    target = cache / hashlib.sha256(f"{url}#{ref or ''}".encode()).hexdigest()[:16]
    file_ok = "always" if os.environ.get(GIT_FILE_ENV) == "1" else "never"
    git = ["git", "-c", "protocol.allow=never", "-c", "protocol.https.allow=always", "-c", "protocol.ssh.allow=always",
           "-c", f"protocol.file.allow={file_ok}", "-c", "core.symlinks=false"]
    if (target / ".git").is_dir():
        shallow = (target / ".git" / "shallow").is_file()  # a cache made by an earlier, shallow version
        cmds = [[*git, "-C", str(target), "fetch", "-q", *(["--unshallow"] if shallow else []), "origin", "--",
                 ref or "HEAD"],
                [*git, "-C", str(target), "reset", "--hard", "-q", "FETCH_HEAD"]]
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        cmds = [[*git, "clone", "-q", "--single-branch", "--no-tags", *([f"--branch={ref}"] if ref else []), "--", url,
                 str(target)]]
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0", GIT_ASKPASS="", SSH_ASKPASS="")
    env.setdefault("GIT_SSH_COMMAND", "ssh -o BatchMode=yes")
    timeout = seconds_from_env(GIT_TIMEOUT_ENV, 120, 86400)
    shown = f"{redact(url)}{'#' + ref if ref else ''}"
    for cmd in cmds:
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise SpecError(f"cannot fetch {shown}: git gave no answer within {timeout:g} s "
                            f"({GIT_TIMEOUT_ENV} sets the limit)") from None
        if out.returncode != 0:
            last = (out.stderr.strip().splitlines() or ["git failed"])[-1]
            raise SpecError(f"cannot fetch {shown}: {redact(last)}")
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


def request_url_of(source: dict) -> str | None:
    """A source's `request_url`: an http(s) template (a new pull request or issue page); anything else
    is refused by name, never linked."""
    url = source.get("request_url")
    if url is None:
        return None
    if safe_url(url) is None:
        raise SpecError(f"request_url of a source must be an http:// or https:// URL (no credentials, quotes or "
                        f"spaces): {visible(str(url))[:80]!r}")
    return url


def resolve(source: dict) -> Source:
    """A normalized source -> a local directory (git sources are cloned)."""
    link = safe_url(source.get("link"))
    if "git" in source:
        from ..model.refs import display

        path = clone(str(source["git"]), source.get("ref"))
        name = redact(str(source["git"])) + (f"#{source['ref']}" if source.get("ref") else "")
        for form in {display(path), str(path), str(path.resolve())}:
            _SHOWN[form] = name
        return Source(path, link, name, request_url_of(source))
    path = Path(source["path"])
    if not path.is_dir():
        raise SpecError(f"source directory {path} does not exist")
    return Source(path, link, request_url=request_url_of(source))


def load_config(path: Path) -> dict:
    """portal.yaml: title, sources, metrics (files from `specmesh storage` / `consumption`), site_url."""
    from ..model.yamlload import YMap, YSeq, decode, load_text, plain

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
    if "title" in doc and not isinstance(doc["title"], str):
        raise SpecError("title must be text", doc.pos("title"))
    if "verify" in doc and not isinstance(doc["verify"], str):
        raise SpecError("verify must be the path of a `specmesh verify --format json` report", doc.pos("verify"))
    age = doc.get("verify_max_age_days")
    if "verify_max_age_days" in doc and (not isinstance(age, (int, float)) or isinstance(age, bool) or not 0 < age <= 3650):
        raise SpecError("verify_max_age_days must be a number of days from 1 to 3650", doc.pos("verify_max_age_days"))
    if "templates" in doc and not isinstance(doc["templates"], str):
        raise SpecError("templates must be a directory path", doc.pos("templates"))
    count = doc.get("history_commits")
    if "history_commits" in doc and (not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= 500):
        raise SpecError("history_commits must be a whole number from 0 to 500", doc.pos("history_commits"))
    if "site_url" in doc and safe_url(doc["site_url"]) is None:
        raise SpecError("site_url must be an http:// or https:// URL (no credentials, quotes or spaces)", doc.pos("site_url"))
    config = plain(doc)
    base = path.resolve().parent  # relative paths in portal.yaml count from the file
    config["sources"] = [normalize(raw, base, doc["sources"].pos(i)) for i, raw in enumerate(config.get("sources") or [])]
    config["metrics"] = [str(base / m) for m in config.get("metrics") or []]
    if config.get("verify"):
        config["verify"] = str(base / config["verify"])
    if config.get("templates"):
        config["templates"] = templates_dir(str(base / config["templates"]), doc.pos("templates"))
    return config


def templates_dir(path: str, at: Position | None = None) -> str:
    """An organisation's template overrides: a directory, read in front of the packaged templates."""
    folder = Path(path)
    if not folder.is_dir():
        raise SpecError(f"templates directory {path} does not exist", at)
    return str(folder.resolve())
