"""`specmesh verify` against the real broker and registry: records written by hand in each format
(good, unframed, under another subject, of another schema, with a broken key, a tombstone),
consumer groups of the owner, a granted domain, an ungranted one and no domain, and principals
that may and may not read."""

from __future__ import annotations

import io
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import provision_argv, reset_domains

pytestmark = pytest.mark.kafka

DOMAIN = "verify.shop"
ORDERS, PAYMENTS, EVENTS, STATE = (f"{DOMAIN}._protected.orders", f"{DOMAIN}._protected.payments",
                                   f"{DOMAIN}._protected.events", f"{DOMAIN}._public.state")
ORDER = {"type": "record", "name": "Order", "namespace": "verify.shop",
         "fields": [{"name": "id", "type": "string"}, {"name": "amount", "type": "double"},
                    {"name": "email", "type": "string", "pii": True, "doc": "Where receipts go."}]}
ORDER_KEY = {"type": "record", "name": "OrderKey", "namespace": "verify.shop", "fields": [{"name": "id", "type": "string"}]}
PAYMENT = {"type": "object", "additionalProperties": False, "required": ["id", "cents"],
           "properties": {"id": {"type": "string"}, "cents": {"type": "integer", "minimum": 0},
                          "card": {"$ref": "#/definitions/card"}},
           "definitions": {"card": {"type": "object", "required": ["last4"],
                                    "properties": {"last4": {"type": "string", "maxLength": 4}}}}}
EVENT_PROTO = 'syntax = "proto3";\npackage verify.shop;\n\nmessage Event {\n  string id = 1;\n  int64 at = 2;\n}\n'
WIDER_PROTO = 'syntax = "proto3";\npackage verify.shop;\n\nmessage Event {\n  string id = 1;\n  int64 at = 2;\n  string extra = 3;\n}\n'

SPEC = f"""asyncapi: '2.6.0'
id: 'urn:{DOMAIN}'
info: {{title: Verify shop, version: '1.0.0', contact: {{name: Shop, email: shop@example.com}}}}
channels:
  _protected.orders:
    bindings: {{kafka: {{partitions: 2, configs: {{cleanup.policy: delete, retention.ms: 86400000}}}}}}
    publish:
      operationId: publishOrder
      summary: Orders.
      message:
        name: Order
        schemaFormat: application/vnd.apache.avro+json;version=1.9.0
        bindings: {{kafka: {{key: {{$ref: schema/order-key.avsc}}}}}}
        payload: {{$ref: schema/order.avsc}}
  _protected.payments:
    bindings: {{kafka: {{partitions: 1, configs: {{cleanup.policy: delete}}}}}}
    publish:
      operationId: publishPayment
      summary: Payments.
      tags: [{{name: 'grant-access:verify.audit'}}]
      message:
        name: Payment
        bindings: {{kafka: {{key: {{type: string}}}}}}
        payload: {{$ref: schema/payment.json}}
  _protected.events:
    bindings: {{kafka: {{partitions: 1, configs: {{cleanup.policy: delete}}}}}}
    publish:
      operationId: publishEvent
      summary: Events.
      tags: [{{name: 'grant-access:verify.billing'}}]
      message:
        name: Event
        schemaFormat: application/vnd.google.protobuf;version=3
        x-specmesh-unknown-fields: reject
        bindings: {{kafka: {{key: {{type: string}}}}}}
        payload: {{$ref: schema/event.proto}}
  _public.state:
    bindings: {{kafka: {{partitions: 1, configs: {{cleanup.policy: compact}}}}}}
    publish:
      operationId: publishState
      summary: State.
      message:
        name: State
        schemaFormat: application/vnd.apache.avro+json;version=1.9.0
        bindings: {{kafka: {{key: {{$ref: schema/order-key.avsc}}}}}}
        payload: {{$ref: schema/order-key.avsc}}
"""
BILLING = f"""asyncapi: '2.6.0'
id: 'urn:verify.billing'
info: {{title: Verify billing, version: '1.0.0', contact: {{name: Billing, email: billing@example.com}}}}
channels:
  {EVENTS}:
    subscribe:
      operationId: readEvents
      bindings: {{kafka: {{groupId: verify.billing.events-reader}}}}
      message: {{name: Event}}
"""


