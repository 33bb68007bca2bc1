"""Kafka client settings: a properties file and/or SPECMESH_KAFKA_* environment variables.

The file may be written for librdkafka or for the Java client (`kafka-topics.sh`, JulieOps,
SpecMesh): `sasl.jaas.config` with the PLAIN or SCRAM login module becomes `sasl.username` /
`sasl.password`, a PEM truststore becomes `ssl.ca.location`; what has no librdkafka
equivalent (JKS stores, Kerberos via JAAS) is an error naming the key and what to use instead.
`schema.registry.*` keys configure only the registry client. Secrets stay inside the settings
dict: nothing here or in the callers prints them.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from ..errors import Position, SpecError
from ..output import remember_settings

ENV_PREFIX = "SPECMESH_KAFKA_"  # SPECMESH_KAFKA_SASL_PASSWORD -> sasl.password


class Settings(dict):
    """Client settings, and where each key was written (for positioned errors)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.origin: dict[str, Position] = {}

    def where(self, key: str) -> Position | None:
        return self.origin.get(key)


def read_properties(path: Path) -> Settings:
    """Java `.properties` as Kafka's tools read them: `key=value`, `key: value` or `key value`,
    `#`/`!` comments, a trailing backslash continues the line. Values are never echoed."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"cannot read client settings: {getattr(exc, 'strerror', None) or 'not UTF-8 text'}",
                        Position(str(path))) from None
    props = Settings()
    for number, line in _logical_lines(text):
        match = _KEY.match(line)
        if not match or not match.group(1):
            raise SpecError("expected key=value (the line is not shown: it may hold a secret)", Position(str(path), number, 1))
        props[match.group(1)] = line[match.end():].strip()
        props.origin[match.group(1)] = Position(str(path), number, 1)
    remember_settings(props)
    return translate_java(props)


_JAAS = re.compile(r"^\s*([\w.$]+)\s+(required|requisite|sufficient|optional)\s*(.*?);?\s*$", re.S)
_JAAS_OPTION = re.compile(r'([\w.]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s;]+))')
LOGIN_MODULES = {"PlainLoginModule": "PLAIN", "ScramLoginModule": "SCRAM"}
STORE_KEYS = ("ssl.truststore.location", "ssl.keystore.location")


def translate_java(props: Settings) -> Settings:
    """Java client keys as librdkafka's; a key with no equivalent is a positioned error."""
    jaas = props.pop("sasl.jaas.config", None)
    if jaas is not None:
        at = props.origin.get("sasl.jaas.config")
        match = _JAAS.match(jaas)
        module = match.group(1).rsplit(".", 1)[-1] if match else ""
        if module not in LOGIN_MODULES:
            other = ("Kerberos: set sasl.mechanism=GSSAPI with sasl.kerberos.keytab and sasl.kerberos.principal"
                     if "Krb5" in module else
                     "OAuth: set sasl.mechanism=OAUTHBEARER with sasl.oauthbearer.* settings" if "OAuth" in module else
                     "set sasl.username and sasl.password")
            raise SpecError(f"sasl.jaas.config: the login module {module or '(unreadable)'} cannot be translated for "
                            f"librdkafka; {other} instead", at)
        options = {k: (quoted.replace('\\"', '"') if quoted is not None and bare == "" else bare)
                   for k, quoted, bare in _JAAS_OPTION.findall(match.group(3))}
        if not options.get("username") or "password" not in options:
            raise SpecError(f"sasl.jaas.config: {module} needs username=\"...\" and password=\"...\"", at)
        for key, option in (("sasl.username", "username"), ("sasl.password", "password")):
            props.setdefault(key, options[option])
            props.origin.setdefault(key, at)
        remember_settings({"sasl.password": options["password"]})
    for store in STORE_KEYS:
        if store in props:
            _translate_store(props, store)
    if props.get("ssl.endpoint.identification.algorithm", None) == "":
        props["ssl.endpoint.identification.algorithm"] = "none"  # Java's empty value switches the check off
    return props


def _translate_store(props: Settings, key: str) -> None:
    prefix = key.rsplit(".", 1)[0]  # ssl.truststore | ssl.keystore
    kind = (props.get(prefix + ".type") or "JKS").upper()
    at = props.origin.get(key)
    if prefix == "ssl.truststore" and kind == "PEM":
        props["ssl.ca.location"] = props.pop(key)
        props.origin["ssl.ca.location"] = at
        props.pop(prefix + ".type", None)
        props.pop(prefix + ".password", None)  # a PEM trust store has none librdkafka would take
    elif prefix == "ssl.keystore" and kind == "PKCS12":
        props.pop(prefix + ".type", None)  # librdkafka reads a PKCS#12 keystore as it is
    else:
        instead = ("export the CA certificates as PEM and set ssl.ca.location" if prefix == "ssl.truststore" else
                   "use a PKCS12 keystore (ssl.keystore.location, ssl.keystore.password) or PEM files "
                   "(ssl.certificate.location, ssl.key.location)")
        raise SpecError(f"{key}: a {kind} {prefix.split('.')[1]} cannot be read by librdkafka; {instead}", at)


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


def client_settings(bootstrap: str | None, command_config: str | None, environ=os.environ) -> Settings:
    settings = read_properties(Path(command_config)) if command_config else Settings()
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
