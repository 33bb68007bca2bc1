"""Kafka client settings: a librdkafka properties file and/or SPECMESH_KAFKA_* environment variables.

Secrets stay inside the settings dict: nothing here or in the callers prints it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from ..errors import Position, SpecError
from ..output import remember_settings

ENV_PREFIX = "SPECMESH_KAFKA_"  # SPECMESH_KAFKA_SASL_PASSWORD -> sasl.password


def read_properties(path: Path) -> dict[str, str]:
    """Java `.properties` as Kafka's tools read them: `key=value`, `key: value` or `key value`,
    `#`/`!` comments, a trailing backslash continues the line. Values are never echoed."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"cannot read client settings: {getattr(exc, 'strerror', None) or 'not UTF-8 text'}",
                        Position(str(path))) from None
    props: dict[str, str] = {}
    for number, line in _logical_lines(text):
        match = _KEY.match(line)
        if not match or not match.group(1):
            raise SpecError("expected key=value (the line is not shown: it may hold a secret)", Position(str(path), number, 1))
        props[match.group(1)] = line[match.end():].strip()
    remember_settings(props)
    return props


_KEY = re.compile(r"([^=:\s]+)\s*[=:]?\s*")


def _logical_lines(text: str):
    """(first line number, joined text) per logical line, continuations joined, comments dropped."""
    pending, start = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip() if not pending else raw.lstrip()
        if not pending:
            if not line or line[0] in "#!":
                continue
            start = number
        trailing = len(line) - len(line.rstrip("\\"))
        if trailing % 2:
            pending += line[:-1]
            continue
        yield start, pending + line
        pending = ""
    if pending:
        yield start, pending


def client_settings(bootstrap: str | None, command_config: str | None, environ=os.environ) -> dict[str, str]:
    settings: dict[str, str] = {}
    if command_config:
        settings.update(read_properties(Path(command_config)))
    for name, value in environ.items():
        if name.startswith(ENV_PREFIX) and len(name) > len(ENV_PREFIX):
            settings[name[len(ENV_PREFIX):].lower().replace("_", ".")] = value
    remember_settings(settings)
    if bootstrap:
        settings["bootstrap.servers"] = bootstrap
    if not settings.get("bootstrap.servers"):
        raise SpecError("no Kafka to talk to: give --bootstrap-server, bootstrap.servers in --command-config, "
                        f"or {ENV_PREFIX}BOOTSTRAP_SERVERS")
    return settings
