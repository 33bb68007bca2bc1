"""`specmesh diff`: real git repositories made here, a commit per kind of change."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from specmesh_docs.compat import problems
from specmesh_docs.compat.json_schema import reader_problems
from specmesh_docs.model.schemas import Schema
from tests.conftest import REPO

SPEC = """asyncapi: '2.6.0'
id: 'urn:acme.orders'
info: {{title: Orders, version: '{version}', contact: {{name: O, email: o@acme.example}}}}
channels:
  {access}.order:
    bindings: {{kafka: {{partitions: {partitions}, configs: {{cleanup.policy: {cleanup}, retention.ms: {retention}}}}}}}
    publish:
      operationId: publishOrder
      summary: Orders.
{tags}      message:
        schemaFormat: application/vnd.apache.avro+json;version=1.9.0
        bindings: {{kafka: {{key: {{type: {key}}}}}}}
        payload: {{$ref: schema/acme.orders.Order.avsc}}
{extra}"""

ORDER = {"type": "record", "name": "Order", "namespace": "acme.orders",
         "fields": [{"name": "id", "type": "string"}, {"name": "email", "type": "string", "pii": True}]}

READER = """asyncapi: '2.6.0'
id: 'urn:acme.billing'
info: {title: Billing, version: '1.0.0', contact: {name: B, email: b@acme.example}}
channels:
  acme.orders._protected.order:
    subscribe:
      operationId: readOrders
      summary: Read.
      message: {name: Order}
