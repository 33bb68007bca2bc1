"""`specmesh verify`'s pure parts: the wire format, the checks on records, readers against grants,
the tail plan, --fail-on, and the report as the portal shows it (the live runs are in
tests/e2e/test_verify.py)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

from specmesh_docs.errors import SpecError
from specmesh_docs.model.model import Topic
from specmesh_docs.model.schemas import Schema
from specmesh_docs.verify.checks import WriterSchema, bundle, role_check
from specmesh_docs.verify.frame import Unframed, split
from specmesh_docs.verify.readers import classify, domain_of
from specmesh_docs.verify.report import failures, parse_fail_on, to_markdown, to_text
from specmesh_docs.verify.tail import plan
from tests.conftest import EXAMPLES, REPO

ORDER = {"type": "record", "name": "Order", "namespace": "x.shop",
         "fields": [{"name": "id", "type": "string"}, {"name": "amount", "type": "double"}]}
ORDER_V2 = {"type": "record", "name": "Order", "namespace": "x.shop",
            "fields": [{"name": "id", "type": "string"}, {"name": "amount", "type": "double"},
                       {"name": "note", "type": "string"}]}


class FakeRegistry:
    """checks.Writers as data: id -> schema, subject -> ids (the real one is in the e2e tests)."""

    def __init__(self, schemas: dict[int, WriterSchema], subjects: dict[str, set[int]]):
        self.schemas, self.subjects = schemas, subjects

    def schema(self, schema_id):
        return self.schemas.get(schema_id)

    def ids(self, subject):
        return self.subjects.get(subject, set())


def avro_bytes(schema: dict, value: dict) -> bytes:
    import fastavro

    out = io.BytesIO()
    fastavro.schemaless_writer(out, fastavro.parse_schema(schema), value)
    return out.getvalue()


def frame(schema_id: int, body: bytes) -> bytes:
    return b"\0" + schema_id.to_bytes(4, "big") + body


def topic(value: Schema, configs: dict | None = None, **extra) -> Topic:
    return Topic("x.shop._public.orders", "_public.orders", "_public", None, configs=configs or {}, value=value, **extra)


def test_the_wire_format_and_its_protobuf_indexes():
    assert split(frame(7, b"abc")).schema_id == 7 and bytes(split(frame(7, b"abc")).body) == b"abc"
    assert split(b"\0\0\0\0\x09\x00rest", protobuf=True).indexes == (0,)
    assert split(b"\0\0\0\0\x09\x04\x02\x06rest", protobuf=True).indexes == (1, 3)  # zig-zag: count 2, then 1 and 3
    for bad in (b"", b"\0\0\0", b"{\"id\": 1}", b"\x01\0\0\0\x01"):
        with pytest.raises(Unframed):
            split(bad)
    with pytest.raises(Unframed):
        split(b"\0\0\0\0\x09\x80", protobuf=True)  # a varint cut short


def test_avro_records_resolve_into_the_spec_schema_or_name_the_field():
    spec = Schema("avro", [], document=ORDER, full_name="x.shop.Order", file="order.avsc")
    spec.fields = [object()]  # registrable: a file with fields
    registry = FakeRegistry({1: WriterSchema("AVRO", ORDER), 2: WriterSchema("AVRO", ORDER_V2),
                             3: WriterSchema("AVRO", {"type": "record", "name": "Order", "namespace": "x.shop",
                                                      "fields": [{"name": "id", "type": "int"}]}),
                             4: WriterSchema("JSON", {"type": "object"})},
                            {"x.shop._public.orders-value": {1, 2, 3, 4}})
    check = role_check(topic(spec), "value", registry)
    assert check.check(frame(1, avro_bytes(ORDER, {"id": "a", "amount": 1.0}))) == []
    assert check.check(frame(2, avro_bytes(ORDER_V2, {"id": "a", "amount": 1.0, "note": "n"}))) == []  # resolves
    [mismatch] = check.check(frame(3, avro_bytes({"type": "record", "name": "Order", "namespace": "x.shop",
                                                 "fields": [{"name": "id", "type": "int"}]}, {"id": 5})))
    assert (mismatch.rule, mismatch.schema_id) == ("SCHEMA-MISMATCH", 3) and mismatch.path in ("id", "amount")
    assert [v.rule for v in check.check(frame(1, b"\x02"))] == ["UNDECODABLE"]
    assert [v.rule for v in check.check(frame(1, avro_bytes(ORDER, {"id": "a", "amount": 1.0}) + b"zz"))] == ["UNDECODABLE"]
    assert [v.rule for v in check.check(frame(4, b"{}"))] == ["WRONG-FORMAT"]
    assert [v.rule for v in check.check(frame(9, b""))] == ["UNKNOWN-SCHEMA-ID"]
    assert [v.rule for v in check.check(b'{"id": "a"}')] == ["NOT-FRAMED"]
    assert [v.rule for v in check.check(None)] == ["NULL-VALUE"]
    assert role_check(topic(spec, {"cleanup.policy": "compact"}), "value", registry).check(None) == []
    registry.subjects["x.shop._public.orders-value"] = {2}
    assert [v.rule for v in check.check(frame(1, avro_bytes(ORDER, {"id": "a", "amount": 1.0})))] == ["WRONG-SUBJECT"]


def test_json_records_are_validated_with_paths_that_never_hold_data():
    document = {"type": "object", "required": ["id"], "properties": {
        "id": {"type": "string"}, "tags": {"type": "object", "additionalProperties": {"type": "integer"}},
        "lines": {"type": "array", "items": {"$ref": "#/definitions/line"}}},
        "definitions": {"line": {"type": "object", "properties": {"qty": {"type": "integer", "minimum": 1}}}}}
    line = document["definitions"]["line"]
    resolved = {**document, "properties": {**document["properties"], "lines": {"type": "array", "items": line}}}
    spec = Schema("json", [object()], document=document, file="s.json", resolved=resolved)
    registry = FakeRegistry({5: WriterSchema("JSON", document)}, {"x.shop._public.orders-value": {5}})
    check = role_check(topic(spec), "value", registry)
    assert check.check(frame(5, b'{"id": "a", "lines": [{"qty": 2}]}')) == []
    found = check.check(frame(5, json.dumps({"lines": [{"qty": 0}], "tags": {"alice@example.com": "x"}}).encode()))
    assert {(v.path, v.detail) for v in found} == {("", "required: id is missing"), ("lines[].qty", "minimum not met"),
                                                   ("tags.*", "type not met")}
    assert [v.rule for v in check.check(frame(5, b"not json"))] == ["UNDECODABLE"]
    assert [v.rule for v in check.check(frame(5, b"[" * 5000 + b"]" * 5000))] == ["UNDECODABLE"]


def test_a_recursive_schema_bundles_into_one_document_of_the_graph_size():
    node: dict = {"type": "object", "properties": {}}
    node["properties"]["child"] = node  # recursion, as the loader leaves it
    shared = {"type": "string", "maxLength": 3}
    root = {"type": "object", "properties": {"a": shared, "b": shared, "tree": node, "url": {"$ref": "https://x/y"}}}
    document, names = bundle(root)
    json.dumps(document)  # finite and plain
    assert names == {"a", "b", "tree", "url", "child"}
    import jsonschema_rs

    v = jsonschema_rs.validator_for(document)
    assert v.is_valid({"a": "abc", "tree": {"child": {"child": {}}}, "url": 5})
    assert not v.is_valid({"b": "abcd"}) and not v.is_valid({"tree": {"child": {"child": 3}}})
    self_root: dict = {"type": "object", "properties": {}}
    self_root["properties"]["me"] = self_root
    doc, _ = bundle(self_root)
    assert doc["properties"]["me"] == {"$ref": "#"}


def test_readers_against_grants():
    t = Topic("acme.shop._protected.orders", "_protected.orders", "_protected", None, grants=["acme.billing", "acme.audit"])
    domains = ["acme.shop", "acme.billing", "acme.audit", "acme", "acme.rogue"]
    assert domain_of("acme.shop.app", domains) == "acme.shop" and domain_of("acme.x", domains) == "acme"
    assert domain_of("acme.shopper.x", domains) == "acme" and domain_of("other", domains) is None
    found = classify(t, "acme.shop", ["acme.shop.app", "acme.billing.r", "acme.rogue.r", "random"], domains,
                     {"acme.analytics"})
    assert {g["group"]: g["status"] for g in found.groups} == {
        "acme.shop.app": "owner", "acme.billing.r": "granted", "acme.rogue.r": "undeclared", "random": "unknown"}
    assert found.undeclared == ["acme.rogue"] and found.unknown == ["random"]
    assert found.idle == ["acme.analytics", "acme.audit"]
    public = Topic("acme.shop._public.x", "_public.x", "_public", None)
    assert classify(public, "acme.shop", ["acme.rogue.r"], domains, set()).groups[0]["status"] == "public"
    assert classify(t, "acme.shop", ["acme.shop.app"], domains, set(), delimiter="-").groups[0]["status"] == "unknown"


def test_the_tail_is_spread_over_partitions():
    counts = {"t": 3, "u": 1}
    earliest = {("t", 0): 0, ("t", 1): 0, ("t", 2): 990, ("u", 0): 5}
    latest = {("t", 0): 1000, ("t", 1): 10, ("t", 2): 1000, ("u", 0): 5}
    assert plan(counts, earliest, latest, 100) == {("t", 1): (0, 10), ("t", 2): (990, 1000), ("t", 0): (920, 1000)}
    assert plan({"t": 2}, {("t", 0): 0, ("t", 1): 0}, {("t", 0): 7, ("t", 1): 7}, 100) == {("t", 0): (0, 7), ("t", 1): (0, 7)}


def report(**topic_fields) -> dict:
    row = {"name": "x.shop._public.orders", "access": "_public", "exists": True, "partitions": 1, "complete": True,
           "records": {"read": 10, "valid": 10, "invalid": 0, "unchecked": 0, "too_large": 0}, "rules": {},
           "violations": [], "readers": {"groups": [], "undeclared": [], "idle": [], "unknown": []}}
    row.update(topic_fields)
    totals = {"topics": 1, "missing_topics": 0, "incomplete_topics": 0, "records_read": 10, "records_valid": 10,
              "records_invalid": 0, "records_unchecked": 0, "undeclared_readers": 0, "unknown_groups": 0}
    return {"version": 1, "kind": "specmesh-verify", "verified_at": "2026-11-30T10:00:00Z", "bootstrap": "b",
            "principal": "User:admin", "schema_registry": None, "records_per_topic": 100, "consumer_groups_seen": 0,
            "elapsed_seconds": 1.0, "records_per_second": 10.0, "totals": totals,
            "products": [{"domain": "x.shop", "spec": "s.yaml", "topics": [row]}]}


def test_fail_on_thresholds():
    bad = report(records={"read": 10, "valid": 8, "invalid": 2, "unchecked": 0, "too_large": 0})
    assert failures(bad, parse_fail_on("invalid")) and failures(bad, parse_fail_on("invalid>10%"))
    assert not failures(bad, parse_fail_on("invalid>20%")) and not failures(bad, parse_fail_on("none"))
    idle = report(readers={"groups": [], "undeclared": [], "idle": ["a.b"], "unknown": []})
    assert not failures(idle, parse_fail_on("invalid,undeclared,missing")) and failures(idle, parse_fail_on("idle"))
    assert failures(report(exists=False), parse_fail_on("missing"))
    for wrong in ("", "invalid>x%", "everything", "invalid>-1%"):
        with pytest.raises(SpecError):
            parse_fail_on(wrong)


def test_text_and_markdown_show_names_escaped():
    hostile = report(name="x.shop._public.<b>|\n", readers={"groups": [{"group": "g|<script>", "domain": None,
                                                                         "status": "unknown"}],
                                                             "undeclared": [], "idle": [], "unknown": ["g|<script>"]})
    text = to_text(hostile, parse_fail_on("invalid"))
    assert "\\n" in text and "<b>|\n" not in text
    md = to_markdown(hostile, parse_fail_on("invalid"))
    assert "<script>" not in md and "\\<script\\>" in md and "\\|" in md


def test_the_portal_shows_each_topic_verified_stale_or_not_and_the_worst_first(tmp_path):
    sale, budget, scores = ("finance.campaign._public.sale", "finance.campaign._protected.campaign-budget",
                            "health.life_enhancer._public.user-score")
    doc = report(name=sale, records={"read": 40, "valid": 37, "invalid": 3, "unchecked": 0, "too_large": 0},
                 rules={"NOT-FRAMED": 3}, readers={"groups": [{"group": "<img src=x onerror=alert(1)>",
                                                               "domain": None, "status": "unknown"}],
                                                   "undeclared": ["retail.rogue"], "idle": [], "unknown": []})
    clean = json.loads(json.dumps(doc["products"][0]["topics"][0]))
    clean.update(name=budget, records={"read": 5, "valid": 5, "invalid": 0, "unchecked": 0, "too_large": 0},
                 readers={"groups": [], "undeclared": [], "idle": [], "unknown": []}, rules={})
    doc["products"][0]["topics"].append(clean)
    (tmp_path / "verify.json").write_text(json.dumps(doc))
    env = {**os.environ, "SPECMESH_NOW": "2026-12-02T00:00:00Z", "SPECMESH_PORTAL_CACHE": str(tmp_path / "cache")}

    def build(out: str, *extra: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "specmesh_docs", "portal", "build", str(EXAMPLES), "--out",
                               str(tmp_path / out), "--verify", str(tmp_path / "verify.json"), *extra], cwd=REPO,
                              capture_output=True, text=True, timeout=300, env=env)

    assert build("site").returncode == 0
    from specmesh_docs.portal.pages import topic_path

    def page(site: str, name: str) -> str:
        return (tmp_path / site / topic_path(name)[:-3] / "index.html").read_text()

    html = {name: page("site", name) for name in (sale, budget, scores)}
    assert "smd-badge smd-pii\">violations" in html[sale] and "NOT-FRAMED 3" in html[sale]
    assert "<img src=x" not in html[sale] and "&lt;img src=x" in html[sale] and "retail.rogue" in html[sale]
    assert "smd-public\">conforming" in html[budget]
    assert "not verified" in html[scores] and "does not cover this topic" in html[scores]
    estate_page = (tmp_path / "site" / "verification" / "index.html").read_text()
    order = [estate_page.index(n) for n in (sale, budget)]
    assert order == sorted(order) and estate_page.index(scores) < estate_page.index(budget)  # not verified before green
    env["SPECMESH_NOW"] = (datetime(2026, 11, 30, 10, tzinfo=timezone.utc) + timedelta(days=8)).isoformat()
    assert build("stale").returncode == 0
    stale = page("stale", budget)
    assert "smd-protected\">stale" in stale and "conforming" not in stale
    (tmp_path / "verify.json").write_text(json.dumps({**doc, "verified_at": "yesterday"}))
    bad = build("bad")
    assert bad.returncode == 2 and "verify.json:1:1" in bad.stderr and "Traceback" not in bad.stderr


def test_avro_records_of_a_schema_with_references_in_other_files():
    """The example's tenants reference platform.control_plane.Region in another file: both the spec's
    schema and the writer's keep their name tables (fastavro would otherwise parse them again, bare)."""
    import fastavro

    from specmesh_docs.model import load_spec
    from specmesh_docs.verify.checks import parsed_avro

    product = load_spec(EXAMPLES / "platform-control-plane" / "platform-control-plane-api.yaml")
    topic = next(t for t in product.topics if t.value is not None and t.value.format == "avro" and t.value.named)
    writer = WriterSchema("AVRO", topic.value.document, topic.value.named)
    subject = f"{topic.name}-value"
    check = role_check(topic, "value", FakeRegistry({3: writer}, {subject: {3}}))
    from specmesh_docs.sample import records

    body = io.BytesIO()
    fastavro.schemaless_writer(body, parsed_avro(topic.value.document, topic.value.named), records(topic.value, 1)[0])
    assert check.check(frame(3, body.getvalue())) == []
