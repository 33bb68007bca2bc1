"""The pytest plugin (specmesh_docs.testing) on the real broker and registry: schema-aware
produce/consume through the registry, and a broken service failing its black-box test."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date

import pytest

from tests.conftest import EXAMPLES, REPO

pytestmark = pytest.mark.kafka
POLICY = str(EXAMPLES / "organisation-policy.yaml")


def test_produce_and_consume_through_the_registry_as_each_domain(provisioned, schema_registry):
    context = provisioned(EXAMPLES / "finance-campaign" / "finance-campaign-api.yaml",
                          EXAMPLES / "health-fitness" / "health-fitness-api.yaml", registry=schema_registry, policy=POLICY)
    fitness = context.as_domain("health.fitness")
    summary = {"user_id": "u-7", "day": 20454, "steps": 4321, "resting_heart_rate": None,
               "sleep": {"minutes": 400, "quality": "GOOD"}}
    fitness.produce("health.fitness._public.user-health", summary, key="u-7")  # Avro, the registered schema
    read = context.as_admin().consume("health.fitness._public.user-health", n=1)
    assert read == [{**summary, "day": date(2026, 1, 1)}]  # Avro's logical date, decoded
    with pytest.raises(ValueError):  # the Avro serializer refuses what the schema does not allow
        fitness.produce("health.fitness._public.user-health", {"user_id": "u-8"}, key="u-8")
    sale = {"sale_id": "s-1", "campaign_id": "c-1", "amount": {"value": 1.5, "currency": "EUR"},
            "sold_at": "2026-07-01T10:15:00Z"}
    context.as_domain("finance.campaign").produce("finance.campaign._public.sale", sale, key={"sale_id": "s-1"})
    assert context.expect("finance.campaign._public.sale", lambda v: v["sale_id"] == "s-1", within=20) == sale
    with pytest.raises(PermissionError):  # health.fitness does not own finance's topic
        fitness.produce("finance.campaign._public.sale", sale, key={"sale_id": "s-2"})
    context.assert_denied("health.fitness", "finance.campaign._protected.campaign-budget")
    with pytest.raises(AssertionError, match="could read"):
        context.assert_denied("finance.campaign", "finance.campaign._protected.campaign-budget")  # its owner


def test_verify_passes_conforming_records_and_names_the_one_that_is_not(provisioned, schema_registry):
    context = provisioned(EXAMPLES / "health-fitness" / "health-fitness-api.yaml", registry=schema_registry,
                          policy=POLICY)
    topic = "health.fitness._public.user-health"
    fitness = context.as_domain("health.fitness")
    fitness.produce(topic, {"user_id": "u-1", "day": 20454, "steps": 10, "resting_heart_rate": None,
                            "sleep": {"minutes": 1, "quality": "GOOD"}}, key="u-1")
    row = context.verify(topic)
    assert row["records"]["read"] == 1 and row["records"]["valid"] == 1
    fitness.produce(topic, b'{"user_id": "u-2"}', key="u-2")  # JSON bytes, not the registry's Avro
    with pytest.raises(AssertionError, match=r"(?s)1 of 2 records .* partition \d+ offset \d+ value: NOT-FRAMED") as failed:
        context.verify(topic)
    assert "u-2" not in str(failed.value)


def test_a_service_writing_to_the_wrong_topic_fails_its_black_box_test(specmesh_cluster):
    """The example's functional test, run by pytest against this session's broker, with the scorer
    sending its scores to another topic: the test must fail, naming the topic it waited on."""
    test = EXAMPLES / "health-life-enhancer" / "tests" / "test_scorer_blackbox.py"
    env = dict(os.environ, SCORER_OUTPUT_TOPIC="health.life_enhancer._public.user-score-wrong",
               SPECMESH_BOOTSTRAP_SERVERS=specmesh_cluster.bootstrap, SPECMESH_COMMAND_CONFIG=specmesh_cluster.admin_config,
               SPECMESH_SCRAM="1")
    run = subprocess.run([sys.executable, "-m", "pytest", f"{test}::test_a_health_summary_becomes_a_score", "-q",
                          "-p", "no:cacheprovider", "-p", "no:randomly"], capture_output=True, text=True, cwd=REPO,
                         env=env, timeout=300)
    assert run.returncode == 1, run.stdout[-3000:]
    assert "1 failed" in run.stdout and "no record on health.life_enhancer._public.user-score matched" in run.stdout


def test_protobuf_through_the_registry_from_the_spec_alone(provisioned, schema_registry):
    """No generated classes: the plugin compiles the registered .proto; values in the JSON mapping,
    framed for the registry (a consumer with confluent-kafka's own deserializer reads them)."""
    from confluent_kafka import Consumer
    from confluent_kafka.schema_registry import SchemaRegistryClient

    from specmesh_docs.sample import records

    context = provisioned(EXAMPLES / "retail-checkout" / "retail-checkout-api.yaml", registry=schema_registry,
                          policy=POLICY)
    topic = "retail.checkout._public.order-placed"
    order = records(context.schema_of(topic).value, 1, seed=11)[0]
    context.as_domain("retail.checkout").produce(topic, order, key=order["orderId"])
    read = context.expect(topic, lambda v: v["orderId"] == order["orderId"], within=20)
    assert [line["sku"] for line in read["lines"]] == [line["sku"] for line in order["lines"]]
    assert read["totalCents"] == order["totalCents"]  # int64: a string in the JSON mapping, both ways
    framed_id = SchemaRegistryClient({"url": schema_registry}).get_latest_version(f"{topic}-value").schema_id
    consumer = Consumer({**context.cluster.admin_settings, "group.id": "raw-read", "auto.offset.reset": "earliest"})
    consumer.subscribe([topic])
    try:  # the bytes as they are on the topic, for any consumer with a registry-aware deserializer
        values = [m.value() for m in consumer.consume(num_messages=1, timeout=15) if m.error() is None]
    finally:
        consumer.close()
    assert values and values[0][0] == 0 and int.from_bytes(values[0][1:5], "big") == framed_id  # magic byte, schema id
    with pytest.raises(Exception, match="notAField"):  # the registered schema refuses an unknown field
        context.as_domain("retail.checkout").produce(topic, {"orderId": "x", "notAField": 1}, key="x")
