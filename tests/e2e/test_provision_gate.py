"""Provisioning applies only validated specs: lint runs first, errors refuse, the policy relaxes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.test_provision import provision, snapshot
from tests.unit.test_lint import PII_PUBLIC

pytestmark = pytest.mark.kafka

GOOD = PII_PUBLIC.replace("email: {type: string, x-pii: true, description: E-mail.}",
                          "email: {type: string, description: E-mail.}")


def repo(tmp_path: Path, text: str, policy: str | None = None) -> str:
    (tmp_path / ".git").mkdir(exist_ok=True)
    spec = tmp_path / "orders-api.yaml"
    spec.write_text(text.replace("urn:acme.orders", "urn:gate.orders"))
    if policy is not None:
        (tmp_path / "specmesh.yaml").write_text(policy)
    return str(spec)


def test_lint_error_refuses_and_leaves_the_cluster_untouched(kafka, tmp_path):
    spec = repo(tmp_path, PII_PUBLIC)  # PII on a _public topic, kept forever
    before = snapshot(kafka, "gate.orders")
    for args in ((), ("--dry-run",), ("--plan-out", str(tmp_path / "plan.json"))):
        out = provision(kafka, spec, *args)
        assert out.returncode == 1, out.stdout + out.stderr
        assert "error PII-PUBLIC" in out.stdout and "error PII-RETENTION" in out.stdout
        assert "nothing was planned or applied" in out.stderr and "Plan:" not in out.stdout
    assert not (tmp_path / "plan.json").exists()
    assert snapshot(kafka, "gate.orders") == before == ({}, set())

    report = json.loads(provision(kafka, spec, "--format", "json").stdout)
    assert report["plan"] is None and report["applied"] is False
    assert {f["rule"] for f in report["lint"] if f["severity"] == "error"} == {"PII-PUBLIC", "PII-RETENTION"}


def test_the_policy_file_relaxes_a_rule_and_the_same_spec_provisions(kafka, tmp_path):
    spec = repo(tmp_path, PII_PUBLIC, "severities:\n  PII-PUBLIC: 'off'\n  PII-RETENTION: warning\n")
    out = provision(kafka, spec)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "warning PII-RETENTION" in out.stdout  # printed, not blocking
    assert "gate.orders._public.customer" in snapshot(kafka, "gate.orders")[0]


def test_cross_spec_rules_use_the_catalog(kafka, tmp_path):
    from tests.conftest import EXAMPLES

    text = GOOD + """  health.fitness._protected.workout:
    subscribe:
      operationId: readWorkouts
      summary: Not granted to us.
      message: {name: Workout}
"""
    spec = repo(tmp_path, text)
    out = provision(kafka, spec, "--catalog", str(EXAMPLES), "--dry-run")
    assert out.returncode == 1 and "error XSPEC-PROTECTED-GRANT" in out.stdout


def test_a_plan_made_before_a_spec_edit_is_refused_after_it(kafka, tmp_path):
    spec = repo(tmp_path, GOOD.replace("_public.customer", "_public.edited"))
    saved = tmp_path / "plan.json"
    assert provision(kafka, spec, "--plan-out", str(saved)).returncode == 0
    Path(spec).write_text(Path(spec).read_text().replace("partitions: 3", "partitions: 4"))
    refused = provision(kafka, "--plan", str(saved))
    assert refused.returncode == 1 and "the specs or the policy changed" in refused.stderr
    assert snapshot(kafka, "gate.orders")[0].get("gate.orders._public.edited") is None

    Path(spec).write_text(Path(spec).read_text().replace("partitions: 4", "partitions: 3"))
    (tmp_path / "specmesh.yaml").write_text("severities:\n  DOC-FIELDS: 'off'\n")  # the policy changed
    refused = provision(kafka, "--plan", str(saved))
    assert refused.returncode == 1 and "the specs or the policy changed" in refused.stderr
    (tmp_path / "specmesh.yaml").unlink()
    applied = provision(kafka, "--plan", str(saved))
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert snapshot(kafka, "gate.orders")[0].get("gate.orders._public.edited") == 3


def test_a_parent_domain_never_takes_over_its_child_on_the_broker(kafka, tmp_path):
    """`urn:nest` beside `nest.child`: refused by lint with the child in --catalog, and by the plan
    from the cluster's own evidence without it; clean-up never touches the child."""
    from tests.e2e.test_provision import write_spec

    for side in ("child", "parent"):
        (tmp_path / side).mkdir()
    child = write_spec(tmp_path / "child", "nest.child")
    assert provision(kafka, child).returncode == 0
    child_state = snapshot(kafka, "nest.child")
    assert child_state[0] and child_state[1]
    parent = write_spec(tmp_path / "parent", "nest")
    gated = provision(kafka, parent, "--catalog", str(tmp_path / "child"), "--dry-run")
    assert gated.returncode == 1 and "error XSPEC-DOMAIN-NESTED" in gated.stdout, gated.stdout + gated.stderr
    assert "covers the namespace of domain nest.child" in gated.stdout
    for args in ((), ("--clean-unspecified", "--allow-delete", "topics,acls")):
        refused = provision(kafka, parent, *args)
        assert refused.returncode == 1 and "which another domain owns" in refused.stdout + refused.stderr, \
            refused.stdout + refused.stderr
    assert snapshot(kafka, "nest.child") == child_state
    assert snapshot(kafka, "nest")[0] == {k: v for k, v in child_state[0].items()}  # no topic of the parent's
    # the other side, as SECURITY.md says: the nested team's release is never blocked by a parent elsewhere
    child_again = provision(kafka, child, "--catalog", str(tmp_path / "parent"), "--dry-run", "--detailed-exitcode")
    assert child_again.returncode == 0 and "XSPEC-DOMAIN-NESTED" not in child_again.stdout, \
        child_again.stdout + child_again.stderr
