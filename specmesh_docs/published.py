"""Other repos' specs from a published `catalog.json` (a file, or the URL of a portal's copy).

A pre-commit hook in one repo has no checkout of the others; the portal already publishes
the whole estate as `catalog.json`. Its products carry what the cross-spec rules read
(domains, owned and consumed topics, access, grants, positions), so `--catalog` accepts it
wherever it accepts a directory. Fetching is bounded (timeout, size) and every failure is
exit 2 with a clear message: a catalogue that cannot be read never passes silently.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

from .errors import Position, SpecError, seconds_from_env
from .output import redact
from .jsondoc import parse_json
from .model.model import ConsumedTopic, DataProduct, Info, Topic

TIMEOUT_ENV = "SPECMESH_CATALOG_TIMEOUT"  # seconds (default 30)
MAX_BYTES = 64 * 1024 * 1024
LOOPBACK = ("127.0.0.1", "::1", "localhost")


def is_published(source: str) -> bool:
    return source.startswith(("https://", "http://")) or (source.endswith(".json") and Path(source).is_file())


def read_published(source: str) -> list[DataProduct]:
    shown = redact(source)
    text = _fetch(source, shown) if "://" in source else _read(Path(source), shown)
    doc = parse_json(text, "catalog", shown)
    if not (isinstance(doc, dict) and doc.get("version") == 1 and isinstance(doc.get("products"), list)):
        raise SpecError("not a specmesh catalog.json (version 1, with products)", Position(shown, 1, 1))
    try:
        return [_product(p) for p in doc["products"]]
    except (KeyError, TypeError, ValueError, AttributeError):
        raise SpecError("a product in the catalog lacks domain, spec or topics as `specmesh portal` writes them",
                        Position(shown, 1, 1)) from None


def _read(path: Path, shown: str) -> str:
    try:
        if path.stat().st_size > MAX_BYTES:
            raise SpecError(f"catalog is larger than {MAX_BYTES} bytes", Position(shown))
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"cannot read catalog: {getattr(exc, 'strerror', None) or 'not UTF-8'}", Position(shown)) from None


def _allowed(url: str) -> bool:
    parsed = urlparse(url)
    return parsed.scheme == "https" or (parsed.scheme == "http" and parsed.hostname in LOOPBACK)


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    """Every hop passes the check the first URL passed (urllib follows to any host and scheme)."""

    max_redirections = 5

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if not _allowed(newurl):
            raise SpecError(f"catalog URL {redact(req.full_url)} redirects to {redact(newurl)}: refused "
                            "(only https://, and http:// on loopback, at every hop)")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _fetch(url: str, shown: str) -> str:
    """The catalogue at `url` within one total deadline (SPECMESH_CATALOG_TIMEOUT): a server that
    answers a byte a second is cut off then, as one that does not answer at all."""
    import threading
    import time

    if not _allowed(url):
        raise SpecError(f"catalog URL {shown}: only https:// (http:// on loopback, for tests)")
    timeout = seconds_from_env(TIMEOUT_ENV, 30, 3600)
    deadline = time.monotonic() + timeout
    result: dict = {}

    def fetch() -> None:
        try:
            result["body"] = _download(url, shown, timeout, deadline)
        except BaseException as exc:  # handed to the caller's thread
            result["error"] = exc

    worker = threading.Thread(target=fetch, daemon=True)  # abandoned, not waited for, past the deadline
    worker.start()
    worker.join(timeout + 1)
    if "error" in result:
        raise result["error"]
    if "body" not in result:
        raise SpecError(f"cannot fetch catalog {shown}: no complete answer within {timeout:g} s ({TIMEOUT_ENV})")
    try:
        return result["body"].decode("utf-8")
    except UnicodeDecodeError:
        raise SpecError(f"catalog {shown} is not UTF-8 text") from None


def _download(url: str, shown: str, timeout: float, deadline: float) -> bytes:
    import time

    opener = urllib.request.build_opener(_CheckedRedirects)
    chunks, size = [], 0
    try:
        with opener.open(urllib.request.Request(url, headers={"Accept": "application/json"}), timeout=timeout) as response:
            while True:
                if time.monotonic() > deadline:
                    raise SpecError(f"cannot fetch catalog {shown}: not complete within {timeout:g} s ({TIMEOUT_ENV})")
                chunk = response.read1(65536)
                if not chunk:
                    break
                size += len(chunk)
                if size > MAX_BYTES:
                    raise SpecError(f"catalog {shown} is larger than {MAX_BYTES} bytes")
                chunks.append(chunk)
    except urllib.error.HTTPError as exc:
        raise SpecError(f"cannot fetch catalog {shown}: HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, SpecError):
            raise reason from None
        raise SpecError(f"cannot fetch catalog {shown}: {redact(str(reason))} (timeout {timeout:g} s, {TIMEOUT_ENV})") from None
    return b"".join(chunks)


def _position(text: object, spec: str) -> Position:
    file, line, col = (str(text).rsplit(":", 2) + ["0", "0"])[:3] if text else (spec, "0", "0")
    return Position(file, int(line) if line.isdigit() else 0, int(col) if col.isdigit() else 0)


def _str(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("not text")
    return value


def _fields(raw: object):
    """A schema as catalog.json lists it: its fields (name, type, PII), for the paths consumers read."""
    from .model.schemas import Field, Schema

    if not isinstance(raw, dict) or not isinstance(raw.get("fields"), list):
        return None
    fields = [Field(_str(f["name"]), str(f.get("type") or ""), bool(f.get("required")), pii=f.get("pii") is True)
              for f in raw["fields"]]
    return Schema(str(raw.get("format") or ""), fields, full_name=raw.get("full_name") if isinstance(
        raw.get("full_name"), str) else None)


def _product(raw: dict) -> DataProduct:
    spec = _str(raw["spec"])
    topics = [Topic(name=_str(t["name"]), channel=_str(t.get("channel", t["name"])), access=t.get("access"),
                    pos=_position(t.get("position"), spec), grants=[_str(g) for g in t.get("grants") or []],
                    key=_fields(t.get("key")), value=_fields(t.get("value")))
              for t in raw["topics"]]
    consumed = [ConsumedTopic(name=_str(c["name"]), channel=_str(c.get("channel", c["name"])), access=c.get("access"),
                              pos=_position(c.get("position"), spec),
                              reads=[_str(r) for r in c["reads"]] if isinstance(c.get("reads"), list) else None)
                for c in raw.get("consumed") or []]
    return DataProduct(domain=_str(raw["domain"]), spec_file=spec, asyncapi=str(raw.get("asyncapi") or ""),
                       pos=Position(spec, 1, 1), info=Info(), owner_principal=str(raw.get("owner_principal") or ""),
                       topics=topics, consumed=consumed)
