"""The org policy: one file drives lint and provisioning, so what passes review is what is applied.

Found by walking up from each spec to the first `specmesh.yaml` (or `.specmesh.yaml`), or
given with `--config`. Every key is optional; the defaults make a fresh repo useful. The
file itself is validated: unknown keys and wrong types are positioned errors.
"""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from .errors import Position, SpecError

POLICY_NAMES = ("specmesh.yaml", ".specmesh.yaml")
SEVERITIES = ("error", "warning", "info", "off")
BOUND_OPS = {"gt": lambda v, b: v > b, "gte": lambda v, b: v >= b, "lt": lambda v, b: v < b,
             "lte": lambda v, b: v <= b, "eq": lambda v, b: v == b}

DEFAULT_INFRA = (
    "prod", "production", "preprod", "staging", "stage", "dev", "development", "uat", "qa", "sandbox",
    "cluster", "kafka", "msk", "confluent",
)
DEFAULT_INFRA_PATTERNS = (
    r"(us|eu|ap|sa|ca|me|af|il|mx)-(north|south|east|west|central|northeast|southeast|northwest|southwest)-\d",  # AWS
    r"(europe|us|asia|australia|northamerica|southamerica|me|africa)-(north|south|east|west|central|northeast|southeast|northwest|southwest)\d+",  # GCP
    r"(east|west|central|north|south)(us|europe|asia|india|uk|japan|canada)\d?|(uk|japan|canada|brazil|australia)(south|west|east|north|central)\d?",  # Azure
)


@dataclass(frozen=True)
class Policy:
    delimiter: str = "."
    public: str = "_public"
    protected: str = "_protected"
    private: str = "_private"
    principal_format: str = "User:{domain}"
    domain_pattern: str = r"[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)*"
    topic_pattern: str = r"[A-Za-z0-9._-]+"  # Kafka's legal characters; a policy may restrict more
    infrastructure_words: tuple[str, ...] = DEFAULT_INFRA
    infrastructure_patterns: tuple[str, ...] = DEFAULT_INFRA_PATTERNS
    partitions: dict = field(default_factory=lambda: {"gte": 1})
    replicas: dict = field(default_factory=lambda: {"gte": 1})
    pii_max_retention_ms: int = 172_800_000  # 48 h
    shared_namespaces: tuple[str, ...] = ()
    spec_patterns: tuple[str, ...] = ("*-api.yaml", "*-api.yml", "asyncapi*.yaml", "asyncapi*.yml", "asyncapi*.json")
    severities: dict = field(default_factory=dict)  # rule id -> error|warning|info|off
    overrides: tuple = ()  # ({"paths": [glob, ...], "severities": {...}}, ...)
    schema_compatibility: str = "FULL_TRANSITIVE"  # set on every subject provisioning registers (like SpecMesh)
    private_create_acl: bool = True  # provisioning: owner may CREATE under D._private. (SpecMesh #455)
    source: str = "(defaults)"

    @property
    def access_levels(self) -> tuple[str, str, str]:
        return (self.public, self.protected, self.private)

    def severity(self, rule_id: str, default: str, spec_path: str) -> str:
        level = self.severities.get(rule_id, default)
        for override in self.overrides:
            if any(fnmatch.fnmatch(spec_path, g) or fnmatch.fnmatch(Path(spec_path).as_posix(), g) for g in override["paths"]):
                level = override["severities"].get(rule_id, level)
        return level

    def within(self, bounds: dict, value: int) -> bool:
        return all(BOUND_OPS[op](value, bound) for op, bound in bounds.items())

    def is_infrastructure(self, segment: str) -> bool:
        return segment.lower() in self.infrastructure_words or any(
            re.fullmatch(p, segment.lower()) for p in self.infrastructure_patterns)


