"""Findings, the rule registry, and the run over specs (pure except for reading files)."""

from __future__ import annotations

from dataclasses import dataclass, field
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
    bad: str = ""
    good: str = ""


RULES: dict[str, Rule] = {}


def rule(id: str, severity: str, summary: str, hint: str, *, scope: str = "product", bad: str = "", good: str = ""):
    """Registers a check: product rules take (product, policy), catalog rules (products, policy_of)."""

    def register(fn: Callable) -> Callable:
        RULES[id] = Rule(id, severity, summary, hint, fn, scope, bad.strip("\n"), good.strip("\n"))
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
    suppressed: int = 0


def apply_rules(products, catalog, policy_of) -> list[Finding]:
    """Runs every enabled rule; `catalog` adds other repos' products for cross-spec rules."""
    rules = all_rules()
    findings: list[Finding] = []
    reported = {p.spec_file for p in products}

    def emit(r: Rule, spec_file: str, policy, hits: Iterable[tuple[Position, str]]) -> None:
        level = policy.severity(r.id, r.severity, spec_file)
        if level == "off":
            return
        for pos, message in hits:
            findings.append(Finding(r.id, level, pos, message, r.hint))

    for product in products:
        policy = policy_of(product)
        for r in rules.values():
            if r.scope == "product":
                emit(r, product.spec_file, policy, r.check(product, policy))
    everyone = [*products, *catalog]
    for r in rules.values():
        if r.scope != "catalog":
            continue
        for pos, message in r.check(everyone, policy_of):
            if pos.file in reported:
                owner = next(p for p in products if p.spec_file == pos.file)
                emit(r, pos.file, policy_of(owner), [(pos, message)])
    findings.sort(key=lambda f: (f.pos.file, f.pos.line, f.pos.col, f.rule))
    return findings
