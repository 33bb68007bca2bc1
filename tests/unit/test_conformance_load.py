"""Every SpecMesh OS test spec loads, with the topic names SpecMesh's own tests expect."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from specmesh_docs.model import load_spec
from tests.conftest import conformance_dir, conformance_path

pytestmark = pytest.mark.conformance
SPECS = sorted(p for p in conformance_path().rglob("*") if p.suffix in (".yaml", ".yml") and p.parent.name != "schema")

# Specs whose referenced schema files are not part of the corpus: they load, and report exactly this.
EXPECTED_PROBLEMS = {
    "parser/parser_simple_schema_demo-api.yaml": ["key.avsc does not exist"],
    "kafka-test/kafka_test-simple_schema_demo-api.yaml": [
        "simple.schema_demo._public.user_info.proto does not exist",
        "simple.schema_demo._public.user_info_enriched.proto does not exist",
    ],
}


def rel(path) -> str:
    return path.relative_to(conformance_dir()).as_posix()


def test_the_corpus_is_all_there():
    assert len(SPECS) == 23


@pytest.mark.parametrize("spec", SPECS, ids=rel)
def test_every_conformance_spec_loads(spec):
    product = load_spec(spec)
    expected = EXPECTED_PROBLEMS.get(rel(spec), [])
    assert len(product.problems) == len(expected), [str(p) for p in product.problems]
    for problem, text in zip(product.problems, expected):
        assert text in problem.message
        assert problem.pos.line > 0 and problem.pos.col > 0


def names(product):
    return [t.name for t in product.topics], [c.name for c in product.consumed]


def test_bigdatalondon(conformance):
    p = load_spec(conformance / "kafka/bigdatalondon-api.yaml")
    d = "london.hammersmith.olympia.bigdatalondon"
    assert p.domain == d
    assert names(p) == ([f"{d}._public.attendee", f"{d}._protected.retail.subway.food.purchase",
                         f"{d}._private.retail.subway.customers"], ["london.hammersmith.transport._public.tube"])
    attendee, food, customers = p.topics
    assert (attendee.partitions, attendee.replicas, attendee.configs) == (10, 1, {"cleanup.policy": "delete"})
    assert (food.partitions, customers.partitions) == (3, 3)
    assert food.grants == ["some.other.domain.root"] and attendee.grants == [] and customers.grants == []
    assert [t.access for t in p.topics] == ["_public", "_protected", "_private"]
    assert p.owner_principal == f"User:{d}"


def test_bigdatalondon_untiered_grants(conformance):
    p = load_spec(conformance / "kafka/bigdatalondon-api-with-grant-access-acls.yaml")
    d = "london.hammersmith.olympia.bigdatalondon"
    assert [t.name for t in p.topics] == [f"{d}.attendee", f"{d}.retail.subway.food.purchase", f"{d}.retail.subway.customers"]
    assert [t.grants for t in p.topics] == [["_public"], ["some.other.domain.root"], []]
    assert all(t.access is None for t in p.topics)


def test_provisioner_functional(conformance):
    p = load_spec(conformance / "kafka/provisioner-functional-test-api.yaml")
    d = "simple.provision_demo"
    signed, info = p.topics
    assert (signed.name, signed.partitions, signed.configs) == (
        f"{d}._public.user_signed_up", 10, {"cleanup.policy": "delete", "retention.ms": "3600000"})
    assert (info.name, info.partitions, info.configs["retention.ms"]) == (f"{d}._protected.user_info", 3, "9900000")
    assert (signed.key.format, signed.value.format, info.value.format) == ("avro", "avro", "protobuf")
    assert signed.value.full_name == "simple.provision_demo.UserSignedUp"
    assert info.value.full_name == "io.specmesh.kafka.schema.UserInfo"
    assert [f.name for f in info.value.fields] == ["fullName", "email", "age"]


def test_simple_schema_demo(conformance):
    p = load_spec(conformance / "cli/simple_schema_demo-api.yaml")
    d = "simple.schema_demo"
    assert names(p) == ([f"{d}._public.user_signed_up", f"{d}._public.user_checkout", f"{d}._public.user_info"],
                        ["london.hammersmith.transport._public.tube"])
    assert [t.value.format for t in p.topics] == ["avro", "json", "protobuf"]
    assert p.topics[1].configs["cleanup.policy"] == "compact,delete"
    checkout = {f.name: f for f in p.topics[1].value.fields}
    assert checkout["id"].required and not checkout["name"].required and checkout["name"].type == "null | string"
    # the consumed topic's schema lives with its owner: a note, not an error
    assert not p.problems and "passenger.avsc does not exist" in p.notes[0].message


def test_avro_references_resolve_from_sibling_files(conformance):
    p = load_spec(conformance / "cli/examples/references/avro/record.spec.yaml")
    value = p.topics[0].value
    assert "schema.reference.demo.ThingA" in [name for name, _ in value.references]
    assert any(f.name.startswith("a.") for f in value.fields)  # nested record fields expanded


def test_avro_json_comments_are_accepted(conformance):
    p = load_spec(conformance / "kafka/schema-ref/com.example.trading-api.yml")
    fields = [f.name for f in p.topics[0].value.fields]
    assert "currency" in fields
    assert "com.example.shared.Currency" in [n for n, _ in p.topics[0].value.references]


@pytest.mark.parametrize("spec", [s for s in SPECS if rel(s) not in EXPECTED_PROBLEMS], ids=rel)
def test_cli_show_json_on_conformance(spec):
    out = subprocess.run([sys.executable, "-m", "specmesh_docs", "show", "--json", str(spec)],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["domain"] and "Traceback" not in out.stderr
