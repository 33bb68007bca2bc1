"""The org policy: one file drives lint and provisioning, so what passes review is what is applied.

Two owners, one rule of precedence. The organisation's policy comes from `--config FILE` (or
`$SPECMESH_POLICY`); a team's `specmesh.yaml` (or `.specmesh.yaml`, found upwards from each
spec) may then only tighten it: raise severities, lower the PII retention cap, add
infrastructure words and patterns (TEAM_KEYS). Without an organisation policy the team file
governs alone, which lint allows and provisioning refuses unless `--policy-from-repo` says so.
Every key is optional; the file is validated (unknown keys, wrong types, unsafe values are
positioned errors) and its patterns run on RE2, so a pattern cannot make matching slow.
"""

from __future__ import annotations

import fnmatch
import os
import string
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from .errors import Position, SpecError
from .userregex import BadPattern, compile_pattern, fullmatch

POLICY_NAMES = ("specmesh.yaml", ".specmesh.yaml")
SEVERITIES = ("error", "warning", "info", "off")
SEVERITY_ORDER = {"off": 0, "info": 1, "warning": 2, "error": 3}
TEAM_KEYS = ("severities", "pii_max_retention_ms", "infrastructure_words", "infrastructure_patterns", "pii_suspect_words")
ORG_POLICY_ENV = "SPECMESH_POLICY"
DELIMITERS = (".", "_", "-")
KAFKA_NAME = r"[A-Za-z0-9._-]+"
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
    pii_suspect_words: tuple[str, ...] = ()  # more field-name words for PII-SUSPECT (opt-in rule)
    v2_operations: str = "specmesh"  # AsyncAPI 2 publish/subscribe: specmesh (publish = produces) | asyncapi
    domain_from: str = "id"  # a spec without a URN id: its domain from x-domain | title | path (rule ID-URN)
    require_major_bump: bool = True  # specmesh diff: a breaking change needs a major info.version bump
    grant_expiry_warning_days: int = 14  # lint warns this many days before a grant's x-expires day
    compatibility_allowed: tuple[str, ...] = ("BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE",
                                              "FULL", "FULL_TRANSITIVE")  # a topic's own x-specmesh-compatibility
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
        return _is_infrastructure(segment.lower(), self.infrastructure_words, self.infrastructure_patterns)


@lru_cache(maxsize=65536)
def _is_infrastructure(segment: str, words: tuple[str, ...], patterns: tuple[str, ...]) -> bool:
    """Memoized: an estate repeats the same segments thousands of times."""
    return segment in words or any(fullmatch(p, segment) for p in patterns)


