"""Baselines: adopt lint on an existing estate by accepting today's findings, failing only on new ones.

Entries are (rule, file relative to the baseline, message): line moves do not matter, a
second identical finding does (entries are counted).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

from ..errors import Position, SpecError
from ..jsondoc import read_json
from .engine import Finding


UNREADABLE = "UNREADABLE"  # the baseline's rule id for a spec that could not be read at all


def unreadable(errors) -> list[Finding]:
    """Load errors as findings, so a baseline can record them like any other."""
    return [Finding(UNREADABLE, "error", e.pos or Position("<input>"), e.message) for e in errors]


def _key(f: Finding, base: Path) -> tuple[str, str, str]:
    return f.rule, Path(os.path.relpath(os.path.abspath(f.pos.file), base)).as_posix(), f.message


def write_baseline(path: Path, findings: list[Finding]) -> None:
    base = path.resolve().parent
    entries = [dict(zip(("rule", "file", "message"), k)) for k in sorted(_key(f, base) for f in findings)]
    path.write_text(json.dumps({"version": 1, "findings": entries}, indent=1) + "\n", encoding="utf-8")


def read_baseline(path: Path) -> Counter:
    shown = Position(str(path), 1, 1)
    doc = read_json(path, "baseline")
    entries = doc.get("findings") if isinstance(doc, dict) and doc.get("version") == 1 else None
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise SpecError("not a specmesh baseline (expected {version: 1, findings: [...]})", shown)
    return Counter((e.get("rule"), e.get("file"), e.get("message")) for e in entries)


def apply_baseline(path: Path, findings: list[Finding]) -> tuple[list[Finding], int]:
    """Findings not in the baseline, and how many it absorbed."""
    known = read_baseline(path)
    base = path.resolve().parent
    kept = []
    for f in findings:
        key = _key(f, base)
        if known[key] > 0:
            known[key] -= 1
        else:
            kept.append(f)
    return kept, len(findings) - len(kept)
