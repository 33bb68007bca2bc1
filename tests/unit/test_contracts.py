"""Field-level consumer contracts: consumers declare what they read (`x-specmesh-reads`), `diff`
names exactly whom a schema change breaks, and a change nobody reads is risky, not breaking.
Avro, JSON Schema and Protobuf estates, two declaring consumers and one that declares nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, REPO

OWNER = """asyncapi: '2.6.0'
id: 'urn:acme.orders'
info: {{title: Orders, version: '{version}', contact: {{name: Orders, email: orders@acme.example}}}}
channels:
  _public.order:
    bindings: {{kafka: {{partitions: 3}}}}
    publish:
      operationId: publishOrder
      summary: Orders.
      message:
        schemaFormat: {fmt}
        bindings: {{kafka: {{key: {{type: string, description: Order id.}}}}}}
        payload: {{$ref: schema/order.{ext}}}
"""
CONSUMER = """asyncapi: '2.6.0'
id: 'urn:{domain}'
info: {{title: C, version: '1.0.0', contact: {{name: C, email: c@acme.example}}}}
channels:
  acme.orders._public.order:
    subscribe:
      operationId: readOrders
      summary: Reads orders.
{reads}      message: {{name: Order}}
"""
FORMATS = {"avro": ("application/vnd.apache.avro+json;version=1.9.0", "avsc"),
           "json": ("application/schema+json;version=draft-07", "json"),
           "protobuf": ("application/vnd.google.protobuf;version=3", "proto")}


def avro(qty: str = "int", sku: str = "string", note: str = "string") -> str:
    return json.dumps({"type": "record", "name": "Order", "namespace": "acme.orders", "fields": [
        {"name": "id", "type": "string", "doc": "Id."},
        {"name": "note", "type": note, "doc": "Free text."},
        {"name": "lines", "doc": "Lines.", "type": {"type": "array", "items": {
            "type": "record", "name": "Line", "fields": [{"name": "sku", "type": sku, "doc": "Sku."},
                                                         {"name": "qty", "type": qty, "doc": "Qty."}]}}},
        {"name": "payment", "doc": "Payment.", "type": ["null", {"type": "record", "name": "Card", "fields": [
            {"name": "last4", "type": "string", "doc": "Last digits."}]}], "default": None}]})


def json_schema(qty: str = "integer", sku: str = "string", note: str = "string") -> str:
    return json.dumps({"type": "object", "additionalProperties": False, "properties": {
        "id": {"type": "string", "description": "Id."}, "note": {"type": note, "description": "Free text."},
        "lines": {"type": "array", "description": "Lines.", "items": {"type": "object", "properties": {
            "sku": {"type": sku, "description": "Sku."}, "qty": {"type": qty, "description": "Qty."}}}}}})


def proto(qty: str = "int64", sku: str = "string", note: str = "string") -> str:
    return (f'syntax = "proto3";\npackage acme.orders;\n\nmessage Order {{\n  // Id.\n  string id = 1;\n'
            f'  // Free text.\n  {note} note = 2;\n  // Quantity of the first line.\n  {qty} qty = 3;\n'
            f'  // Sku of the first line.\n  {sku} sku = 4;\n}}\n')


SCHEMAS = {"avro": avro, "json": json_schema, "protobuf": proto}
# what each consumer reads, per format (the Protobuf message is flat)
READS = {
    "avro": {"acme.billing": "[id, 'lines[].qty']", "acme.stock": "['lines[].sku', payment.last4]"},
    "json": {"acme.billing": "[id, 'lines[].qty']", "acme.stock": "['lines[].sku']"},
    "protobuf": {"acme.billing": "[id, qty]", "acme.stock": "[sku]"},
}
# a change read by billing only, by stock only, and by nobody
CHANGES = {
    "avro": ({"qty": "string"}, {"sku": "int"}, {"note": "int"}),
    "json": ({"qty": "string"}, {"sku": "integer"}, {"note": "integer"}),
    "protobuf": ({"qty": "string"}, {"sku": "int64"}, {"note": "int64"}),
}


def estate(root: Path, fmt: str, change: dict, undeclared: bool = False) -> tuple[Path, Path]:
    mime, ext = FORMATS[fmt]
    sides = []
    for side, kwargs, version in (("base", {}, "1.0.0"), ("head", change, "2.0.0")):
        folder = root / side
        (folder / "orders" / "schema").mkdir(parents=True)
        (folder / "orders" / "orders-api.yaml").write_text(OWNER.format(version=version, fmt=mime, ext=ext))
        (folder / "orders" / "schema" / f"order.{ext}").write_text(SCHEMAS[fmt](**kwargs))
        for domain, reads in READS[fmt].items():
            (folder / domain).mkdir()
            (folder / domain / f"{domain}-api.yaml").write_text(
                CONSUMER.format(domain=domain, reads=f"      x-specmesh-reads: {reads}\n"))
        if undeclared:
            (folder / "acme.audit").mkdir()
            (folder / "acme.audit" / "acme.audit-api.yaml").write_text(CONSUMER.format(domain="acme.audit", reads=""))
        sides.append(folder)
    (root / ".git").mkdir(exist_ok=True)
    return sides[0], sides[1]


def diff(base: Path, head: Path) -> list[dict]:
    run = subprocess.run([sys.executable, "-m", "specmesh_docs", "diff", str(base), str(head), "--dirs", "--format",
                          "json"], cwd=REPO, capture_output=True, text=True, timeout=120,
                         env={k: v for k, v in os.environ.items() if not k.startswith("SPECMESH_")})
    assert run.returncode in (0, 1), run.stderr
    return [c for c in json.loads(run.stdout)["changes"] if c["rule"].startswith("SCHEMA-")]


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_a_change_names_exactly_the_consumers_that_read_the_field(fmt, tmp_path):
    billing_only, stock_only, nobody = CHANGES[fmt]
    found = diff(*estate(tmp_path / "billing", fmt, billing_only))
    assert found and {c["severity"] for c in found} == {"breaking"}, found
    assert {tuple(c["affected"]) for c in found} == {("acme.billing",)}, found
    assert all("breaks acme.billing" in c["message"] for c in found)
    found = diff(*estate(tmp_path / "stock", fmt, stock_only))
    assert found and {tuple(c["affected"]) for c in found} == {("acme.stock",)}, found
    found = diff(*estate(tmp_path / "nobody", fmt, nobody))
    assert found and {(c["severity"], c["rule"]) for c in found} == {("risky", "SCHEMA-INCOMPATIBLE-UNREAD")}, found
    assert all("no consumer reads note" in c["message"] and "acme.billing, acme.stock would break if they did"
               in c["message"] for c in found)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_a_consumer_without_a_declaration_still_breaks(fmt, tmp_path):
    found = diff(*estate(tmp_path, fmt, CHANGES[fmt][2], undeclared=True))
    assert found and {c["severity"] for c in found} == {"breaking"}, found
    assert {tuple(c["affected"]) for c in found} == {("acme.audit",)}
    assert all("acme.audit: no x-specmesh-reads, so every field" in c["message"] for c in found)


def test_a_union_branch_path_is_attributed(tmp_path):
    base, head = estate(tmp_path, "avro", {})
    schema = json.loads(avro())
    schema["fields"][3]["type"][1]["fields"][0]["type"] = "int"  # payment.last4, inside the union
    (head / "orders" / "schema" / "order.avsc").write_text(json.dumps(schema))
    found = diff(base, head)
    assert found and {tuple(c["affected"]) for c in found} == {("acme.stock",)}, found


def test_a_nested_protobuf_message_field_counts_for_every_reader(tmp_path):
    """buf names a nested message's field by its type (`Line.sku`), not by where it is used: every
    declared reader is named rather than none (a gate that cannot place the field must not go green)."""
    base, head = estate(tmp_path, "protobuf", {})
    nested = proto() .replace("}\n", "  Line line = 5;\n}\n\nmessage Line {\n  // Sku.\n  string sku = 1;\n}\n", 1)
    (base / "orders" / "schema" / "order.proto").write_text(nested)
    (head / "orders" / "schema" / "order.proto").write_text(nested.replace("  string sku = 1;\n}\n", "  int64 sku = 1;\n}\n"))
    found = diff(base, head)
    assert found and {c["severity"] for c in found} == {"breaking"}
    assert {tuple(c["affected"]) for c in found} == {("acme.billing", "acme.stock")}


def lint(*specs: Path) -> list[str]:
    from specmesh_docs.lint.runner import lint as run

    return [f"{f.rule} {f.message}" for f in run([str(s) for s in specs], jobs=1).findings]


def test_lint_names_unknown_paths_paths_of_another_topic_and_pii_without_a_reason(tmp_path):
    (tmp_path / ".git").mkdir()
    owner = tmp_path / "orders-api.yaml"
    owner.write_text(OWNER.format(version="1.0.0", fmt=FORMATS["json"][0], ext="json").replace(
        "payload: {$ref: schema/order.json}", "payload: {type: object, properties: {id: {type: string, description: "
        "Id.}, email: {type: string, x-pii: true, description: Mail.}}}") + """  _public.refund:
    bindings: {kafka: {partitions: 3}}
    publish:
      operationId: publishRefund
      summary: Refunds.
      message:
        bindings: {kafka: {key: {type: string, description: Refund id.}}}
        payload: {type: object, properties: {amount: {type: number, description: Amount.}}}
