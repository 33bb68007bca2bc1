"""Lint result -> text, JSON, SARIF 2.1.0, GitHub workflow commands, JUnit XML. Pure functions."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .. import __version__
from ..output import one_line
from .engine import LintResult, all_rules

FORMATS = ("text", "json", "sarif", "github", "junit")
SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note", "off": "none"}  # off: opt-in rules
INFO_URI = "https://github.com/specmesh/specmesh-build"


def counts(result: LintResult) -> dict[str, int]:
    return {s: sum(1 for f in result.findings if f.severity == s) for s in ("error", "warning", "info")}


def summary_line(result: LintResult) -> str:
    c = counts(result)
    extra = "".join(f", {n} {label}" for n, label in ((result.suppressed, "suppressed inline"),
                                                      (result.baselined, "in baseline")) if n)
    unreadable = f", {len(result.errors)} unreadable" if result.errors else ""
    return (f"{len(result.files)} spec(s): {c['error']} error(s), {c['warning']} warning(s), {c['info']} info"
            f"{extra}{unreadable}")


def to_text(result: LintResult) -> str:
    lines = [one_line(f"{f.pos}: {f.severity} {f.rule} {f.message}" + (f" (fix: {f.hint})" if f.hint else ""))
             for f in result.findings]
    return "".join(line + "\n" for line in lines)


def _error_dict(e) -> dict:
    pos = e.pos
    return {"file": pos.file if pos else None, "line": pos.line if pos else 0, "column": pos.col if pos else 0,
            "message": e.message}


def to_json(result: LintResult) -> str:
    """Stable document, version 1 (README: "lint --format json")."""
    doc = {
        "version": 1,
        "tool": {"name": "specmesh", "version": __version__},
        "files": result.files,
        "skipped": [{"file": f, "reason": "not an AsyncAPI document (no top-level asyncapi key)"} for f in result.skipped],
        "summary": {**counts(result), "suppressed": result.suppressed, "baselined": result.baselined,
                    "unreadable": len(result.errors)},
        "findings": [{**f.to_dict(), "fingerprint": _fingerprint(f)} for f in result.findings],
        "errors": [_error_dict(e) for e in result.errors],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _fingerprint(f) -> str:
    return hashlib.sha256(f.fingerprint.encode()).hexdigest()[:32]


def _uri(file: str) -> str:
    return Path(file).as_posix()


def _region(pos) -> dict:
    """SARIF lines start at 1; a column is given only when known."""
    return {"startLine": max(pos.line, 1), **({"startColumn": pos.col} if pos.col else {})}


def to_sarif(result: LintResult) -> str:
    rules = sorted(all_rules().values(), key=lambda r: r.id)
    index = {r.id: i for i, r in enumerate(rules)}
    driver = {
        "name": "specmesh", "version": __version__, "informationUri": INFO_URI,
        "rules": [{"id": r.id, "shortDescription": {"text": r.summary}, "help": {"text": f"Fix: {r.hint}"},
                   "defaultConfiguration": {"level": SARIF_LEVEL[r.severity]},
                   "properties": {"scope": r.scope}} for r in rules],
    }
    results = []
    for f in result.findings:
        results.append({
            "ruleId": f.rule, "ruleIndex": index[f.rule], "level": SARIF_LEVEL[f.severity],
            "message": {"text": f"{f.message}" + (f" (fix: {f.hint})" if f.hint else "")},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": _uri(f.pos.file), "uriBaseId": "%SRCROOT%"},
                                                "region": _region(f.pos)}}],
            "partialFingerprints": {"specmesh/v1": _fingerprint(f)},
        })
    notifications = []
    for e in result.errors:
        note = {"level": "error", "message": {"text": e.message}}
        if e.pos:
            note["locations"] = [{"physicalLocation": {"artifactLocation": {"uri": _uri(e.pos.file)},
                                                       "region": _region(e.pos)}}]
        notifications.append(note)
    run = {
        "tool": {"driver": driver},
        "invocations": [{"executionSuccessful": not result.errors, "toolExecutionNotifications": notifications}],
        "results": results,
    }
    doc = {"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0", "runs": [run]}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _gh_escape(text: str, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if prop else text


def to_github(result: LintResult) -> str:
    """GitHub Actions workflow commands: annotations on the pull request's files."""
    level = {"error": "error", "warning": "warning", "info": "notice"}
    lines = []
    for f in result.findings:
        props = f"file={_gh_escape(_uri(f.pos.file), True)},line={f.pos.line},col={f.pos.col},title={_gh_escape(f.rule, True)}"
        lines.append(f"::{level[f.severity]} {props}::{_gh_escape(f.message + (f' (fix: {f.hint})' if f.hint else ''))}")
    for e in result.errors:
        where = f" file={_gh_escape(_uri(e.pos.file), True)},line={e.pos.line},col={e.pos.col}" if e.pos else ""
        lines.append(f"::error{where}::{_gh_escape(e.message)}")
    return "".join(line + "\n" for line in lines)


def to_junit(result: LintResult) -> str:
    """One test suite per file, one failing test case per finding; a clean file is one passing case."""
    import xml.etree.ElementTree as ET

    by_file: dict[str, list] = {f: [] for f in result.files}
    for f in result.findings:
        by_file.setdefault(f.pos.file, []).append(f)
    errors_by_file: dict[str, list] = {}
    for e in result.errors:
        errors_by_file.setdefault(e.pos.file if e.pos else "<input>", []).append(e)
        by_file.setdefault(e.pos.file if e.pos else "<input>", [])
    root = ET.Element("testsuites", name="specmesh lint")
    total = failures = errors = 0
    for file, findings in by_file.items():
        suite = ET.SubElement(root, "testsuite", name=file)
        cases = 0
        for f in findings:
            case = ET.SubElement(suite, "testcase", classname=file, name=f"{f.rule} {f.pos.line}:{f.pos.col}")
            failure = ET.SubElement(case, "failure", message=f.message, type=f.severity)
            failure.text = f"{f.pos}: {f.severity} {f.rule} {f.message}" + (f" (fix: {f.hint})" if f.hint else "")
            cases += 1
        for e in errors_by_file.get(file, []):
            case = ET.SubElement(suite, "testcase", classname=file, name="readable")
            ET.SubElement(case, "error", message=e.message).text = str(e)
            cases += 1
        if not cases:
            ET.SubElement(suite, "testcase", classname=file, name="specmesh lint")
            cases = 1
        suite.set("tests", str(cases))
        suite.set("failures", str(len(findings)))
        suite.set("errors", str(len(errors_by_file.get(file, []))))
        total, failures, errors = total + cases, failures + len(findings), errors + len(errors_by_file.get(file, []))
    root.set("tests", str(total))
    root.set("failures", str(failures))
    root.set("errors", str(errors))
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + _xml_safe(ET.tostring(root, encoding="unicode")) + "\n"


def _xml_safe(text: str) -> str:
    """XML 1.0 cannot carry most control characters, even escaped."""
    return "".join(c if c in "\t\n\r" or ord(c) >= 0x20 else f"\\x{ord(c):02x}" for c in text)


RENDER = {"text": to_text, "json": to_json, "sarif": to_sarif, "github": to_github, "junit": to_junit}