_TYPES = {
    "delimiter": str, "public": str, "protected": str, "private": str, "principal_format": str,
    "domain_pattern": str, "topic_pattern": str, "infrastructure_words": list, "infrastructure_patterns": list,
    "partitions": dict, "replicas": dict, "pii_max_retention_ms": int, "shared_namespaces": list,
    "spec_patterns": list, "severities": dict, "overrides": list, "private_create_acl": bool,
    "schema_compatibility": str, "domain_from": str, "pii_suspect_words": list, "v2_operations": str,
    "require_major_bump": bool, "grant_expiry_warning_days": int, "compatibility_allowed": list,
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
    values, _doc, shown = _read_policy(path)
    return replace(Policy(), source=shown, **values)


def tightened(org: Policy, team_file: Path) -> Policy:
    """The organisation's policy with a team's file applied, where the team may only tighten."""
    values, doc, shown = _read_policy(team_file, allowed=TEAM_KEYS)
    severities = dict(org.severities)
    if values.get("pii_max_retention_ms", 0) > org.pii_max_retention_ms:
        raise SpecError(f"a team policy may only lower pii_max_retention_ms (the organisation's is "
                        f"{org.pii_max_retention_ms})", doc.pos("pii_max_retention_ms"))
    for rule_id, level in values.get("severities", {}).items():
        current = _effective_severity(org, rule_id)
        if SEVERITY_ORDER[level] < SEVERITY_ORDER[current]:
            raise SpecError(f"a team policy may only raise severities: {rule_id} is {current} in the organisation's "
                            f"policy, not {level}", doc["severities"].pos(rule_id))
        severities[rule_id] = level
    return replace(
        org, source=f"{org.source} + {shown}", severities=severities,
        pii_max_retention_ms=values.get("pii_max_retention_ms", org.pii_max_retention_ms),
        infrastructure_words=tuple(dict.fromkeys(org.infrastructure_words + values.get("infrastructure_words", ()))),
        infrastructure_patterns=tuple(dict.fromkeys(org.infrastructure_patterns + values.get("infrastructure_patterns", ()))),
        pii_suspect_words=tuple(dict.fromkeys(org.pii_suspect_words + values.get("pii_suspect_words", ()))))


def _effective_severity(policy: Policy, rule_id: str) -> str:
    if rule_id in policy.severities:
        return policy.severities[rule_id]
    from .lint.engine import all_rules

    rule = all_rules().get(rule_id)
    return rule.severity if rule else "off"


def _read_policy(path: Path, allowed: tuple[str, ...] | None = None):
    """The validated keys of a policy file, its parsed document (for positions) and its display name.

    `allowed` limits the keys (a team file under an organisation policy)."""
    from .model.refs import display
    from .model.yamlload import YMap, decode, load_text

    shown = display(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SpecError(f"cannot read policy file: {exc.strerror}", Position(shown)) from None
    doc = load_text(decode(data, shown), shown)
    if doc is None:
        return {}, YMap(), shown
    if not isinstance(doc, YMap):
        raise SpecError("a policy file must be a mapping", Position(shown, 1, 1))
    values: dict = {}
    for key, value in doc.items():
        at = doc.pos(key)
        expected = _TYPES.get(key)
        if expected is None:
            raise SpecError(f"unknown policy key {key!r} (known: {', '.join(sorted(_TYPES))})", at)
        if allowed is not None and key not in allowed:
            raise SpecError(f"a team policy may not set {key!r}: the organisation's policy decides it; "
                            f"team files may set {', '.join(allowed)}", at)
        if key == "severities" and isinstance(value, dict):  # YAML 1.1 reads a bare `off` as false
            value = {rule_id: "off" if level is False else level for rule_id, level in value.items()}
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise SpecError(f"policy key {key!r} must be a {expected.__name__}", at)
        if expected is list and not all(isinstance(item, str) for item in value) and key != "overrides":
            raise SpecError(f"policy key {key!r} must be a list of strings", at)
        values[key] = tuple(value) if expected is list else value
    for key in ("partitions", "replicas"):
        for op, bound in values.get(key, {}).items():
            if op not in BOUND_OPS or not isinstance(bound, int) or isinstance(bound, bool):
                raise SpecError(f"{key}: bounds are gt/gte/lt/lte/eq with whole numbers, not {op}: {bound!r}", doc[key].pos(op))
    for rule_id, level in values.get("severities", {}).items():
        if level not in SEVERITIES:
            raise SpecError(f"severity of {rule_id} must be one of {', '.join(SEVERITIES)}", doc["severities"].pos(rule_id))
    overrides = []
    for i, item in enumerate(values.get("overrides", ())):
        if not (isinstance(item, dict) and isinstance(item.get("paths"), list) and isinstance(item.get("severities", {}), dict)
                and all(isinstance(g, str) for g in item["paths"])
                and all(v in SEVERITIES for v in item.get("severities", {}).values())):
            raise SpecError("each override needs 'paths' (a list of globs) and 'severities' (rule: error|warning|info|off)",
                            doc["overrides"].pos(i))
        overrides.append({"paths": list(item["paths"]), "severities": dict(item.get("severities", {}))})
    if "overrides" in values:
        values["overrides"] = tuple(overrides)
    for key in ("domain_pattern", "topic_pattern"):
        if key in values:
            _check_pattern(values[key], key, doc.pos(key))
    for i, pattern in enumerate(values.get("infrastructure_patterns", ())):
        _check_pattern(pattern, "infrastructure_patterns", doc["infrastructure_patterns"].pos(i))
    _check_names(values, doc)
    if "principal_format" in values:
        _check_principal_format(values["principal_format"], doc.pos("principal_format"))
    if values.get("v2_operations", "specmesh") not in ("specmesh", "asyncapi"):
        raise SpecError("v2_operations must be specmesh (publish = this application produces) or asyncapi "
                        "(subscribe = it produces, AsyncAPI 2's own meaning)", doc.pos("v2_operations"))
    if values.get("domain_from", "id") not in ("id", "x-domain", "title", "path"):
        raise SpecError("domain_from must be one of id, x-domain, title, path", doc.pos("domain_from"))
    from .model.schemas import COMPATIBILITY_LEVELS as levels

    wrong = [x for x in values.get("compatibility_allowed", ()) if x not in levels]
    if wrong:
        raise SpecError(f"compatibility_allowed lists {wrong[0]!r}: levels are {', '.join(levels)}",
                        doc.pos("compatibility_allowed"))
    if values.get("schema_compatibility", "FULL_TRANSITIVE") not in levels:
        raise SpecError(f"schema_compatibility must be one of {', '.join(levels)}", doc.pos("schema_compatibility"))
    if "grant_expiry_warning_days" in values and not 0 <= values["grant_expiry_warning_days"] <= 3650:
        raise SpecError("grant_expiry_warning_days must be from 0 to 3650", doc.pos("grant_expiry_warning_days"))
    if "pii_max_retention_ms" in values and values["pii_max_retention_ms"] < 0:
        raise SpecError("pii_max_retention_ms must be >= 0", doc.pos("pii_max_retention_ms"))
    return values, doc, shown


def _check_pattern(pattern: str, key: str, at: Position) -> None:
    try:
        compile_pattern(pattern)
    except BadPattern as exc:
        raise SpecError(f"{key} is not a valid regular expression (RE2 syntax): {exc}", at) from None


def _check_names(values: dict, doc) -> None:
    """The delimiter and the access keywords become parts of topic names and ACL prefixes."""
    delimiter = values.get("delimiter", Policy.delimiter)
    if "delimiter" in values and delimiter not in DELIMITERS:
        raise SpecError(f"delimiter must be one of {' '.join(repr(d) for d in DELIMITERS)}", doc.pos("delimiter"))
    words = [values.get(k, getattr(Policy, k)) for k in ("public", "protected", "private")]
    for key in ("public", "protected", "private"):
        word = values.get(key)
        if word is None:
            continue
        if not fullmatch(KAFKA_NAME, word) or delimiter in word:
            raise SpecError(f"{key} must be a non-empty name of letters, digits, '.', '_' or '-' without the "
                            f"delimiter {delimiter!r}", doc.pos(key))
    if len(set(words)) != 3:
        raise SpecError("public, protected and private must be three different words", doc.pos(next(
            k for k in ("public", "protected", "private", "delimiter") if k in values)))


def _check_principal_format(fmt: str, at: Position) -> None:
    """It must name one concrete principal per domain: `Type:name` with {domain} in it, never a wildcard."""
    try:
        fields = [(name, conv, spec) for _text, name, spec, conv in string.Formatter().parse(fmt) if name is not None]
    except ValueError as exc:
        raise SpecError(f"principal_format is not a valid format: {exc}", at) from None
    if not fields or any(f != ("domain", None, "") for f in fields):
        raise SpecError("principal_format may use only the field {domain} (no other fields, conversions or "
                        "format specs), e.g. 'User:{domain}'", at)
    sample = fmt.replace("{domain}", "d")
    if not is_concrete_principal(sample) or "{" in sample or "}" in sample:
        raise SpecError("principal_format must give a concrete principal 'Type:name' (no '*'), e.g. 'User:{domain}'", at)


def is_concrete_principal(principal: str) -> bool:
    """`Type:name` naming one principal: never the wildcard, never a pattern, no control characters."""
    return fullmatch(r"[A-Za-z][A-Za-z0-9_]*:[^*\x00-\x1f\x7f]+", principal)


def org_policy_path(config: str | None) -> Path | None:
    """The organisation's policy file: --config, else $SPECMESH_POLICY."""
    chosen = config or os.environ.get(ORG_POLICY_ENV) or None
    return Path(chosen) if chosen else None


class PolicyCache:
    """One policy per directory, each file read once (lint of a big estate asks 1000s of times).

    With an organisation policy, a team file found upwards from a spec tightens it (see TEAM_KEYS);
    without one, the team file is the policy.
    """

    def __init__(self, explicit: Path | None = None):
        self._org = load_policy(explicit) if explicit else None
        self._by_file: dict[Path | None, Policy] = {}
        self._by_dir: dict[str, Policy] = {}

    def for_spec(self, spec: Path) -> Policy:
        folder = os.path.dirname(os.path.abspath(spec))
        policy = self._by_dir.get(folder)
        if policy is None:
            found = find_policy_file(Path(folder).resolve())
            if found not in self._by_file:
                self._by_file[found] = self._policy_for(found)
            policy = self._by_dir[folder] = self._by_file[found]
        return policy

    def _policy_for(self, team_file: Path | None) -> Policy:
        if self._org is None:
            return load_policy(team_file) if team_file else Policy()
        if team_file is None or self._is_org_file(team_file):
            return self._org
        return tightened(self._org, team_file)

    def _is_org_file(self, path: Path) -> bool:
        from .model.refs import display

        return display(path) == self._org.source or path.resolve() == Path(self._org.source).resolve()