""")
    consumer = tmp_path / "billing-api.yaml"
    consumer.write_text(CONSUMER.format(domain="acme.billing", reads="      x-specmesh-reads: [id, idd, amount, email, "
                                        "{field: 'key:', reason: x}]\n"))
    found = lint(owner, consumer)
    unknown = [f for f in found if f.startswith("XSPEC-READS-UNKNOWN")]
    assert any("reads idd of acme.orders._public.order" in f for f in unknown)
    assert any("reads amount" in f and "it is a field of acme.orders._public.refund" in f for f in unknown)
    assert not any(" id of" in f for f in unknown)
    assert any(f.startswith("XSPEC-READS-PII") and "email" in f for f in found)
    consumer.write_text(CONSUMER.format(domain="acme.billing", reads="      x-specmesh-reads: [id, {field: email, "
                                        "reason: Invoices go by e-mail.}]\n"))
    assert not [f for f in lint(owner, consumer) if f.startswith("XSPEC-READS")]


def test_the_portal_shows_who_reads_each_field_and_what_a_consumer_depends_on(tmp_path):
    run = subprocess.run([sys.executable, "-m", "specmesh_docs", "portal", "build", str(EXAMPLES), "--out",
                          str(tmp_path / "site"), "--no-cache"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    page = (tmp_path / "site" / "topics" / "health.fitness._public.user-health" / "index.html").read_text()
    table = page[page.index("Value schema"):]
    assert "<th>Read by</th>" in table and "compatibility FULL_TRANSITIVE" in page

    def row(field: str) -> str:
        start = table.index(f"<tr><td>{field}</td>")
        return table[start:table.index("</tr>", start)]

    assert "health.life_enhancer" in row("steps") and "health.life_enhancer" in row("sleep.minutes")
    assert "read by nobody" in row("sleep.quality") and "read by nobody" in row("resting_heart_rate")
    product = (tmp_path / "site" / "products" / "health.life_enhancer" / "index.html").read_text()
    assert "<code>sleep.minutes</code>" in product and "every field (no <code>x-specmesh-reads</code>)" in product


def test_datahub_gets_fine_grained_lineage_from_the_declared_reads(tmp_path):
    from datahub.ingestion.source.file import read_metadata_file

    run = subprocess.run([sys.executable, "-m", "specmesh_docs", "catalog", "export", "--format", "datahub",
                          str(EXAMPLES), "--out", str(tmp_path), "--env", "DEV"], cwd=REPO, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    items = list(read_metadata_file(tmp_path / "datahub-mcps.json"))
    assert all(i.validate() for i in items)
    job = "urn:li:dataJob:(urn:li:dataFlow:(specmesh,health.life_enhancer,DEV),service)"
    io = next(i.aspect for i in items if i.entityUrn == job and i.aspectName == "dataJobInputOutput")
    dataset = "urn:li:dataset:(urn:li:dataPlatform:kafka,health.fitness._public.user-health,DEV)"
    wanted = {f"urn:li:schemaField:({dataset},{f})" for f in ("user_id", "day", "steps", "sleep.minutes")}
    assert wanted == set(io.inputDatasetFields)
    [lineage] = io.fineGrainedLineages
    assert set(lineage.upstreams) == wanted and lineage.upstreamType == "FIELD_SET"
