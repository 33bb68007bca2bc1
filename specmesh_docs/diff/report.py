"""The diff in text (grouped by product, breaking first), JSON (versioned), Markdown (a pull-request
comment) and GitHub annotations. Every value from a spec is escaped for the format it lands in."""

from __future__ import annotations

import json

from ..output import markdown_text, one_line
from .run import DiffResult

MARK = {"breaking": "BREAKING", "risky": "risky", "safe": "safe", "accepted": "accepted"}


def summary(result: DiffResult) -> str:
    n = result.counts()
    return (f"Diff {one_line(result.base.shown())} -> {one_line(result.head.shown())}: {n['breaking']} breaking, {n['risky']} risky, "
            f"{n['safe']} safe, {n['accepted']} accepted")


def to_text(result: DiffResult) -> str:
    lines: list[str] = []
    domain = None
    for c in result.changes:
        if c.domain != domain:
            domain = c.domain
            lines.append(f"# {one_line(domain)}")
        where = f"{one_line(str(c.pos))}: " if c.pos else ""
        who = f" (affects: {one_line(', '.join(c.affected))})" if c.affected else ""
        why = f" (accepted: {one_line(c.reason)})" if c.reason else ""
        lines.append(f"  {MARK[c.severity]:<9} {c.rule:<26} {where}{one_line(c.message)}{who}{why}")
    lines.append(summary(result))
    return "\n".join(lines) + "\n"


def to_json(result: DiffResult) -> str:
    doc = {"version": 1, "kind": "specmesh-diff", "base": result.base.label, "head": result.head.label,
           "base_commit": result.base.commit, "head_commit": result.head.commit, "summary": result.counts(),
           "changes": [c.to_dict() for c in result.changes]}
    return json.dumps(doc, indent=2) + "\n"


def to_markdown(result: DiffResult) -> str:
    n = result.counts()
    head = "**Breaking changes**" if n["breaking"] else "No breaking changes"
    lines = [f"### specmesh diff: {head}", "",
             f"`{markdown_text(result.base.shown())}` -> `{markdown_text(result.head.shown())}`: {n['breaking']} breaking, {n['risky']} risky, "
             f"{n['safe']} safe, {n['accepted']} accepted", ""]
    if result.changes:
        lines += ["| | product | rule | change | affects |", "|---|---|---|---|---|"]
        icon = {"breaking": "❌", "risky": "⚠️", "safe": "✅", "accepted": "☑️"}
        for c in result.changes:
            note = f" (accepted: {markdown_text(c.reason)})" if c.reason else ""
            lines.append(f"| {icon[c.severity]} {c.severity} | {markdown_text(c.domain)} | {c.rule} | {markdown_text(c.message)}{note} | "
                         f"{markdown_text(', '.join(c.affected))} |")
    return "\n".join(lines) + "\n"


def _gh(text: str) -> str:
    return one_line(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_prop(text: str) -> str:
    return _gh(text).replace(":", "%3A").replace(",", "%2C")


def to_github(result: DiffResult) -> str:
    level = {"breaking": "error", "risky": "warning", "safe": "notice", "accepted": "notice"}
    lines = []
    for c in result.changes:
        where = f" file={_gh_prop(c.pos.file)},line={c.pos.line},col={c.pos.col}," if c.pos and c.pos.line else " "
        lines.append(f"::{level[c.severity]}{where}title={_gh_prop(c.rule)}::{_gh(c.message)}")
    return "\n".join(lines) + ("\n" if lines else "")


RENDER = {"text": to_text, "json": to_json, "markdown": to_markdown, "github": to_github}
