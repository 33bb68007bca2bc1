"""Findings, the rule registry, and the run over specs (pure except for reading files)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable

from ..errors import Position, SpecError

SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    severity: str
    pos: Position
    message: str
    hint: str = ""

    @property
    def fingerprint(self) -> str:
        """Stable across line moves: what a baseline remembers."""
        return f"{self.rule}|{Path(self.pos.file).as_posix()}|{self.message}"

    def to_dict(self) -> dict:
        return {"rule": self.rule, "severity": self.severity, "file": self.pos.file, "line": self.pos.line,
                "column": self.pos.col, "message": self.message, "hint": self.hint}


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    summary: str
    hint: str
    check: Callable
    scope: str = "product"  # product | catalog
    kafka_only: bool = False  # sees only the product's Kafka topics (MQTT, WebSocket... channels are listed, not failed)
    bad: str = ""
    good: str = ""


RULES: dict[str, Rule] = {}


def rule(id: str, severity: str, summary: str, hint: str, *, scope: str = "product", bad: str = "", good: str = "",
         kafka_only: bool = False):
    """Registers a check: product rules take (product, policy), catalog rules (products, policy_of)."""

    def register(fn: Callable) -> Callable:
        RULES[id] = Rule(id, severity, summary, hint, fn, scope=scope, bad=bad.strip("\n"), good=good.strip("\n"),
                         kafka_only=kafka_only)
        return fn

    return register


def all_rules() -> dict[str, Rule]:
    from . import rules  # noqa: F401  (importing registers every rule module)

    return RULES


@dataclass
class LintResult:
    findings: list[Finding] = field(default_factory=list)
    errors: list[SpecError] = field(default_factory=list)  # unreadable input: exit 2
    files: list[str] = field(default_factory=list)
    suppressed: int = 0  # by inline comments
    baselined: int = 0  # by --baseline
    patterns: tuple[str, ...] = ()  # the spec_patterns files were found by
    skipped: list[str] = field(default_factory=list)  # matched the patterns, but are not AsyncAPI documents


def _leveled(r: Rule, policy, spec_file: str, hits: Iterable[tuple[Position, str]]) -> list[Finding]:
    level = policy.severity(r.id, r.severity, spec_file)
    return [] if level == "off" else [Finding(r.id, level, pos, message, r.hint) for pos, message in hits]


def check_products(products, policy_of) -> list[Finding]:
    """Per-spec rules: each product alone."""
    rules = [r for r in all_rules().values() if r.scope == "product"]
    findings: list[Finding] = []
    for product in products:
        policy = policy_of(product)
        kafka = product if all(t.kafka for t in product.topics) else replace(
            product, topics=[t for t in product.topics if t.kafka])
        for r in rules:
            findings.extend(_leveled(r, policy, product.spec_file, r.check(kafka if r.kafka_only else product, policy)))
    return findings


def check_catalog(reported, catalog, policy_of) -> list[Finding]:
    """Cross-spec rules over every product; findings only in the `reported` ones (catalog is context)."""
    by_file = {p.spec_file: p for p in reported}
    everyone = [*reported, *catalog]
    findings: list[Finding] = []
    for r in all_rules().values():
        if r.scope == "catalog":
            for pos, message in r.check(everyone, policy_of):
                owner = by_file.get(pos.file)
                if owner is not None:
                    findings.extend(_leveled(r, policy_of(owner), pos.file, [(pos, message)]))
    return findings


def sort_findings(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.pos.file, f.pos.line, f.pos.col, f.rule, f.message))