_TYPES = {
    "delimiter": str, "public": str, "protected": str, "private": str, "principal_format": str,
    "domain_pattern": str, "topic_pattern": str, "infrastructure_words": list, "infrastructure_patterns": list,
    "partitions": dict, "replicas": dict, "pii_max_retention_ms": int, "shared_namespaces": list,
    "spec_patterns": list, "severities": dict, "overrides": list, "private_create_acl": bool,
    "schema_compatibility": str,
}


def find_policy_file(start: Path) -> Path | None:
    for parent in (start, *start.parents):
        for name in POLICY_NAMES:
            candidate = parent / name
            if candidate.is_file():
                return candidate
    return None


def load_policy(path: Path) -> Policy:
    """Reads and validates a policy file."""
    from .spec.refs import display
    from .spec.yamlload import YMap, decode, load_text

    shown = display(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SpecError(f"cannot read policy file: {exc.strerror}", Position(shown)) from None
    doc = load_text(decode(data, shown), shown)
    if doc is None:
        return Policy(source=shown)
    if not isinstance(doc, YMap):
        raise SpecError("a policy file must be a mapping", Position(shown, 1, 1))
    values: dict = {}
    for key, value in doc.items():
        at = doc.pos(key)
        expected = _TYPES.get(key)
        if expected is None:
            raise SpecError(f"unknown policy key {key!r} (known: {', '.join(sorted(_TYPES))})", at)
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise SpecError(f"policy key {key!r} must be a {expected.__name__}", at)
        values[key] = tuple(value) if expected is list else value
    for key in ("partitions", "replicas"):
        for op, bound in values.get(key, {}).items():
            if op not in BOUND_OPS or not isinstance(bound, int):
                raise SpecError(f"{key}: bounds are gt/gte/lt/lte/eq with whole numbers, not {op}: {bound!r}", doc[key].pos(op))
    for rule_id, level in values.get("severities", {}).items():
        if level not in SEVERITIES:
            raise SpecError(f"severity of {rule_id} must be one of {', '.join(SEVERITIES)}", doc["severities"].pos(rule_id))
    overrides = []
    for i, item in enumerate(values.get("overrides", ())):
        if not (isinstance(item, dict) and isinstance(item.get("paths"), list) and isinstance(item.get("severities", {}), dict)):
            raise SpecError("each override needs 'paths' (a list of globs) and 'severities' (a mapping)", doc["overrides"].pos(i))
        overrides.append({"paths": list(item["paths"]), "severities": dict(item.get("severities", {}))})
    values["overrides"] = tuple(overrides)
    for key in ("domain_pattern", "topic_pattern"):
        if key in values:
            try:
                re.compile(values[key])
            except re.error as exc:
                raise SpecError(f"{key} is not a valid regular expression: {exc}", doc.pos(key)) from None
    levels = ("NONE", "BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE")
    if values.get("schema_compatibility", "FULL_TRANSITIVE") not in levels:
        raise SpecError(f"schema_compatibility must be one of {', '.join(levels)}", doc.pos("schema_compatibility"))
    if "pii_max_retention_ms" in values and values["pii_max_retention_ms"] < 0:
        raise SpecError("pii_max_retention_ms must be >= 0", doc.pos("pii_max_retention_ms"))
    return replace(Policy(), source=shown, **values)


class PolicyCache:
    """One policy per directory, each file read once (lint of a big estate asks 1000s of times)."""

    def __init__(self, explicit: Path | None = None):
        self._explicit = load_policy(explicit) if explicit else None
        self._by_file: dict[Path | None, Policy] = {}
        self._by_dir: dict[str, Policy] = {}

    def for_spec(self, spec: Path) -> Policy:
        if self._explicit is not None:
            return self._explicit
        folder = os.path.dirname(os.path.abspath(spec))
        policy = self._by_dir.get(folder)
        if policy is None:
            found = find_policy_file(Path(folder).resolve())
            if found not in self._by_file:
                self._by_file[found] = load_policy(found) if found else Policy()
            policy = self._by_dir[folder] = self._by_file[found]
        return policy