"""


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout


def write(repo: Path, *, access="_protected", partitions=3, cleanup="delete", retention=604800000, key="string",
          version="1.0.0", grant="acme.billing", schema=None, extra="", accept="") -> None:
    tags = f"      tags: [{{name: 'grant-access:{grant}'}}]\n" if grant else ""
    text = SPEC.format(access=access, partitions=partitions, cleanup=cleanup, retention=retention, key=key,
                       version=version, tags=tags, extra=extra)
    (repo / "orders").mkdir(parents=True, exist_ok=True)
    (repo / "orders" / "schema").mkdir(exist_ok=True)
    (repo / "orders" / "orders-api.yaml").write_text(text + accept)
    (repo / "orders" / "schema" / "acme.orders.Order.avsc").write_text(json.dumps(schema or ORDER))
    (repo / "billing").mkdir(exist_ok=True)
    (repo / "billing" / "billing-api.yaml").write_text(READER)


def commit(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "-c", "user.email=t@acme.example", "-c", "user.name=t", "commit", "-qm", message, "--allow-empty")
    return git(repo, "rev-parse", "HEAD").strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    write(path)
    commit(path, "base")
    return path


def diff(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "specmesh_docs", "diff", *args], cwd=repo, capture_output=True,
                          text=True, timeout=120, env={"PATH": "/usr/bin:/bin", "HOME": str(repo)})


def rules(out: subprocess.CompletedProcess) -> dict[str, str]:
    doc = json.loads(out.stdout)
    return {c["rule"]: c["severity"] for c in doc["changes"]}


def test_an_unchanged_working_tree_has_nothing_to_report(repo):
    out = diff(repo, "main")
    assert out.returncode == 0 and out.stdout.strip() == f"Diff main (commit {git(repo, 'rev-parse', 'main').strip()[:12]}) -> working tree: 0 breaking, 0 risky, 0 safe, 0 accepted"


@pytest.mark.parametrize("edit, rule, severity", [
    (dict(access="_private"), "ACCESS-NARROWED", "breaking"),
    (dict(access="_public"), "ACCESS-WIDENED", "risky"),
    (dict(grant=None), "GRANT-REMOVED", "breaking"),
    (dict(partitions=2), "PARTITIONS-DECREASED", "breaking"),
    (dict(partitions=6), "PARTITIONS-INCREASED-KEYED", "risky"),
    (dict(cleanup="compact"), "CLEANUP-POLICY-CHANGED", "breaking"),
    (dict(retention=3600000), "RETENTION-LOWERED", "risky"),
    (dict(key="long"), "KEY-SCHEMA-CHANGED", "breaking"),
    (dict(schema={**ORDER, "fields": ORDER["fields"] + [{"name": "branch", "type": "string"}]}), "SCHEMA-INCOMPATIBLE",
     "breaking"),
    (dict(schema={**ORDER, "fields": ORDER["fields"] + [{"name": "branch", "type": "string", "default": ""}]}),
     "SCHEMA-COMPATIBLE", "safe"),
    (dict(schema={**ORDER, "fields": [ORDER["fields"][0], {"name": "email", "type": "string"}]}), "PII-REMOVED", "risky"),
])
def test_each_kind_of_change_is_classified(repo, edit, rule, severity):
    write(repo, **edit)
    head = commit(repo, f"change: {rule}")
    out = diff(repo, "main~1", head, "--format", "json")
    found = rules(out)
    assert found.get(rule) == severity, out.stdout
    breaking = any(s == "breaking" for s in found.values())
    assert out.returncode == (1 if breaking else 0)
    if breaking:
        assert found.get("VERSION-NOT-BUMPED") == "breaking"


def test_a_breaking_change_with_a_major_bump_needs_no_version_finding_and_a_reason_accepts_it(repo):
    write(repo, cleanup="compact", version="2.0.0")
    out = diff(repo, "main", "--format", "json")
    assert rules(out) == {"CLEANUP-POLICY-CHANGED": "breaking"}
    accept = "x-specmesh-accept-breaking:\n  - {rule: CLEANUP-POLICY-CHANGED, reason: 'agreed with billing in TICKET-7'}\n"
    write(repo, cleanup="compact", version="2.0.0", accept=accept)
    out = diff(repo, "main", "--format", "json")
    assert out.returncode == 0 and rules(out) == {"CLEANUP-POLICY-CHANGED": "accepted"}
    assert json.loads(out.stdout)["changes"][0]["accepted_because"] == "agreed with billing in TICKET-7"
    write(repo, cleanup="compact", version="2.0.0", accept=accept.replace("reason: 'agreed with billing in TICKET-7'", "reason: ''"))
    assert diff(repo, "main").returncode == 1  # no reason, no effect


def test_a_removed_topic_names_its_consumers_and_a_moved_spec_is_not_removed_and_added(repo):
    git(repo, "mv", "orders", "orders-moved")
    commit(repo, "move the spec's folder")
    assert diff(repo, "main~1", "main", "--format", "json").returncode == 0
    assert rules(diff(repo, "main~1", "main", "--format", "json")) == {}
    spec = repo / "orders-moved" / "orders-api.yaml"
    spec.write_text(spec.read_text().replace("_protected.order:", "_protected.invoice:"))
    out = diff(repo, "main", "--format", "json")
    removed = [c for c in json.loads(out.stdout)["changes"] if c["rule"] == "TOPIC-REMOVED"]
    assert removed and removed[0]["affected"] == ["acme.billing"] and removed[0]["position"].startswith("main:orders-moved/")


def test_transitive_levels_compare_with_every_earlier_version_in_history(repo):
    """v1 (base commit) has no `x`; v2 adds it with a default; v3 drops the default. v3 reads v2's
    data but not v1's: compatible under BACKWARD, breaking under BACKWARD_TRANSITIVE, which finds
    v1 in git history although BASE is v2."""
    v2 = {**ORDER, "fields": ORDER["fields"] + [{"name": "x", "type": "string", "default": ""}]}
    write(repo, schema=v2)
    commit(repo, "v2: x with a default")
    write(repo, schema={**ORDER, "fields": ORDER["fields"] + [{"name": "x", "type": "string"}]})
    (repo / "specmesh.yaml").write_text("schema_compatibility: BACKWARD\n")
    assert rules(diff(repo, "main", "--format", "json")) == {"SCHEMA-COMPATIBLE": "safe"}
    (repo / "specmesh.yaml").write_text("schema_compatibility: BACKWARD_TRANSITIVE\n")
    out = diff(repo, "main", "--format", "json")
    change = next(c for c in json.loads(out.stdout)["changes"] if c["rule"] == "SCHEMA-INCOMPATIBLE")
    assert "READER_FIELD_MISSING_DEFAULT_VALUE at x: " in change["message"] and change["message"].endswith("(new reads old)")


@pytest.mark.parametrize("level, old_fields, new_fields, compatible", [
    ("BACKWARD", [], [{"name": "b", "type": "string", "default": ""}], True),
    ("BACKWARD", [], [{"name": "b", "type": "string"}], False),
    ("FORWARD", [], [{"name": "b", "type": "string"}], True),
    ("FORWARD", [{"name": "b", "type": "string"}], [], False),
    ("FORWARD", [{"name": "b", "type": "string", "default": ""}], [], True),
    ("BACKWARD", [{"name": "n", "type": "int"}], [{"name": "n", "type": "long"}], True),
    ("FORWARD", [{"name": "n", "type": "int"}], [{"name": "n", "type": "long"}], False),
    ("BACKWARD", [{"name": "e", "type": {"type": "enum", "name": "E", "symbols": ["A"]}}],
     [{"name": "e", "type": {"type": "enum", "name": "E", "symbols": ["A", "B"]}}], True),
    ("FORWARD", [{"name": "e", "type": {"type": "enum", "name": "E", "symbols": ["A"]}}],
     [{"name": "e", "type": {"type": "enum", "name": "E", "symbols": ["A", "B"]}}], False),
    ("BACKWARD", [{"name": "u", "type": ["null", "string"]}], [{"name": "u", "type": ["null", "string", "int"]}], True),
    ("BACKWARD", [{"name": "u", "type": ["null", "string"]}], [{"name": "u", "type": ["null"]}], False),
    ("FULL", [], [{"name": "b", "type": "string", "default": ""}], True),
    ("FULL", [], [{"name": "b", "type": "string"}], False),
    ("NONE", [], [{"name": "b", "type": "string"}], True),
])
def test_avro_compatibility_by_level(level, old_fields, new_fields, compatible):
    old = Schema("avro", [], document={"type": "record", "name": "R", "fields": [{"name": "id", "type": "string"}, *old_fields]})
    new = Schema("avro", [], document={"type": "record", "name": "R", "fields": [{"name": "id", "type": "string"}, *new_fields]})
    assert (problems(level, [old], new) == []) == compatible, problems(level, [old], new)


def test_avro_record_renamed_with_an_alias_reads_the_old_name_and_messages_name_the_rule():
    old = Schema("avro", [], document={"type": "record", "name": "R", "namespace": "a", "fields": [{"name": "x", "type": "int"}]})
    renamed = Schema("avro", [], document={"type": "record", "name": "S", "namespace": "a", "aliases": ["a.R"],
                                           "fields": [{"name": "x", "type": "int"}]})
    bare = Schema("avro", [], document={"type": "record", "name": "S", "namespace": "a", "fields": [{"name": "x", "type": "int"}]})
    assert problems("BACKWARD", [old], renamed) == []
    assert [p.rule for p in problems("BACKWARD", [old], bare)] == ["NAME_MISMATCH"]
    added = Schema("avro", [], document={**old.document, "fields": [{"name": "x", "type": "int"}, {"name": "branch", "type": "string"}]})
    assert [str(p) for p in problems("BACKWARD", [old], added)] == [
        "READER_FIELD_MISSING_DEFAULT_VALUE at branch: the reader has this field without a default, the writer does "
        "not write it (new reads old)"]


def test_the_transitive_level_checks_every_earlier_version_the_plain_one_only_the_last():
    v1 = Schema("avro", [], document={"type": "record", "name": "R", "fields": [{"name": "id", "type": "string"}]})
    v2 = Schema("avro", [], document={"type": "record", "name": "R", "fields": [
        {"name": "id", "type": "string"}, {"name": "x", "type": "string", "default": ""}]})
    v3 = Schema("avro", [], document={"type": "record", "name": "R", "fields": [
        {"name": "id", "type": "string"}, {"name": "x", "type": "string"}]})  # reads v2's data, not v1's
    assert problems("BACKWARD", [v1, v2], v3) == []
    assert [(p.rule, p.path) for p in problems("BACKWARD_TRANSITIVE", [v1, v2], v3)] == [
        ("READER_FIELD_MISSING_DEFAULT_VALUE", "x")]


@pytest.mark.parametrize("old, new, rule", [
    ("message M { string id = 1; int64 total = 2; }", "message M { string id = 1; string total = 2; }",
     "FIELD_WIRE_COMPATIBLE_TYPE"),
    ("message M { string id = 1; int64 total = 2; }", "message M { string id = 1; }",
     "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED"),
    ("message M { string id = 1; int64 total = 2; }", "message M { string id = 1; bytes reused = 2; }",
     "FIELD_WIRE_COMPATIBLE_TYPE"),
])
def test_protobuf_breaking_changes_by_buf(old, new, rule):
    before = Schema("protobuf", [], document=f'syntax = "proto3";\npackage a;\n{old}\n')
    after = Schema("protobuf", [], document=f'syntax = "proto3";\npackage a;\n{new}\n')
    found = problems("BACKWARD", [before], after)
    assert found and found[0].rule == rule and found[0].path.startswith("M."), found
    reserved = Schema("protobuf", [], document='syntax = "proto3";\npackage a;\nmessage M { string id = 1; reserved 2; }\n')
    if rule == "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED":
        assert problems("BACKWARD", [before], reserved) == []


@pytest.mark.parametrize("reader, writer, rule", [
    ({"type": "object", "required": ["a", "b"]}, {"type": "object", "required": ["a"]}, ("REQUIRED_PROPERTY_ADDED", "b")),
    ({"type": "object", "properties": {"a": {}}, "additionalProperties": False},
     {"type": "object", "properties": {"a": {}, "b": {}}, "additionalProperties": False}, ("PROPERTY_NOT_ALLOWED", "b")),
    ({"type": "object", "additionalProperties": False}, {"type": "object"}, ("CONTENT_MODEL_CLOSED", "")),
    ({"properties": {"n": {"type": "integer"}}}, {"properties": {"n": {"type": "number"}}}, ("TYPE_NARROWED", "n")),
    ({"properties": {"s": {"enum": ["A"]}}}, {"properties": {"s": {"enum": ["A", "B"]}}}, ("ENUM_NARROWED", "s")),
])
def test_json_schema_rule_set(reader, writer, rule):
    found = reader_problems(reader, writer)
    assert rule in [(r, path) for r, path, _ in found], found
    assert reader_problems(writer, writer) == []


def test_formats_are_escaped_and_bad_refs_are_usage_errors(repo):
    write(repo, partitions=2)
    md = diff(repo, "main", "--format", "markdown")
    assert md.returncode == 1 and md.stdout.startswith("### specmesh diff: **Breaking changes**")
    assert "| ❌ breaking | acme.orders | PARTITIONS-DECREASED |" in md.stdout
    gh = diff(repo, "main", "--format", "github")
    assert "::error file=orders/orders-api.yaml,line=5,col=3,title=PARTITIONS-DECREASED::" in gh.stdout
    assert diff(repo, "main", "--fail-on", "risky").returncode == 1
    for bad in ("--upload-pack=touch /tmp/x", "no-such-branch", "main..evil;rm"):
        out = diff(repo, bad)
        assert out.returncode == 2 and "Traceback" not in out.stderr, out.stderr
    assert not (repo / ".git" / "specmesh-diff").exists() and git(repo, "status", "--porcelain").strip() == \
        "M orders/orders-api.yaml"  # nothing written to the work tree


def test_a_hostile_value_cannot_inject_markup_into_the_pull_request_comment(repo):
    from specmesh_docs.diff.compare import Change
    from specmesh_docs.diff.report import to_markdown
    from specmesh_docs.diff.run import DiffResult
    from specmesh_docs.diff.sides import Side

    result = DiffResult(Side("main", repo), Side("working tree", repo),
                        [Change("breaking", "TOPIC-REMOVED", "acme.orders", "topic <script>alert(1)</script> | x\n# y")])
    text = to_markdown(result)
    assert "<script>" not in text and "\n# y" not in text and "\\| x" in text


def test_one_spec_diffs_offline_as_the_registry_judges(corpus, tmp_path):
    """The conformance update (compatible) and incompatible specs, as two directories each."""
    for name, expected in (("provisioner-update-functional-test-api.yaml", "SCHEMA-COMPATIBLE"),
                           ("provisioner-incompatible-functional-test-api.yaml", "SCHEMA-INCOMPATIBLE")):
        base, head = tmp_path / name / "base", tmp_path / name / "head"
        for side, spec in ((base, "provisioner-functional-test-api.yaml"), (head, name)):
            side.mkdir(parents=True)
            (side / "x-api.yaml").write_text((corpus / "kafka" / spec).read_text())
            shutil.copytree(corpus / "kafka" / "schema", side / "schema")
        out = subprocess.run([sys.executable, "-m", "specmesh_docs", "diff", str(base), str(head), "--format", "json"],
                             cwd=REPO, capture_output=True, text=True, timeout=120)
        assert out.returncode in (0, 1) and "Traceback" not in out.stderr, out.stderr
        assert expected in rules(out), out.stdout


def test_only_specs_whose_files_or_references_differ_are_read_again(tmp_path):
    from specmesh_docs.diff.changed import changed_paths, files_of, may_have_changed

    for side in ("a", "b"):
        for name in ("one", "two", "three"):
            (tmp_path / side / name / "schema").mkdir(parents=True)
            (tmp_path / side / name / f"{name}-api.yaml").write_text(
                "payload: {$ref: schema/x.Main.avsc}\n" if name != "three" else "payload: {$ref: '../common/y.json'}\n")
            (tmp_path / side / name / "schema" / "x.Main.avsc").write_text('{"type": "record", "name": "Main"}')
        (tmp_path / side / "common").mkdir()
        (tmp_path / side / "common" / "y.json").write_text("{}")
    (tmp_path / "b" / "one" / "schema" / "x.Other.avsc").write_text('{"type": "enum"}')  # found by name, beside
    (tmp_path / "b" / "common" / "y.json").write_text('{"type": "object"}')  # reached through ../
    a, b = files_of(tmp_path / "a"), files_of(tmp_path / "b")
    changed = changed_paths(a, b)
    specs = {f"{n}/{n}-api.yaml" for n in ("one", "two", "three")}
    assert changed == {"one/schema/x.Other.avsc", "common/y.json"}
    assert [may_have_changed(s, b, changed, specs) for s in sorted(specs)] == [True, True, False]  # one, three, two


def test_snapshots_load_a_spec_again_only_when_a_file_it_reads_changed(repo, tmp_path):
    """The spec file unchanged, its schema file changed: a new version. An unrelated commit: the same one."""
    from specmesh_docs.diff.sides import Snapshots
    from specmesh_docs.policy import PolicyCache

    write(repo, schema={**ORDER, "fields": ORDER["fields"] + [{"name": "branch", "type": "string"}]})
    schema_changed = commit(repo, "schema only")
    (repo / "billing" / "notes.yaml").write_text("unrelated: true\n")
    unrelated = commit(repo, "unrelated")
    snapshots = Snapshots(repo, tmp_path / "scratch", PolicyCache())
    rel = "orders/orders-api.yaml"
    base, changed, same = (snapshots.product(ref, rel, "acme.orders") for ref in ("HEAD~2", schema_changed, unrelated))

    def fields(product):
        return [f.name for f in product.topics[0].value.fields]
    assert fields(base) == ["id", "email"] and fields(changed) == ["id", "email", "branch"]
    assert same is changed  # reused: every file it read has the same blob id
    assert snapshots.product(unrelated, "orders/missing-api.yaml", "acme.orders") is None
    assert snapshots.product("no-such-ref", rel, "acme.orders") is None