def write_specs(folder: Path) -> tuple[Path, Path]:
    (folder / "schema").mkdir(parents=True)
    (folder / "schema" / "order.avsc").write_text(json.dumps(ORDER))
    (folder / "schema" / "order-key.avsc").write_text(json.dumps(ORDER_KEY))
    (folder / "schema" / "payment.json").write_text(json.dumps(PAYMENT))
    (folder / "schema" / "event.proto").write_text(EVENT_PROTO)
    (folder / "shop.yaml").write_text(SPEC)
    (folder / "billing.yaml").write_text(BILLING)
    return folder / "shop.yaml", folder / "billing.yaml"


def avro(schema: dict, value: dict) -> bytes:
    import fastavro

    out = io.BytesIO()
    fastavro.schemaless_writer(out, fastavro.parse_schema(schema), value)
    return out.getvalue()


def framed(schema_id: int, body: bytes, protobuf: bool = False) -> bytes:
    return b"\0" + schema_id.to_bytes(4, "big") + (b"\0" if protobuf else b"") + body


def proto(text: str, **fields) -> bytes:
    from specmesh_docs.compat.protobuf import message_class

    cls, _ = message_class(text, "verify.shop.Event")
    return cls(**fields).SerializeToString()


def produce(kafka, records: list[tuple[str, bytes | None, bytes | None]], **extra) -> None:
    from confluent_kafka import Producer

    producer = Producer({**kafka.admin_config, "acks": "all", "linger.ms": 5, **extra})
    failed = []
    for topic, key, value in records:
        producer.produce(topic, key=key, value=value, partition=0,
                         on_delivery=lambda err, msg: failed.append(err) if err else None)
        producer.poll(0)
    assert producer.flush(60) == 0 and not failed, failed


def commit(kafka, group: str, topic: str, offset: int = 1) -> None:
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer({**kafka.admin_config, "group.id": group, "enable.auto.commit": False})
    try:
        consumer.commit(offsets=[TopicPartition(topic, 0, offset)], asynchronous=False)
    finally:
        consumer.close()


