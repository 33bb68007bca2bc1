"""Adopting a cluster built by hand, as platform teams build them: topics with conforming and
non-conforming names, ACLs of several shapes (LITERAL and PREFIXED, per user and wildcard), a
consumer group, schema subjects in all three formats, one with a reference. The documentation's
adoption recipe then runs exactly as written (docs/content/adopting.md: export, review, lint with a
baseline, plan, apply, plan): the first plan creates no topic and registers no schema, only the
changes the documentation names; the second is empty, and no subject gained a version."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES
from tests.docs_blocks import blocks, run_block
from tests.e2e.conftest import reset_domains

pytestmark = pytest.mark.kafka
D = "handmade.shop"
RECIPE = next(b for b in blocks() if b.needs == "adoption")


def build_by_hand(kafka, registry: str, replicas: int = 1) -> None:
    from confluent_kafka import Consumer, Producer
    from confluent_kafka.admin import (AclBinding, AclOperation, AclPermissionType, ConfigResource, NewTopic,
                                       ResourcePatternType, ResourceType)
    from confluent_kafka.schema_registry import Schema, SchemaReference, SchemaRegistryClient

    admin = kafka.admin()
    r = replicas
    topics = [NewTopic(f"{D}._public.order", 3, r, config={"retention.ms": "86400000"}),
              NewTopic(f"{D}._protected.payment", 1, r), NewTopic(f"{D}._private.audit", 1, r),
              NewTopic(f"{D}._public.click", 2, r), NewTopic("handmade_legacy_orders", 1, r)]
    for future in admin.create_topics(topics).values():
        future.result(timeout=30)
    owner, allow = f"User:{D}", AclPermissionType.ALLOW
    acls = [AclBinding(ResourceType.TOPIC, f"{D}.", ResourcePatternType.PREFIXED, owner, "*", op, allow)
            for op in (AclOperation.WRITE, AclOperation.READ)]
    acls += [AclBinding(ResourceType.TOPIC, f"{D}._public.", ResourcePatternType.PREFIXED, "User:*", "*",
                        AclOperation.READ, allow),
             AclBinding(ResourceType.TOPIC, f"{D}._protected.payment", ResourcePatternType.LITERAL,
                        "User:handmade.billing", "*", AclOperation.READ, allow),
             AclBinding(ResourceType.TOPIC, f"{D}._protected.payment", ResourcePatternType.LITERAL,
                        "User:handmade.pos", "*", AclOperation.WRITE, allow),  # exported as grant-write
             AclBinding(ResourceType.GROUP, f"{D}.", ResourcePatternType.PREFIXED, owner, "*", AclOperation.READ, allow)]
    for future in admin.create_acls(acls).values():
        future.result(timeout=30)
    producer = Producer({**kafka.admin_config})
    producer.produce(f"{D}._public.order", b"{}")
    producer.flush(10)
    consumer = Consumer({**kafka.admin_config, "group.id": f"{D}.worker", "auto.offset.reset": "earliest"})
    consumer.subscribe([f"{D}._public.order"])
    for _ in range(20):
        if consumer.poll(1.0) is not None:
            break
    consumer.commit(asynchronous=False)
    consumer.close()
    client = SchemaRegistryClient({"url": registry})
    money = {"type": "record", "name": "Money", "namespace": D, "fields": [{"name": "cents", "type": "long"}]}
    client.register_schema(f"{D}.Money", Schema(json.dumps(money, separators=(",", ":")), "AVRO"))
    order = {"type": "record", "name": "Order", "namespace": D,
             "fields": [{"name": "id", "type": "string"}, {"name": "total", "type": f"{D}.Money"}]}
    client.register_schema(f"{D}._public.order-value", Schema(json.dumps(order, separators=(",", ":")), "AVRO",
                                                              references=[SchemaReference(f"{D}.Money", f"{D}.Money", 1)]))
    payment = {"type": "object", "properties": {"id": {"type": "string"}, "amount": {"type": "number"}}}
    client.register_schema(f"{D}._protected.payment-value", Schema(json.dumps(payment), "JSON"))
    audit = 'syntax = "proto3";\npackage handmade.shop;\nmessage Audit {\n  string id = 1;\n  string action = 2;\n}\n'
    client.register_schema(f"{D}._private.audit-value", Schema(audit, "PROTOBUF"))


def versions(registry: str) -> dict[str, list[int]]:
    from confluent_kafka.schema_registry import SchemaRegistryClient

    client = SchemaRegistryClient({"url": registry})
    return {s: client.get_versions(s) for s in client.get_subjects() if s.startswith(D)}


@pytest.fixture(params=["one broker", pytest.param("three brokers", marks=pytest.mark.cluster3)])
def estate(request, kafka, tmp_path_factory):
    """The shared one-node broker, or a three-node KRaft cluster of its own (replication factor 3)."""
    if request.param == "one broker":
        yield kafka, 1
        return
    from tests.e2e.conftest import KafkaDev, dev_script

    home = tmp_path_factory.mktemp("kafka-adoption-3")
    info = dev_script("kafka-dev", "start", home, "--brokers", "3")
    try:
        yield KafkaDev(info["bootstrap.servers"], info["admin.config"]), 3
    finally:
        dev_script("kafka-dev", "stop", home)


def test_the_adoption_recipe_as_written_ends_in_a_plan_of_zero_changes(estate, schema_registry, tmp_path: Path):
    kafka, replicas = estate
    reset_domains(kafka, D, registry=schema_registry)
    build_by_hand(kafka, schema_registry, replicas)
    before = versions(schema_registry)
    work = tmp_path / "platform"
    work.mkdir()
    (work / "admin.properties").write_text(Path(kafka.admin_config_path).read_text()
                                           + f"schema.registry.url={schema_registry}\n")
    shutil.copy(EXAMPLES / "organisation-policy.yaml", work / "org-policy.yaml")
    out = run_block(RECIPE, work)
    assert out.returncode == 0, out.stdout[-6000:] + out.stderr[-4000:]
    report = json.loads((work / "export-report.json").read_text())
    assert any(u["topic"] == "handmade_legacy_orders" for u in report["unfit"])  # said, not dropped
    exported = "".join(p.read_text() for p in work.rglob("*.yaml"))
    assert "grant-write:handmade.pos" in exported and "grant-access:handmade.billing" in exported
    first_plan = out.stdout.split("Plan: ", 1)[0]
    changes = re.findall(r"^  ([+~-]) (\w+) (\w+) (\S+)(.*)$", first_plan, re.M)
    assert changes, out.stdout[-4000:]
    for sign, verb, kind, name, rest in changes:  # only what the documentation says a first plan does
        assert (verb, kind) in (("create", "acl"), ("update", "schema")), (sign, verb, kind, name, rest)
        if kind == "schema":
            assert "compatibility" in rest and "the policy's schema_compatibility" in rest and "version" not in rest, rest
    assert "note: `+ create acl` lines are bindings the spec implies" in first_plan  # the plan says why
    assert "0 to create, 0 to update, 0 to delete" in out.stdout.rsplit("Plan: ", 1)[1]
    after = versions(schema_registry)
    assert after == before, (before, after)  # no subject gained a version
