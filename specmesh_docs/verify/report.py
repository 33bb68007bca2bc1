"""The verify report as text, Markdown or JSON; what fails the run (`--fail-on`); and the report
read back, checked, for the portal. Every name in it came from a spec or the cluster: shown
escaped, never obeyed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import Position, SpecError
from ..output import markdown_text, one_line

FAIL_ON_DEFAULT = "invalid,undeclared,missing"
_INVALID = re.compile(r"invalid(?:>(\d+(?:\.\d+)?)%)?")


@dataclass(frozen=True)
class FailOn:
    invalid: float | None = 0.0  # fail when a topic's invalid share exceeds this percentage; None: never
    undeclared: bool = True
    missing: bool = True
    unknown: bool = False
    idle: bool = False
    incomplete: bool = False


def parse_fail_on(text: str) -> FailOn:
    """`invalid` (any invalid record), `invalid>2%` (more than 2 % of a topic's records read),
    `undeclared` (a reader without a grant), `missing` (a topic the spec promises is not there),
    `unknown` (a group of no known domain), `idle` (a granted reader with no group),
    `incomplete` (a topic not read to its end in time), or `none`; comma-separated."""
    words = [w.strip() for w in text.split(",") if w.strip()]
    if not words:
        raise SpecError("--fail-on: give at least one of invalid, invalid>N%, undeclared, missing, unknown, idle, "
                        "incomplete, none")
    if words == ["none"]:
        return FailOn(None, False, False, False, False, False)
    found: dict = {"invalid": None, "undeclared": False, "missing": False, "unknown": False, "idle": False,
                   "incomplete": False}
    for word in words:
        match = _INVALID.fullmatch(word)
        if match:
            found["invalid"] = float(match.group(1) or 0)
        elif word in found:
            found[word] = True
        else:
            raise SpecError(f"--fail-on: {one_line(word)[:40]!r} is not one of invalid, invalid>N%, undeclared, "
                            "missing, unknown, idle, incomplete, none")
    return FailOn(**found)


def failures(doc: dict, fail_on: FailOn) -> list[str]:
    """Why the run fails, one line per topic and reason; empty when it passes."""
    out = []
    for t in topics(doc):
        r, readers, name = t["records"], t["readers"], one_line(t["name"])
        if fail_on.missing and not t["exists"]:
            out.append(f"{name}: the topic does not exist")
        if fail_on.invalid is not None and r["invalid"] and 100.0 * r["invalid"] / max(1, r["read"]) > fail_on.invalid:
            out.append(f"{name}: {r['invalid']} of {r['read']} records invalid")
        if fail_on.undeclared and readers.get("undeclared"):
            out.append(f"{name}: read without a grant by {', '.join(map(one_line, readers['undeclared']))}")
        if fail_on.unknown and readers.get("unknown"):
            out.append(f"{name}: read by groups of no known domain: {', '.join(map(one_line, readers['unknown']))}")
        if fail_on.idle and readers.get("idle"):
            out.append(f"{name}: granted but not read by {', '.join(map(one_line, readers['idle']))}")
        if fail_on.incomplete and not t["complete"]:
            out.append(f"{name}: not read to its end before the deadline")
    return out


def topics(doc: dict):
    for p in doc["products"]:
        yield from p["topics"]


def violation_line(v: dict) -> str:
    where = f" at {one_line(v['path'])}" if v.get("path") else ""
    sid = f" (schema id {v['schema_id']})" if v.get("schema_id") is not None else ""
    return f"partition {v['partition']} offset {v['offset']} {v['role']}: {v['rule']}{where}: {one_line(v['detail'])}{sid}"


def _readers_line(readers: dict) -> list[str]:
    lines = []
    groups = [f"{one_line(g['group'])} ({g['status']})" for g in readers.get("groups", [])]
    if groups:
        lines.append("readers: " + ", ".join(groups))
    if readers.get("idle"):
        lines.append("idle (granted or declared, no group): " + ", ".join(map(one_line, readers["idle"])))
    return lines


def to_text(doc: dict, fail_on: FailOn) -> str:
    n = doc["totals"]
    lines = [f"verify: {n['topics']} topics, {n['records_read']} records read in {doc['elapsed_seconds']:g} s "
             f"({doc['records_per_second'] or 0:g} records/s) as {one_line(doc['principal'])}; "
             f"{doc['consumer_groups_seen']} consumer groups visible"]
    for p in doc["products"]:
        lines.append(f"{one_line(p['domain'])} ({one_line(p['spec'])})")
        for t in p["topics"]:
            r = t["records"]
            state = ("does not exist" if not t["exists"] else
                     f"{r['read']} read, {r['valid']} valid, {r['invalid']} invalid"
                     + (f", {r['unchecked']} unchecked" if r["unchecked"] else "")
                     + ("" if t["complete"] else ", not read to the end in time"))
            lines.append(f"  {one_line(t['name'])}: {state}")
            lines += [f"    {violation_line(v)}" for v in t["violations"]]
            more = r["invalid"] - len({(v["partition"], v["offset"]) for v in t["violations"]})
            if more > 0:
                lines.append(f"    ... and {more} more invalid records ({', '.join(f'{k} {c}' for k, c in t['rules'].items())})")
            lines += [f"    {line}" for line in _readers_line(t["readers"])]
    failed = failures(doc, fail_on)
    lines.append(f"result: {'failing' if failed else 'conforming'}: {n['records_invalid']} invalid records, "
                 f"{n['undeclared_readers']} undeclared readers, {n['missing_topics']} missing topics")
    lines += [f"  {f}" for f in failed]
    return "\n".join(lines) + "\n"


def to_markdown(doc: dict, fail_on: FailOn) -> str:
    n = doc["totals"]
    failed = failures(doc, fail_on)
    lines = [f"### specmesh verify: {'**failing**' if failed else 'conforming'}", "",
             f"{n['topics']} topics, {n['records_read']} records read, {n['records_invalid']} invalid, "
             f"{n['undeclared_readers']} undeclared readers ({markdown_text(doc['verified_at'])})", "",
             "| topic | read | valid | invalid | readers | undeclared | idle |", "|---|---:|---:|---:|---|---|---|"]
    for t in topics(doc):
        r, readers = t["records"], t["readers"]
        name = markdown_text(t["name"]) + ("" if t["exists"] else " (missing)") + ("" if t["complete"] else " (incomplete)")
        lines.append(f"| {name} | {r['read']} | {r['valid']} | {r['invalid']} | "
                     f"{', '.join(markdown_text(g['group']) for g in readers.get('groups', []))} | "
                     f"{', '.join(map(markdown_text, readers.get('undeclared', [])))} | "
                     f"{', '.join(map(markdown_text, readers.get('idle', [])))} |")
    shown = [(t, v) for t in topics(doc) for v in t["violations"]]
    if shown:
        lines += ["", "| topic | partition | offset | role | rule | field | schema id |", "|---|---:|---:|---|---|---|---:|"]
        lines += [f"| {markdown_text(t['name'])} | {v['partition']} | {v['offset']} | {v['role']} | {v['rule']} | "
                  f"{markdown_text(v['path'])} | {v['schema_id'] if v['schema_id'] is not None else ''} |"
                  for t, v in shown]
    return "\n".join(lines) + "\n"


# --- the report read back (portal) --------------------------------------------------------------

def read_report(path: Path) -> dict:
    """A report `specmesh verify --format json` wrote, with the shape the portal reads checked."""
    from ..jsondoc import read_json

    doc = read_json(path, "verify report")
    if not (isinstance(doc, dict) and doc.get("kind") == "specmesh-verify" and _shape_ok(doc)):
        raise SpecError("not the JSON output of `specmesh verify`", Position(str(path), 1, 1))
    return doc


def _count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _shape_ok(doc: dict) -> bool:
    from ..clock import parse_time

    try:
        parse_time(str(doc.get("verified_at")), "verified_at")
    except SpecError:
        return False
    products = doc.get("products")
    if not isinstance(products, list):
        return False
    for p in products:
        if not (isinstance(p, dict) and isinstance(p.get("topics"), list)):
            return False
        for t in p["topics"]:
            if not (isinstance(t, dict) and isinstance(t.get("name"), str) and isinstance(t.get("records"), dict)
                    and all(_count(t["records"].get(k)) for k in ("read", "valid", "invalid"))
                    and isinstance(t.get("readers"), dict) and isinstance(t.get("exists"), bool)
                    and isinstance(t.get("complete"), bool)):
                return False
            readers = t["readers"]
            if not all(isinstance(readers.get(k, []), list) and all(isinstance(x, str) for x in readers.get(k, []))
                       for k in ("undeclared", "idle", "unknown")):
                return False
    return True
