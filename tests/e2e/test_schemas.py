"""Schema provisioning against a real registry (Apicurio, Confluent-compatible API) and a real broker."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from confluent_kafka.schema_registry import SchemaRegistryClient

from tests.conftest import REPO, TWINS
from tests.e2e.conftest import provision_argv, reset_domains, start_broker

pytestmark = pytest.mark.kafka
D = "simple.provision_demo"


@pytest.fixture(scope="module")
def kafka(tmp_path_factory):
    """A broker of this module's own: the SpecMesh specs here share domains with test_provision's."""
    yield from start_broker(tmp_path_factory.mktemp("kafka-schemas"))


def provision(kafka, registry: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(provision_argv(kafka.admin_config_path, "--schema-registry", registry, *args), capture_output=True, text=True, cwd=REPO, timeout=300)


def versions(client: SchemaRegistryClient, subject: str) -> list[int]:
    try:
        return client.get_versions(subject)
    except Exception:
        return []


def spec(corpus: Path, name: str) -> str:
    return str(corpus / "kafka" / name)


def offline_verdict(corpus: Path, base: str, head: str, tmp_path: Path) -> set[str]:
    """What `specmesh diff` says of the same change, offline (each spec as a directory with its schemas)."""
    sides = []
    for name in (base, head):
        side = tmp_path / f"{name}-{len(sides)}"
        side.mkdir()
        (side / "x-api.yaml").write_text((corpus / "kafka" / name).read_text())
        shutil.copytree(corpus / "kafka" / "schema", side / "schema")
        sides.append(str(side))
    out = subprocess.run([sys.executable, "-m", "specmesh_docs", "diff", *sides, "--format", "json"], cwd=REPO,
                         capture_output=True, text=True, timeout=120)
    return {c["rule"] for c in json.loads(out.stdout)["changes"] if c["rule"].startswith("SCHEMA-")}


def test_conformance_fresh_update_incompatible_and_rerun(kafka, schema_registry, corpus, tmp_path):
    reset_domains(kafka, D, registry=schema_registry)
    client = SchemaRegistryClient({"url": schema_registry})
    fresh = provision(kafka, schema_registry, spec(corpus, "provisioner-functional-test-api.yaml"))
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    subjects = {f"{D}._public.user_signed_up-key": "AVRO", f"{D}._public.user_signed_up-value": "AVRO",
                f"{D}._protected.user_info-value": "PROTOBUF"}
    for subject, kind in subjects.items():
        latest = client.get_latest_version(subject)
        assert latest.version == 1 and latest.schema.schema_type == kind, subject
        assert client.get_compatibility(subject) == "FULL_TRANSITIVE"
    # topics, then schemas, then ACLs
    lines = [l for l in fresh.stdout.splitlines() if l.startswith("  ok  create ")]
    kinds = [l.split()[2] for l in lines]
    assert kinds == sorted(kinds, key=["topic", "schema", "acl"].index)

    same = provision(kafka, schema_registry, spec(corpus, "provisioner-functional-test-api.yaml"))
    assert same.stdout.strip().endswith("Plan: 0 to create, 0 to update, 0 to delete")
    assert f"= unchanged schema {D}._public.user_signed_up-value (version 1)" in same.stdout

    update = provision(kafka, schema_registry, spec(corpus, "provisioner-update-functional-test-api.yaml"), "--dry-run",
                       "--format", "json")
    plan = json.loads(update.stdout)["plan"]
    schema_changes = [(c["action"], c["name"]) for c in plan["changes"] if c["kind"] == "schema"]
    assert schema_changes == [("update", f"{D}._public.user_signed_up-value")]
    assert [(v["subject"], v["registry"], v["offline"]) for v in plan["schema_verdicts"]] == [
        (f"{D}._public.user_signed_up-value", "compatible", "compatible")]
    applied = provision(kafka, schema_registry, spec(corpus, "provisioner-update-functional-test-api.yaml"))
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert versions(client, f"{D}._public.user_signed_up-value") == [1, 2]
    # the registry found the update compatible; so does the offline diff
    assert offline_verdict(corpus, "provisioner-functional-test-api.yaml", "provisioner-update-functional-test-api.yaml",
                           tmp_path) == {"SCHEMA-COMPATIBLE"}
    again = provision(kafka, schema_registry, spec(corpus, "provisioner-update-functional-test-api.yaml"))
    assert again.stdout.strip().endswith("Plan: 0 to create, 0 to update, 0 to delete")

    before = {s: versions(client, s) for s in subjects}
    partitions = len(kafka.admin().list_topics(timeout=10).topics[f"{D}._public.user_signed_up"].partitions)
    bad = provision(kafka, schema_registry, spec(corpus, "provisioner-incompatible-functional-test-api.yaml"))
    assert bad.returncode == 1
    assert f"refused: schema {D}._public.user_signed_up-value: incompatible with version 2" in bad.stdout
    assert offline_verdict(corpus, "provisioner-update-functional-test-api.yaml",
                           "provisioner-incompatible-functional-test-api.yaml", tmp_path) == {"SCHEMA-INCOMPATIBLE"}
    refused = provision(kafka, schema_registry, spec(corpus, "provisioner-incompatible-functional-test-api.yaml"),
                        "--dry-run", "--format", "json")
    verdicts = json.loads(refused.stdout)["plan"]["schema_verdicts"]
    assert [(v["subject"], v["registry"], v["offline"]) for v in verdicts] == [
        (f"{D}._public.user_signed_up-value", "incompatible", "incompatible")]
    assert verdicts[0]["offline_problems"]  # names the rule and the field
    assert "nothing was applied" in bad.stderr
    assert {s: versions(client, s) for s in subjects} == before
    assert len(kafka.admin().list_topics(timeout=10).topics[f"{D}._public.user_signed_up"].partitions) == partitions


def test_another_domains_schema_must_be_registered_by_its_owner(kafka, schema_registry, corpus):
    reset_domains(kafka, "com.example.shared", "com.example.trading", registry=schema_registry)
    trading = spec(corpus, "schema-ref/com.example.trading-api.yml")
    refused = provision(kafka, schema_registry, trading, "--dry-run")
    assert refused.returncode == 1
    assert "schema com.example.shared.Currency belongs to another domain and is not registered" in refused.stdout
    owner = provision(kafka, schema_registry, spec(corpus, "schema-ref/com.example.shared-api.yml"))
    assert owner.returncode == 0, owner.stdout + owner.stderr
    client = SchemaRegistryClient({"url": schema_registry})
    assert client.get_latest_version("com.example.shared.Currency").version == 1  # RecordNameStrategy
    planned = provision(kafka, schema_registry, trading, "--dry-run")
    assert planned.returncode == 0, planned.stdout + planned.stderr
    assert "= unchanged schema com.example.shared.Currency (version 1)" in planned.stdout
    assert "+ create schema com.example.trading.TradeInfo" in planned.stdout  # own namespace: registered here
    assert "+ create schema com.example.trading._public.trade-value" in planned.stdout
    applied = provision(kafka, schema_registry, trading)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    trade = client.get_latest_version("com.example.trading._public.trade-value").schema
    assert {(r.name, r.subject, r.version) for r in trade.references} == {
        ("com.example.shared.Currency", "com.example.shared.Currency", 1),
        ("com.example.trading.TradeInfo", "com.example.trading.TradeInfo", 1)}
    again = provision(kafka, schema_registry, trading)
    assert again.stdout.strip().endswith("Plan: 0 to create, 0 to update, 0 to delete"), again.stdout


def test_json_schema_and_protobuf_subjects(kafka, schema_registry, tmp_path, corpus):
    reset_domains(kafka, "simple.schema_demo", registry=schema_registry)
    demo = tmp_path / "cli"
    shutil.copytree(corpus / "cli", demo)
    (demo / ".git").mkdir()
    # SpecMesh's demo spec uses one operationId twice: this organisation accepts that
    (demo / "specmesh.yaml").write_text("severities:\n  OPERATION-ID: 'off'\n")
    out = provision(kafka, schema_registry, str(demo / "simple_schema_demo-api.yaml"))
    assert out.returncode == 0, out.stdout + out.stderr
    client = SchemaRegistryClient({"url": schema_registry})
    kinds = {s: client.get_latest_version(s).schema.schema_type for s in (
        "simple.schema_demo._public.user_signed_up-value", "simple.schema_demo._public.user_checkout-value",
        "simple.schema_demo._public.user_info-value")}
    assert kinds == {"simple.schema_demo._public.user_signed_up-value": "AVRO",
                     "simple.schema_demo._public.user_checkout-value": "JSON",
                     "simple.schema_demo._public.user_info-value": "PROTOBUF"}


def renamed_copy(tmp_path: Path, domain: str) -> str:
    """The provisioner scenario's spec and its schema files under another domain id (a state of its own)."""
    source = TWINS / "kafka"
    (tmp_path / ".git").mkdir()
    (tmp_path / "schema").mkdir()
    spec_text = (source / "provisioner-functional-test-api.yaml").read_text()
    for ref in re.findall(r"schema/[\w.-]+", spec_text):
        (tmp_path / ref.replace(D, domain)).write_text((source / ref).read_text().replace(D, domain))
    (tmp_path / "serde-api.yaml").write_text(spec_text.replace(D, domain))
    return str(tmp_path / "serde-api.yaml")


