"""What reaches a terminal, a CI log or an error message: secrets redacted, control characters shown.

This tool runs with admin credentials and prints values from specs other people wrote. Two
rules for every byte it prints:

- **Secrets never appear.** Values of sensitive client settings and SPECMESH_* variables are
  remembered when read; `redact` replaces them, and the credentials in any URL
  (`https://user:token@host`, `?access_token=`), wherever they occur.
- **Text from specs is shown, never obeyed.** Control characters (ANSI escapes, carriage
  returns, C1 codes, bidi overrides) are written as `\\uXXXX`, which is also valid inside JSON.

`SafeStream` applies both to stdout and stderr for the whole run (cli.main installs it), so
no command can forget; error messages built from URLs call `redact_url` too.
"""

from __future__ import annotations

import re
from typing import Mapping

SENSITIVE_NAME = re.compile(r"password|passwd|secret|token|jaas|user[._]info|api[._]?key|private[._]key",
                            re.IGNORECASE)
_JAAS_VALUE = re.compile(r"""(?:password|secret|token)\s*=\s*"([^"]*)"|(?:password|secret|token)\s*=\s*([^\s;"]+)""",
                         re.IGNORECASE)
_USERINFO = re.compile(r"\b([A-Za-z][A-Za-z0-9+.-]{0,30}://)[^\s/@?#'\"<>]+@")
_QUERY_SECRET = re.compile(r"([?&](?:access_token|token|password|passwd|secret|api_key|apikey|sig|signature)=)"
                           r"[^&#\s'\"<>]+", re.IGNORECASE)
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
MIN_SECRET = 4  # shorter values would blank out ordinary words; no real credential is that short
MASK = "***"

_secrets: set[str] = set()


def remember_secret(value: str | None) -> None:
    if value and len(value) >= MIN_SECRET:
        _secrets.add(value)


def remember_settings(settings: Mapping[str, str]) -> None:
    """Client settings (`sasl.password`, `sasl.jaas.config`, `basic.auth.user.info`, ...)."""
    for key, value in settings.items():
        if SENSITIVE_NAME.search(key) and isinstance(value, str):
            remember_secret(value)
            for quoted, bare in _JAAS_VALUE.findall(value):
                remember_secret(quoted or bare)
            if ":" in value and "user.info" in key.replace("_", "."):
                remember_secret(value.split(":", 1)[1])


def remember_environment(environ: Mapping[str, str]) -> None:
    remember_settings({name: value for name, value in environ.items() if name.startswith("SPECMESH_")})


def redact(text: str) -> str:
    if "://" in text:
        text = _USERINFO.sub(lambda m: m.group(1) + MASK + "@", text)
    if "=" in text:
        text = _QUERY_SECRET.sub(lambda m: m.group(1) + MASK, text)
    for secret in sorted((s for s in _secrets if s in text), key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def redact_url(url: str | None) -> str | None:
    return None if url is None else redact(url)


def one_line(text: str) -> str:
    """A value inside a line of text output: its line breaks shown, so it cannot forge another line."""
    return str(text).replace("\r", "\\r").replace("\n", "\\n")


def markdown_text(text: str) -> str:
    """A value inside Markdown (a table cell, a line): no markup, no HTML, no line breaks."""
    out = one_line(text)
    for ch in "\\`*_{}[]()<>#+!|~":
        out = out.replace(ch, "\\" + ch)
    return out


def visible(text: str) -> str:
    """Control characters as `\\uXXXX`; newlines and tabs kept."""
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


class SafeStream:
    """A text stream that redacts and escapes what is written, a line at a time (a secret split
    over two writes, as json.dump does, is still caught)."""

    def __init__(self, stream):
        self._stream = stream
        self._pending = ""

    def write(self, text: str) -> int:
        self._pending += text
        if "\n" in self._pending:
            done, _, self._pending = self._pending.rpartition("\n")
            self._stream.write(visible(redact(done + "\n")))
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self._stream.write(visible(redact(self._pending)))
            self._pending = ""
        self._stream.flush()

    def __getattr__(self, name):  # isatty, encoding, fileno, ...
        return getattr(self._stream, name)
