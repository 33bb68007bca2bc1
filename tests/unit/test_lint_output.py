"""Lint outputs (SARIF, JSON, GitHub, JUnit), suppression comments, baselines, positions in $ref'd files."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET

import jsonschema
import pytest

from tests.conftest import EXAMPLES, REPO
from tests.unit.test_lint import PII_PUBLIC, PRIVATE_CONSUMER, specmesh, write_repo

SARIF_SCHEMA = json.loads((REPO / "tests" / "schemas" / "sarif-2.1.0-rtm.5.json").read_text())
PRIVATE_LINE = PRIVATE_CONSUMER.splitlines().index("  acme.billing._private.invoices:") + 1


def test_sarif_validates_against_the_sarif_2_1_0_schema(tmp_path):
    spec = write_repo(tmp_path, PII_PUBLIC)
    out = specmesh("lint", "--format", "sarif", str(spec))
    assert out.returncode == 1
    doc = json.loads(out.stdout)
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(doc)
    results = doc["runs"][0]["results"]
    assert {r["ruleId"] for r in results} >= {"PII-PUBLIC", "PII-RETENTION"}
    rules = doc["runs"][0]["tool"]["driver"]["rules"]
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in results)
    region = results[0]["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] >= 1 and region["startColumn"] >= 1


def test_sarif_of_unreadable_input_still_validates(tmp_path):
    bad = tmp_path / "broken-api.yaml"
    bad.write_text("asyncapi: [unclosed\n")
    out = specmesh("lint", "--format", "sarif", str(bad))
    assert out.returncode == 2
    doc = json.loads(out.stdout)
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(doc)
    assert doc["runs"][0]["invocations"][0]["executionSuccessful"] is False


def test_several_outputs_in_one_run(tmp_path):
    spec = write_repo(tmp_path, PRIVATE_CONSUMER)
    sarif, junit, report = tmp_path / "lint.sarif", tmp_path / "lint.xml", tmp_path / "lint.json"
    out = specmesh("lint", str(spec), "--format", "github", "--format", f"sarif:{sarif}", "--format", f"junit:{junit}",
                   "--format", f"json:{report}")
    assert out.returncode == 1
    assert f"line={PRIVATE_LINE},col=3,title=ACCESS-PRIVATE-CONSUMED::" in out.stdout
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(json.loads(sarif.read_text()))
    findings = json.loads(report.read_text())["findings"]
    assert [(f["rule"], f["line"], f["column"]) for f in findings] == [("ACCESS-PRIVATE-CONSUMED", PRIVATE_LINE, 3),
                                                                      ("XSPEC-UNOWNED", PRIVATE_LINE, 3)]
    suites = ET.fromstring(junit.read_text())
    assert suites.get("failures") == "2"
    assert [f.get("type") for f in suites.iter("failure")] == ["error", "warning"]


def test_two_outputs_on_stdout_is_a_usage_error(tmp_path):
    out = specmesh("lint", str(write_repo(tmp_path, PRIVATE_CONSUMER)), "--format", "json", "--format", "sarif")
    assert out.returncode == 2 and "only one output can go to stdout" in out.stderr


def test_github_annotations_escape_newlines_and_commas():
    from specmesh_docs.errors import Position
    from specmesh_docs.lint.engine import Finding, LintResult
    from specmesh_docs.lint.report import to_github

    finding = Finding("DOC-TOPIC", "warning", Position("a,b:c.yaml", 3, 5), "line one\nline two 100%")
    text = to_github(LintResult(findings=[finding]))
    assert text == "::warning file=a%2Cb%3Ac.yaml,line=3,col=5,title=DOC-TOPIC::line one%0Aline two 100%25\n"


def test_json_document_has_stable_fields(tmp_path):
    out = specmesh("lint", "--format", "json", str(write_repo(tmp_path, PRIVATE_CONSUMER)))
    doc = json.loads(out.stdout)
    assert set(doc) == {"version", "tool", "files", "skipped", "summary", "findings", "errors"}
    assert set(doc["findings"][0]) == {"rule", "severity", "file", "line", "column", "message", "hint", "fingerprint"}
    assert doc["summary"]["error"] == 1


def test_inline_suppression_on_the_line_above_needs_a_reason(tmp_path):
    marked = PRIVATE_CONSUMER.replace("  acme.billing._private.invoices:",
                                      "  # specmesh: ignore[ACCESS-PRIVATE-CONSUMED] migration until Q3, ticket DATA-7\n"
                                      "  acme.billing._private.invoices:")
    out = specmesh("lint", str(write_repo(tmp_path, marked)))
    assert out.returncode == 0, out.stdout
    assert "1 suppressed inline" in out.stderr

    no_reason = marked.replace(" migration until Q3, ticket DATA-7", "")
    (tmp_path / "orders-api.yaml").write_text(no_reason)
    out = specmesh("lint", str(tmp_path / "orders-api.yaml"))
    assert out.returncode == 1
    assert "ACCESS-PRIVATE-CONSUMED" in out.stdout and f":{PRIVATE_LINE}:1: error SUPPRESS-REASON" in out.stdout


def test_inline_suppression_on_the_same_line_only_for_named_rule(tmp_path):
    same_line = PRIVATE_CONSUMER.replace("  acme.billing._private.invoices:",
                                         "  acme.billing._private.invoices: # specmesh: ignore[DOC-TOPIC] wrong rule")
    out = specmesh("lint", str(write_repo(tmp_path, same_line)))
    assert out.returncode == 1 and "ACCESS-PRIVATE-CONSUMED" in out.stdout
    right = same_line.replace("ignore[DOC-TOPIC] wrong rule", "ignore[ACCESS-PRIVATE-CONSUMED, NOPE-1] agreed with billing")
    (tmp_path / "orders-api.yaml").write_text(right)
    out = specmesh("lint", str(tmp_path / "orders-api.yaml"))
    assert out.returncode == 0 and "warning SUPPRESS-UNKNOWN ignore[NOPE-1] names no rule" in out.stdout


def test_baseline_accepts_existing_findings_and_catches_new_ones(tmp_path):
    spec = write_repo(tmp_path, PRIVATE_CONSUMER)
    baseline = tmp_path / "lint-baseline.json"
    out = specmesh("lint", str(spec), "--write-baseline", str(baseline))
    assert out.returncode == 0 and json.loads(baseline.read_text())["findings"][0]["file"] == "orders-api.yaml"
    # moving the finding to another line keeps it baselined
    spec.write_text(PRIVATE_CONSUMER.replace("channels:\n", "channels:\n  # a comment moves every line\n"))
    out = specmesh("lint", str(spec), "--baseline", str(baseline))
    assert out.returncode == 0 and "2 in baseline" in out.stderr
    # a new finding is reported
    spec.write_text(PRIVATE_CONSUMER + PRIVATE_CONSUMER.split("channels:\n")[1].replace("invoices", "payments")
                    .replace("consumeInvoices", "consumePayments"))
    out = specmesh("lint", str(spec), "--baseline", str(baseline))
    assert out.returncode == 1 and "acme.billing._private.payments" in out.stdout and "invoices" not in out.stdout


def test_unreadable_baseline_is_a_positioned_usage_error(tmp_path):
    bad = tmp_path / "baseline.json"
    bad.write_text("{not json")
    out = specmesh("lint", str(write_repo(tmp_path, PRIVATE_CONSUMER)), "--baseline", str(bad))
    assert out.returncode == 2 and "baseline.json:1:2: error: baseline is not JSON" in out.stderr
    assert "Traceback" not in out.stderr


def test_finding_in_a_referenced_schema_file_points_into_that_file(tmp_path):
    repo = tmp_path / "fitness"
    shutil.copytree(EXAMPLES / "health-fitness", repo)
    (repo / ".git").mkdir()
    avsc = repo / "schema" / "health.fitness.Workout.avsc"
    text = avsc.read_text().replace('"pii": true, "doc": "Athlete\'s e-mail, for coaching follow-up."', '"pii": true')
    assert text != avsc.read_text()
    avsc.write_text(text)
    line = next(i for i, l in enumerate(text.splitlines(), 1) if '"email"' in l)
    out = specmesh("lint", str(repo), "--fail-on", "warning")
    assert out.returncode == 1
    assert f"health.fitness.Workout.avsc:{line}:" in out.stdout and "PII-DOC PII field email" in out.stdout


@pytest.mark.parametrize("fmt", ["json", "sarif", "github", "junit", "text"])
def test_clean_examples_in_every_format(fmt):
    out = specmesh("lint", str(EXAMPLES), "--format", fmt)
    assert out.returncode == 0, out.stdout + out.stderr
    if fmt == "sarif":
        jsonschema.Draft4Validator(SARIF_SCHEMA).validate(json.loads(out.stdout))
    if fmt == "junit":
        assert ET.fromstring(out.stdout).get("tests") == "5"
