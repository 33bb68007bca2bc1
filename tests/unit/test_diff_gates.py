"""`specmesh diff` gates that must not lie: each case a real git repository and the CLI, each one
a way the gate was wrong before (an added Protobuf field read as breaking, `$ref`s never followed,
Avro types three files deep unparseable, one message for several problems, a folder shadowing
a ref, accepting what provisioning refuses, raw positions, a symlinked spec)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.unit.test_diff import commit, diff, git

HEAD = """asyncapi: '2.6.0'
id: 'urn:acme.orders'
info: {{title: Orders, version: '1.0.0', contact: {{name: O, email: o@acme.example}}}}
channels:
  _public.order:
    bindings: {{kafka: {{partitions: 3}}}}
    publish:
      operationId: publishOrder
      summary: Orders.
      message:
        schemaFormat: {fmt}
        payload: {{$ref: {ref}}}
"""
AVRO = "application/vnd.apache.avro+json;version=1.9.0"
JSON_SCHEMA = "application/schema+json;version=draft-07"
PROTO = "application/vnd.google.protobuf;version=3"


def make_repo(tmp_path: Path, fmt: str, ref: str, files: dict[str, object]) -> Path:
    repo = tmp_path / "repo"
    (repo / "orders").mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    (repo / "orders" / "orders-api.yaml").write_text(HEAD.format(fmt=fmt, ref=ref))
    put(repo, files)
    commit(repo, "base")
    return repo


def put(repo: Path, files: dict[str, object]) -> None:
    for rel, content in files.items():
        path = repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content if isinstance(content, str) else json.dumps(content))


def changes(out) -> list[dict]:
    return json.loads(out.stdout)["changes"]


def schema_lines(out) -> list[str]:
    return [c["message"] for c in changes(out) if c["rule"].startswith("SCHEMA-")]


PROTO_V1 = 'syntax = "proto3";\npackage acme.orders;\nmessage Order {\n  string id = 1;\n  int64 total = 2;\n}\n'


@pytest.mark.parametrize("new, verdict", [
    (PROTO_V1.replace("int64 total = 2;", "int64 total = 2;\n  string currency = 3;"), "SCHEMA-COMPATIBLE"),
    (PROTO_V1.replace("  int64 total = 2;\n", ""), "SCHEMA-INCOMPATIBLE"),
    (PROTO_V1.replace("  int64 total = 2;\n", "  reserved 2;\n"), "SCHEMA-COMPATIBLE"),
    (PROTO_V1.replace("int64 total = 2;", "string total = 2;"), "SCHEMA-INCOMPATIBLE"),
])
def test_protobuf_verdicts_under_full_follow_buf_new_against_old(tmp_path, new, verdict):
    """FULL asks both directions; an added field is compatible both ways (it was breaking before:
    buf ran with the sides swapped for "old reads new" and saw a deleted field)."""
    repo = make_repo(tmp_path, PROTO, "order.proto", {"orders/order.proto": PROTO_V1})
    (repo / "specmesh.yaml").write_text("schema_compatibility: FULL\n")
    commit(repo, "policy")
    put(repo, {"orders/order.proto": new})
    out = diff(repo, "main", "--format", "json")
    found = [c["rule"] for c in changes(out) if c["rule"].startswith("SCHEMA-")]
    assert found and set(found) == {verdict}, out.stdout
    if verdict == "SCHEMA-INCOMPATIBLE":
        assert all("Order." in m and m.endswith("(new reads old and old reads new)") for m in schema_lines(out))
        assert "(old reads new)" not in out.stdout.replace("new reads old and old reads new", "")


ORDER_JSON = {"type": "object", "properties": {
    "id": {"type": "string"}, "status": {"$ref": "#/definitions/Status"},
    "customer": {"$ref": "../common/customer.json"}},
    "definitions": {"Status": {"type": "string", "enum": ["NEW", "PAID", "SHIPPED"]}}}
CUSTOMER = {"type": "object", "properties": {"name": {"type": "string"}, "address": {"$ref": "address.json"}},
            "required": ["name"]}
ADDRESS = {"type": "object", "properties": {"street": {"type": "string"}}}


@pytest.mark.parametrize("edit, expected", [
    ({"orders/order.json": {**ORDER_JSON, "definitions": {"Status": {"type": "string", "enum": ["NEW", "SHIPPED"]}}}},
     [("ENUM_NARROWED", "status")]),
    ({"common/customer.json": {**CUSTOMER, "required": ["name", "phone"]}}, [("REQUIRED_PROPERTY_ADDED", "customer.phone")]),
    ({"common/address.json": {**ADDRESS, "required": ["zip"]}}, [("REQUIRED_PROPERTY_ADDED", "customer.address.zip")]),
    ({"common/address.json": {**ADDRESS, "properties": {"street": {"type": "string"}, "zip": {"type": "string"}}}},
     [("PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", "customer.address.zip")]),
    ({"common/address.json": {**ADDRESS, "properties": {}}}, []),
])
def test_json_schema_refs_are_followed_into_definitions_and_files_two_levels_deep(tmp_path, edit, expected):
    repo = make_repo(tmp_path, JSON_SCHEMA, "order.json", {"orders/order.json": ORDER_JSON,
                                                          "common/customer.json": CUSTOMER, "common/address.json": ADDRESS})
    (repo / "specmesh.yaml").write_text("schema_compatibility: BACKWARD\n")
    commit(repo, "policy")
    put(repo, edit)
    out = diff(repo, "main", "--format", "json")
    lines = schema_lines(out)
    if not expected:
        assert [c["rule"] for c in changes(out)] == ["SCHEMA-COMPATIBLE"] and out.returncode == 0, out.stdout
        return
    assert out.returncode == 1, out.stdout
    assert len(lines) == len(expected)
    for (rule, path), line in zip(expected, lines):
        assert f"{rule} at {path}: " in line and line.endswith("(new reads old)"), line


def test_a_json_schema_inside_itself_is_compared_without_running_for_ever(tmp_path):
    node = {"type": "object", "properties": {"name": {"type": "string"}, "children": {
        "type": "array", "items": {"$ref": "#"}}}}
    repo = make_repo(tmp_path, JSON_SCHEMA, "tree.json", {"orders/tree.json": node})
    put(repo, {"orders/tree.json": {**node, "required": ["name"]}})
    out = diff(repo, "main", "--format", "json")
    assert out.returncode == 1 and [("REQUIRED_PROPERTY_ADDED at name" in m) for m in schema_lines(out)] == [True], out.stdout


AVRO_FILES = {
    "orders/acme.orders.Order.avsc": {"type": "record", "name": "Order", "namespace": "acme.orders", "fields": [
        {"name": "order_id", "type": "string"}, {"name": "line", "type": "acme.orders.Line"}]},
    "orders/acme.orders.Line.avsc": {"type": "record", "name": "Line", "namespace": "acme.orders", "fields": [
        {"name": "sku", "type": "string"}, {"name": "price", "type": "acme.orders.Money"}]},
    "orders/acme.orders.Money.avsc": {"type": "record", "name": "Money", "namespace": "acme.orders", "fields": [
        {"name": "amount", "type": "long"}]},
}


@pytest.mark.parametrize("money_fields, expected", [
    ([{"name": "amount", "type": "long"}, {"name": "currency", "type": "string", "default": "EUR"}], []),
    ([{"name": "amount", "type": "long"}, {"name": "currency", "type": "string"}],
     [("READER_FIELD_MISSING_DEFAULT_VALUE", "line.price.currency", "new reads old")]),
    ([{"name": "amount", "type": "int"}], [("TYPE_MISMATCH", "line.price.amount", "new reads old")]),
])
def test_avro_types_three_files_deep_are_parsed_and_the_problem_is_named(tmp_path, money_fields, expected):
    repo = make_repo(tmp_path, AVRO, "acme.orders.Order.avsc", AVRO_FILES)
    put(repo, {"orders/acme.orders.Money.avsc": {**AVRO_FILES["orders/acme.orders.Money.avsc"], "fields": money_fields}})
    out = diff(repo, "main", "--format", "json")
    assert "UNPARSEABLE" not in out.stdout, out.stdout
    lines = schema_lines(out)
    if not expected:
        assert [c["rule"] for c in changes(out)] == ["SCHEMA-COMPATIBLE"], out.stdout
    for rule, path, direction in expected:
        assert any(f"{rule} at {path}: " in m and m.endswith(f"({direction})") for m in lines), lines
    assert len(lines) == max(1, len(expected))


def test_each_problem_is_its_own_line_with_its_rule_field_and_direction(tmp_path):
    """order_id string -> long and currency added without a default: three problems under FULL, each
    named (before: one line naming currency for both)."""
    repo = make_repo(tmp_path, AVRO, "acme.orders.Order.avsc", AVRO_FILES)
    order = AVRO_FILES["orders/acme.orders.Order.avsc"]
    put(repo, {"orders/acme.orders.Order.avsc": {**order, "fields": [
        {"name": "order_id", "type": "long"}, order["fields"][1], {"name": "currency", "type": "string"},
        {"name": "state", "type": {"type": "enum", "name": "State", "symbols": ["A"]}}]}})
    out = diff(repo, "main", "--format", "json")
    found = {(m.split(": ", 2)[2].split(":")[0], m.rsplit("(", 1)[1]) for m in schema_lines(out)}
    assert found == {("TYPE_MISMATCH at order_id", "new reads old)"), ("TYPE_MISMATCH at order_id", "old reads new)"),
                     ("READER_FIELD_MISSING_DEFAULT_VALUE at currency", "new reads old)"),
                     ("READER_FIELD_MISSING_DEFAULT_VALUE at state", "new reads old)")}, out.stdout
    text = diff(repo, "main").stdout
    assert text.count("SCHEMA-INCOMPATIBLE") == 4


@pytest.mark.parametrize("old, new, rule, path", [
    ({"type": "enum", "name": "S", "symbols": ["A", "B"]}, {"type": "enum", "name": "S", "symbols": ["A"]},
     "MISSING_ENUM_SYMBOLS", "state"),
    (["null", "string", "long"], ["null", "string"], "MISSING_UNION_BRANCH", "state"),
    ({"type": "array", "items": "string"}, {"type": "array", "items": "int"}, "TYPE_MISMATCH", "state[]"),
])
def test_enum_union_and_type_problems_name_their_field(tmp_path, old, new, rule, path):
    order = {"type": "record", "name": "Order", "namespace": "acme.orders", "fields": [{"name": "state", "type": old}]}
    repo = make_repo(tmp_path, AVRO, "acme.orders.Order.avsc", {"orders/acme.orders.Order.avsc": order})
    (repo / "specmesh.yaml").write_text("schema_compatibility: BACKWARD\n")
    commit(repo, "policy")
    put(repo, {"orders/acme.orders.Order.avsc": {**order, "fields": [{"name": "state", "type": new}]}})
    lines = schema_lines(diff(repo, "main", "--format", "json"))
    assert len(lines) == 1 and f"{rule} at {path}: " in lines[0], lines


def _orders_repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path, AVRO, "acme.orders.Order.avsc", AVRO_FILES)


def test_a_folder_named_like_the_base_ref_never_shadows_the_ref(tmp_path):
    """The change shrinks partitions and commits a folder `origin/main/README.md`: the ref is compared
    (breaking), and the summary says which one was used."""
    repo = _orders_repo(tmp_path)
    git(repo, "update-ref", "refs/remotes/origin/main", "main")
    spec = repo / "orders" / "orders-api.yaml"
    spec.write_text(spec.read_text().replace("partitions: 3", "partitions: 1"))
    put(repo, {"origin/main/README.md": "shadow\n"})
    commit(repo, "shrink, and a folder named like the base")
    out = diff(repo, "origin/main")
    assert out.returncode == 1 and "PARTITIONS-DECREASED" in out.stdout, out.stdout
    assert "Diff origin/main (commit " in out.stdout
    as_dir = diff(repo, "origin/main", "--dirs")  # asked for explicitly, the folder (no specs in it) is the base
    assert "origin/main (directory)" in as_dir.stdout and "PARTITIONS-DECREASED" not in as_dir.stdout
    assert diff(repo, "no-such-ref").returncode == 2


def test_accepting_a_change_no_release_can_apply_keeps_the_gate_red(tmp_path):
    repo = _orders_repo(tmp_path)
    spec = repo / "orders" / "orders-api.yaml"
    spec.write_text(spec.read_text().replace("partitions: 3", "partitions: 1").replace("version: '1.0.0'", "version: '2.0.0'")
                    + "x-specmesh-accept-breaking:\n  - {rule: PARTITIONS-DECREASED, reason: agreed}\n")
    out = diff(repo, "main", "--format", "json")
    change = next(c for c in changes(out) if c["rule"] == "PARTITIONS-DECREASED")
    assert out.returncode == 1 and change["severity"] == "breaking" and change["accepted_because"] is None
    assert "cannot accept it" in change["message"]


def test_positions_with_line_breaks_cannot_forge_lines_or_workflow_commands(tmp_path):
    """A schema file named with a newline and `::stop-commands::`: every format prints it escaped."""
    repo = tmp_path / "repo"
    (repo / "orders").mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    evil = "x\n::stop-commands::pwn\n::error::forged.avsc"
    order = AVRO_FILES["orders/acme.orders.Order.avsc"]
    (repo / "orders" / "orders-api.yaml").write_text(HEAD.format(fmt=AVRO, ref=json.dumps(evil)))
    put(repo, {**AVRO_FILES, f"orders/{evil}": order})
    commit(repo, "base")
    put(repo, {f"orders/{evil}": {**order, "fields": [{"name": "order_id", "type": "long"}, *order["fields"][1:]]}})
    for fmt in ("text", "github", "markdown", "json"):
        out = diff(repo, "main", "--format", fmt)
        assert out.returncode == 1, out.stderr
        for line in (out.stdout + out.stderr).splitlines():
            assert not line.startswith("::stop-commands") and not line.startswith("::error::forged"), (fmt, line)
        if fmt == "github":
            assert all(line.startswith(("::error ", "::warning ", "::notice ")) for line in out.stdout.splitlines())


def test_a_symlinked_spec_in_a_base_directory_is_read_or_refused_never_a_crash(tmp_path):
    base = tmp_path / "base"
    (base / "orders").mkdir(parents=True)
    put(base, AVRO_FILES)
    real = tmp_path / "elsewhere.yaml"
    real.write_text(HEAD.format(fmt=AVRO, ref="acme.orders.Order.avsc"))
    (base / "orders" / "orders-api.yaml").symlink_to(real)
    head = tmp_path / "head"
    (head / "orders").mkdir(parents=True)
    put(head, AVRO_FILES)
    (head / "orders" / "orders-api.yaml").write_text(HEAD.format(fmt=AVRO, ref="acme.orders.Order.avsc"))
    git(tmp_path, "init", "-q")
    out = diff(tmp_path, "base", "head", "--dirs")
    assert out.returncode in (0, 2) and "internal error" not in out.stderr and "Traceback" not in out.stderr, out.stderr
    inside = tmp_path / "base" / "orders" / "inside.yaml"
    (base / "orders" / "orders-api.yaml").unlink()
    inside.write_text(HEAD.format(fmt=AVRO, ref="acme.orders.Order.avsc"))
    (base / "orders" / "orders-api.yaml").symlink_to(inside)
    out = diff(tmp_path, "base", "head", "--dirs")
    assert out.returncode in (0, 2) and "internal error" not in out.stderr, out.stderr


@pytest.mark.parametrize("levels", [14, 40])
def test_a_json_schema_whose_refs_fan_out_at_every_level_is_compared_in_linear_time(tmp_path, levels):
    """Each definition used twice by the one above: 2^levels paths if expanded naively. 14 levels
    are read and compared (the walk visits each pair of nodes once); 40 are past the loader's
    node budget, and a HEAD spec that cannot be read is exit 2, never "0 breaking"."""
    defs = {f"L{i}": {"type": "object", "properties": {"a": {"$ref": f"#/definitions/L{i + 1}"},
                                                        "b": {"$ref": f"#/definitions/L{i + 1}"}}}
            for i in range(levels)}
    defs[f"L{levels}"] = {"type": "object", "properties": {"v": {"type": "string"}}}
    bomb = {"$ref": "#/definitions/L0", "definitions": defs}
    repo = make_repo(tmp_path, JSON_SCHEMA, "bomb.json", {"orders/bomb.json": bomb})
    changed = {**bomb, "definitions": {**defs, f"L{levels}": {"type": "object", "properties": {"v": {"type": "integer"}}}}}
    put(repo, {"orders/bomb.json": changed})
    out = diff(repo, "main", "--format", "json")
    if levels == 40:
        assert out.returncode == 2 and "expands to more than" in out.stderr and "no verdict" in out.stderr, out.stderr
        return
    assert out.returncode == 1, out.stderr
    found = [(m.split(": ", 2)[2].split(":")[0], m.rsplit("(", 1)[1]) for m in schema_lines(out)]
    path = "TYPE_NARROWED at " + ".".join(["a"] * levels) + ".v"
    assert found == [(path, "new reads old)"), (path, "old reads new)")], found  # one per direction, not 2^14
