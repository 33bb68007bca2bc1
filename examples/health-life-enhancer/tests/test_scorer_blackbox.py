"""Black-box tests of health.life_enhancer's scorer, written against its spec only: the
real broker, the specs provisioned as production gets them, input injected as health.fitness,
output read from the scorer's topic (specmesh_docs' pytest plugin: `provisioned`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from specmesh_docs.sample import records

HERE = Path(__file__).resolve().parent
CONTEXT = HERE.parent
EXAMPLES = CONTEXT.parent
POLICY = str(EXAMPLES / "organisation-policy.yaml")
SCORES = "health.life_enhancer._public.user-score"
HEALTH = "health.fitness._public.user-health"

pytestmark = pytest.mark.kafka


@pytest.fixture
def context(provisioned):
    """The scorer's spec, and those it reads from (health.fitness) or is refused by (finance.campaign)."""
    return provisioned(CONTEXT / "asyncapi.yaml", EXAMPLES / "health-fitness" / "health-fitness-api.yaml",
                       EXAMPLES / "finance-campaign" / "finance-campaign-api.yaml", policy=POLICY)


def start_scorer(context, tmp_path: Path, output: str | None = None) -> subprocess.Popen:
    """The service as its own principal (User:health.life_enhancer), as it runs in production."""
    config = tmp_path / "scorer.json"
    config.write_text(json.dumps(context.credentials("health.life_enhancer")))
    env = dict(os.environ, SCORER_CONFIG=str(config), **({"SCORER_OUTPUT_TOPIC": output} if output else {}))
    proc = subprocess.Popen([sys.executable, str(CONTEXT / "service" / "scorer.py")], env=env,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and "ready" not in (proc.stderr.readline() or ""):
        assert proc.poll() is None, "the scorer exited"
    return proc


@pytest.fixture
def scorer(context, tmp_path):
    proc = start_scorer(context, tmp_path, os.environ.get("SCORER_OUTPUT_TOPIC"))
    yield proc
    proc.terminate()
    proc.wait(timeout=30)


def test_a_health_summary_becomes_a_score(context, scorer):
    fitness = context.as_domain("health.fitness")
    fitness.produce(HEALTH, {"user_id": "u-1", "day": 20454, "steps": 12_000, "resting_heart_rate": 60,
                             "sleep": {"minutes": 480, "quality": "GOOD"}}, key="u-1")
    score = context.expect(SCORES, lambda v: v["user_id"] == "u-1", within=30)
    assert score["score"] == 100.0 and {f["name"] for f in score["factors"]} == {"steps", "sleep"}


def test_boundary_records_from_the_schema_give_scores_in_range(context, scorer):
    fitness = context.as_domain("health.fitness")
    value_schema = next(t for t in context.products["health.fitness"].topics if t.name == HEALTH).value
    edges = records(value_schema, 4, seed=3, boundary=True)
    for i, record in enumerate(edges):
        record["user_id"] = f"edge-{i}"  # the boundary's empty and longest strings, made distinct
        fitness.produce(HEALTH, record, key=record["user_id"])
    for i in range(len(edges)):
        score = context.expect(SCORES, lambda v, i=i: v["user_id"] == f"edge-{i}", within=30)
        assert 0 <= score["score"] <= 100


def test_an_invalid_summary_is_rejected_and_the_next_one_still_scored(context, scorer):
    fitness = context.as_domain("health.fitness")
    fitness.produce(HEALTH, {"user_id": "bad-1", "steps": "many"}, key="bad-1")
    fitness.produce(HEALTH, {"user_id": "ok-1", "day": 1, "steps": 6000, "sleep": {"minutes": 240, "quality": "FAIR"}},
                    key="ok-1")
    assert context.expect(SCORES, lambda v: v["user_id"] == "ok-1", within=30)["score"] == 50.0
    assert not any(v["user_id"] == "bad-1" for v in context.as_admin().consume(SCORES, n=100, timeout=3))


def test_the_scorers_principal_reads_only_what_it_was_granted(context):
    context.as_domain("health.life_enhancer").consume("health.fitness._protected.workout", n=1, timeout=3)  # granted
    context.assert_denied("health.life_enhancer", "finance.campaign._protected.campaign-budget")
    context.assert_denied("health.life_enhancer", "health.fitness._private.device-telemetry")
