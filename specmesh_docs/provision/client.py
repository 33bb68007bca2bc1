"""Kafka client settings: a librdkafka properties file and/or SPECMESH_KAFKA_* environment variables.

Secrets stay inside the settings dict: nothing here or in the callers prints it.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import Position, SpecError

ENV_PREFIX = "SPECMESH_KAFKA_"  # SPECMESH_KAFKA_SASL_PASSWORD -> sasl.password


def read_properties(path: Path) -> dict[str, str]:
    """Java-style `key=value` (or `key: value`) lines; `#`/`!` comments."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"cannot read client settings: {getattr(exc, 'strerror', None) or exc}", Position(str(path))) from None
    props: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line[0] in "#!":
            continue
        sep = min((i for i in (line.find("="), line.find(":")) if i > 0), default=-1)
        if sep < 0:
            raise SpecError("expected key=value", Position(str(path), number, 1))
        props[line[:sep].strip()] = line[sep + 1:].strip()
    return props


def client_settings(bootstrap: str | None, command_config: str | None, environ=os.environ) -> dict[str, str]:
    settings: dict[str, str] = {}
    if command_config:
        settings.update(read_properties(Path(command_config)))
    for name, value in environ.items():
        if name.startswith(ENV_PREFIX) and len(name) > len(ENV_PREFIX):
            settings[name[len(ENV_PREFIX):].lower().replace("_", ".")] = value
    if bootstrap:
        settings["bootstrap.servers"] = bootstrap
    if not settings.get("bootstrap.servers"):
        raise SpecError("no Kafka to talk to: give --bootstrap-server, bootstrap.servers in --command-config, "
                        f"or {ENV_PREFIX}BOOTSTRAP_SERVERS")
    return settings
