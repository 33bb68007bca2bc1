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