def verify(kafka, registry: str | None, *args: str, config: str | None = None, timeout: int = 180):
    argv = [sys.executable, "-m", "specmesh_docs", "verify", "--command-config", config or kafka.admin_config_path,
            *(["--schema-registry", registry] if registry else []), *args]
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def estate(kafka, schema_registry, tmp_path_factory):
    """The shop provisioned, its topics holding good and bad records of every kind, and consumer groups."""
    from confluent_kafka.schema_registry import Schema, SchemaRegistryClient

    reset_domains(kafka, DOMAIN, "verify.billing", "verify.elsewhere", registry=schema_registry)
    folder = tmp_path_factory.mktemp("verify")
    shop, billing = write_specs(folder)
    run = subprocess.run(provision_argv(kafka.admin_config_path, str(shop), "--schema-registry", schema_registry),
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr + run.stdout
    client = SchemaRegistryClient({"url": schema_registry})
    ids = {s: client.get_latest_version(s).schema_id for s in
           (f"{ORDERS}-value", f"{ORDERS}-key", f"{PAYMENTS}-value", f"{EVENTS}-value", f"{STATE}-value")}
    # the same Order under a subject of its own, and a schema the spec does not describe
    elsewhere = client.register_schema("verify.elsewhere.copy-value", Schema(json.dumps(ORDER), "AVRO"))
    stranger = client.register_schema("verify.elsewhere.other-value", Schema(json.dumps(
        {"type": "record", "name": "Other", "namespace": "verify.elsewhere",
         "fields": [{"name": "id", "type": "int"}]}), "AVRO"))
    wider = client.register_schema("verify.elsewhere.wider-value", Schema(WIDER_PROTO, "PROTOBUF"))
    good_order = {"id": "o-1", "amount": 9.5, "email": "secret-person@example.com"}
    key = framed(ids[f"{ORDERS}-key"], avro(ORDER_KEY, {"id": "o-1"}))
    produce(kafka, [
        (ORDERS, key, framed(ids[f"{ORDERS}-value"], avro(ORDER, good_order))),  # 0 valid
        (ORDERS, key, json.dumps(good_order).encode()),  # 1 unframed
        (ORDERS, key, framed(elsewhere, avro(ORDER, good_order))),  # 2 registered under another subject
        (ORDERS, key, framed(stranger, avro({"type": "record", "name": "Other", "namespace": "verify.elsewhere",
                                             "fields": [{"name": "id", "type": "int"}]}, {"id": 7}))),  # 3 other schema
        (ORDERS, framed(ids[f"{ORDERS}-value"], avro(ORDER, good_order)),  # 4 key framed with the value's schema
         framed(ids[f"{ORDERS}-value"], avro(ORDER, good_order))),
        (PAYMENTS, b"p-1", framed(ids[f"{PAYMENTS}-value"], b'{"id": "p-1", "cents": 100, "card": {"last4": "1234"}}')),
        (PAYMENTS, b"p-2", framed(ids[f"{PAYMENTS}-value"], b'{"id": "p-2", "cents": -5, "card": {"last4": "123456"}}')),
        (PAYMENTS, b"p-3", framed(ids[f"{PAYMENTS}-value"], b'{"id": "p-3", "cents": 1, "secret@example.com": 1}')),
        (EVENTS, b"e-1", framed(ids[f"{EVENTS}-value"], proto(EVENT_PROTO, id="e-1", at=5), protobuf=True)),
        (EVENTS, b"e-2", framed(wider, proto(WIDER_PROTO, id="e-2", at=6, extra="x"), protobuf=True)),
        (STATE, framed(ids[f"{STATE}-value"], avro(ORDER_KEY, {"id": "s-1"})),
         framed(ids[f"{STATE}-value"], avro(ORDER_KEY, {"id": "s-1"}))),
        (STATE, framed(ids[f"{STATE}-value"], avro(ORDER_KEY, {"id": "s-1"})), None),  # a tombstone: compacted
    ])
    for group, topic in ((f"{DOMAIN}.app", ORDERS), ("verify.billing.events-reader", EVENTS),
                         ("verify.billing.snoop", PAYMENTS), ("nobody-knows", ORDERS)):
        commit(kafka, group, topic)
    return {"shop": shop, "billing": billing, "folder": folder, "ids": ids}


def test_every_record_is_checked_against_the_spec_and_named_without_its_value(kafka, schema_registry, estate):
    run = verify(kafka, schema_registry, str(estate["shop"]), str(estate["billing"]), "--format", "json")
    assert run.returncode == 1, run.stderr
    doc = json.loads(run.stdout)
    topics = {t["name"]: t for p in doc["products"] for t in p["topics"]}
    assert set(topics) == {ORDERS, PAYMENTS, EVENTS, STATE}
    orders = topics[ORDERS]
    assert orders["records"] == {"read": 5, "valid": 1, "invalid": 4, "unchecked": 0, "too_large": 0}
    found = {(v["offset"], v["role"], v["rule"]) for v in orders["violations"]}
    assert (1, "value", "NOT-FRAMED") in found
    assert (2, "value", "WRONG-SUBJECT") in found and (2, "value", "SCHEMA-MISMATCH") not in found
    assert {(3, "value", "WRONG-SUBJECT"), (3, "value", "SCHEMA-MISMATCH")} <= found
    assert {(4, "key", "WRONG-SUBJECT"), (4, "key", "SCHEMA-MISMATCH")} <= found
    assert not any(v["offset"] == 0 for v in orders["violations"])
    payments = topics[PAYMENTS]
    assert payments["records"]["valid"] == 1 and payments["records"]["invalid"] == 2
    paths = {(v["offset"], v["path"], v["detail"]) for v in payments["violations"]}
    assert (1, "cents", "minimum not met") in paths and (1, "card.last4", "maxLength not met") in paths
    assert any(o == 2 and "additionalProperties" in d for o, _, d in paths)
    events = topics[EVENTS]
    assert events["records"]["valid"] == 1 and events["records"]["invalid"] == 1
    assert {(v["rule"], v["path"]) for v in events["violations"]} >= {("UNKNOWN-FIELD", "Event"), ("WRONG-SUBJECT", "")}
    assert topics[STATE]["records"] == {"read": 2, "valid": 2, "invalid": 0, "unchecked": 0, "too_large": 0}
    # never a value: not the PII e-mail, not a map key a producer invented
    assert "secret" not in run.stdout and "secret" not in run.stderr and "o-1" not in run.stdout
    text = verify(kafka, schema_registry, str(estate["shop"]), str(estate["billing"]))
    assert text.returncode == 1 and "partition 0 offset 1 value: NOT-FRAMED" in text.stdout
    assert "secret" not in text.stdout and "result: failing" in text.stdout


def test_readers_are_matched_to_their_grants(kafka, schema_registry, estate):
    run = verify(kafka, schema_registry, str(estate["shop"]), str(estate["billing"]), "--format", "json")
    topics = {t["name"]: t for p in json.loads(run.stdout)["products"] for t in p["topics"]}
    statuses = {g["group"]: g["status"] for t in topics.values() for g in t["readers"]["groups"]}
    assert statuses == {f"{DOMAIN}.app": "owner", "verify.billing.events-reader": "granted",
                        "verify.billing.snoop": "undeclared", "nobody-knows": "unknown"}
    assert topics[PAYMENTS]["readers"]["undeclared"] == ["verify.billing"]
    assert topics[PAYMENTS]["readers"]["idle"] == ["verify.audit"]
    assert topics[ORDERS]["readers"]["unknown"] == ["nobody-knows"]
    assert "verify.shop.payments: read without a grant by verify.billing" in run.stderr.replace("._protected", "")


def test_fail_on_thresholds_and_a_clean_topic(kafka, schema_registry, estate):
    state = verify(kafka, schema_registry, str(estate["shop"]), "--topic", STATE)
    assert state.returncode == 0, state.stdout + state.stderr
    assert "result: conforming" in state.stdout
    lenient = verify(kafka, schema_registry, str(estate["shop"]), "--topic", PAYMENTS, "--fail-on", "invalid>70%")
    assert lenient.returncode == 0, lenient.stdout  # 2 of 3 is 66 %
    strict = verify(kafka, schema_registry, str(estate["shop"]), "--topic", PAYMENTS, "--fail-on", "invalid>50%")
    assert strict.returncode == 1
    assert verify(kafka, schema_registry, str(estate["shop"]), "--fail-on", "bogus").returncode == 2
    md = verify(kafka, schema_registry, str(estate["shop"]), "--format", "markdown", "--topic", ORDERS)
    assert md.returncode == 1 and "| verify.shop.\\_protected.orders | 5 | 1 | 4 |" in md.stdout


def test_as_the_owner_and_as_a_principal_that_may_not_read(kafka, schema_registry, estate, tmp_path):
    def config_for(name: str) -> str:
        settings = kafka.add_principal(name)
        path = tmp_path / f"{name}.properties"
        path.write_text("".join(f"{k}={v}\n" for k, v in settings.items()))
        return str(path)

    owner = verify(kafka, schema_registry, str(estate["shop"]), "--format", "json", config=config_for(DOMAIN))
    assert owner.returncode == 1, owner.stderr
    doc = json.loads(owner.stdout)
    groups = {g["group"] for p in doc["products"] for t in p["topics"] for g in t["readers"]["groups"]}
    assert groups == {f"{DOMAIN}.app"}  # the owner sees its own groups only
    assert doc["totals"]["records_read"] == 12
    stranger = verify(kafka, schema_registry, str(estate["shop"]), config=config_for("verify.stranger"))
    assert stranger.returncode == 5, stranger.stdout + stranger.stderr
    assert "not authorised" in stranger.stderr and "Traceback" not in stranger.stderr


def test_only_the_tail_of_a_long_topic_is_read(kafka, schema_registry, estate):
    from confluent_kafka import Producer

    value = framed(estate["ids"][f"{STATE}-value"], avro(ORDER_KEY, {"id": "k"}))
    producer = Producer({**kafka.admin_config, "linger.ms": 50, "batch.num.messages": 100000,
                         "queue.buffering.max.messages": 2000000, "compression.type": "lz4"})
    producer.produce(STATE, key=value, value=b"not framed", partition=0)  # far behind the tail
    for _ in range(1_000_000):
        producer.produce(STATE, key=value, value=value, partition=0)
    assert producer.flush(120) == 0
    started = time.monotonic()
    run = verify(kafka, schema_registry, str(estate["shop"]), "--topic", STATE, "--records", "100", "--format", "json")
    assert run.returncode == 0, run.stdout + run.stderr
    assert json.loads(run.stdout)["totals"]["records_read"] == 100
    assert time.monotonic() - started < 60


def test_huge_records_are_counted_not_decoded_and_memory_stays_bounded(kafka, schema_registry, estate):
    from confluent_kafka.admin import ConfigResource, ResourceType

    from confluent_kafka.admin import AlterConfigOpType, ConfigEntry

    entry = ConfigEntry("max.message.bytes", str(20 * 1024 * 1024), incremental_operation=AlterConfigOpType.SET)
    resource_ = ConfigResource(ResourceType.TOPIC, PAYMENTS, incremental_configs=[entry])
    admin = kafka.admin()  # kept alive until the futures resolve
    for future in admin.incremental_alter_configs([resource_]).values():
        future.result(timeout=30)
    big = framed(estate["ids"][f"{PAYMENTS}-value"], b'{"id": "' + b"x" * (12 * 1024 * 1024) + b'", "cents": 1}')
    produce(kafka, [(PAYMENTS, b"big", big)] * 3, **{"message.max.bytes": 20 * 1024 * 1024})
    run = verify(kafka, schema_registry, str(estate["shop"]), "--topic", PAYMENTS, "--format", "json",
                 "--max-record-bytes", "1MiB")
    doc = json.loads(run.stdout)
    assert doc["products"][0]["topics"][0]["records"] == {"read": 6, "valid": 1, "invalid": 2, "unchecked": 3,
                                                           "too_large": 3}, run.stdout
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss < 400 * 1024  # KiB: the verify process included


def test_a_registry_answering_garbage_or_slowly_is_a_clear_exit_4(kafka, estate):
    from tests.hostile_servers import body, serve

    def slow(handler):
        time.sleep(8)
        body("{}")(handler)

    for routes, words in (({"/subjects": body("[]"), "*": body("<html>not a registry</html>", content_type="text/html")},
                           "schema registry"),
                          ({"/subjects": body("[]"), "*": slow}, "schema registry")):
        with serve(routes) as url:
            started = time.monotonic()
            run = verify(kafka, url, str(estate["shop"]), "--topic", ORDERS, "--timeout", "5")
        assert run.returncode == 4, run.stdout + run.stderr
        assert words in run.stderr and "Traceback" not in run.stderr
        assert time.monotonic() - started < 60


def test_no_registry_for_registered_schemas_is_usage_and_no_broker_is_unreachable(kafka, schema_registry, estate):
    import socket

    alone = verify(kafka, None, str(estate["shop"]))
    assert alone.returncode == 2 and "--schema-registry" in alone.stderr, alone.stderr
    with socket.socket() as s:  # a port on loopback nobody listens on
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    gone = verify(kafka, schema_registry, str(estate["shop"]), "--bootstrap-server", f"127.0.0.1:{closed}",
                  "--connect-timeout", "2")
    assert gone.returncode == 4 and "connection refused" in gone.stderr, gone.stderr