def test_producer_uses_the_registered_schema_and_a_consumer_reads_it_back(kafka, schema_registry, tmp_path):
    from confluent_kafka import Consumer, Producer
    from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
    from confluent_kafka.serialization import MessageField, SerializationContext

    domain = "serde.provision_demo"
    out = provision(kafka, schema_registry, renamed_copy(tmp_path, domain))
    assert out.returncode == 0, out.stdout + out.stderr
    client = SchemaRegistryClient({"url": schema_registry})
    subject = f"{domain}._public.user_signed_up-value"
    registered = client.get_latest_version(subject).schema
    topic = f"{domain}._public.user_signed_up"
    serializer = AvroSerializer(client, registered.schema_str, conf={"auto.register.schemas": False,
                                                                     "use.latest.version": True})
    fields = {f["name"]: f["type"] for f in json.loads(registered.schema_str)["fields"]}
    record = {name: (1 if kind in ("int", "long") else "value-" + name) for name, kind in fields.items()
              if isinstance(kind, str)}
    producer = Producer(kafka.admin_config)
    value = serializer(record, SerializationContext(topic, MessageField.VALUE))
    producer.produce(topic, value=value, partition=0)
    assert producer.flush(20) == 0
    consumer = Consumer({**kafka.admin_config, "group.id": f"{domain}.reader", "auto.offset.reset": "earliest"})
    consumer.subscribe([topic])
    deserializer = AvroDeserializer(client)
    got, deadline = None, time.time() + 30
    while got is None and time.time() < deadline:
        msg = consumer.poll(0.5)
        if msg is not None and not msg.error():
            got = deserializer(msg.value(), SerializationContext(topic, MessageField.VALUE))
    consumer.close()
    assert got is not None and all(got[k] == v for k, v in record.items())
