"""Inline suppression: `# specmesh: ignore[RULE-ID, ...] reason` on the line or the line above.

A reason is required, so every exception to the policy says why in review. Only files
that have findings are read, so a clean estate costs nothing here.
"""

from __future__ import annotations

import re
from collections import defaultdict

from ..errors import Position
from .engine import Finding, all_rules

DIRECTIVE = re.compile(r"(?:#|//)\s*specmesh:\s*ignore\[([^\]]*)\](.*)")  # reason stripped after: linear time
COMMENT_ONLY = re.compile(r"^\s*(?:#|//)")


def _directives(lines: list[str]) -> dict[int, tuple[int, set[str], str]]:
    """line number a directive covers -> (its own line, rule ids, reason)."""
    covered: dict[int, tuple[int, set[str], str]] = {}
    for number, text in enumerate(lines, 1):
        match = DIRECTIVE.search(text)
        if not match:
            continue
        ids = {part.strip() for part in match.group(1).split(",") if part.strip()}
        entry = (number, ids, match.group(2).strip())
        covered.setdefault(number, entry)
        if COMMENT_ONLY.match(text):
            covered[number + 1] = entry
    return covered


def _read_lines(path: str) -> list[str]:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read().splitlines()
    except OSError:
        return []


def apply_suppressions(findings: list[Finding], read_lines=_read_lines) -> tuple[list[Finding], int]:
    """Drops suppressed findings; a directive without a reason, or naming no known rule, becomes a finding."""
    known = all_rules()
    by_file: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        by_file[f.pos.file].append(f)
    kept: list[Finding] = []
    suppressed = 0
    for file, file_findings in by_file.items():
        covered = _directives(read_lines(file))
        misuse: dict[int, Finding] = {}
        for f in file_findings:
            entry = covered.get(f.pos.line)
            if entry is None or f.rule not in entry[1]:
                kept.append(f)
                continue
            line, ids, reason = entry
            if reason:
                suppressed += 1
                continue
            kept.append(f)
            misuse[line] = _meta("SUPPRESS-REASON", Position(file, line, 1), f"ignore[{', '.join(sorted(ids))}] gives no reason, so it suppresses nothing")
        for line, ids, _ in {e[0]: e for e in covered.values()}.values():
            for unknown in sorted(ids - known.keys()):
                misuse.setdefault(-line, _meta("SUPPRESS-UNKNOWN", Position(file, line, 1), f"ignore[{unknown}] names no rule"))
        kept.extend(misuse.values())
    return kept, suppressed


def _meta(rule_id: str, pos: Position, message: str) -> Finding:
    r = all_rules()[rule_id]
    return Finding(rule_id, r.severity, pos, message, r.hint)
