"""`specmesh export` against real brokers and a real registry: the examples provisioned into one
cluster, exported, linted, provisioned into a second empty cluster; both clusters then hold the
same topics, configs and bindings, and the exported specs plan nothing on the first."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import EXAMPLES, REPO
from tests.e2e.conftest import provision_argv, start_broker

pytestmark = pytest.mark.kafka
POLICY = str(EXAMPLES / "organisation-policy.yaml")
SPECS = sorted(str(p) for p in EXAMPLES.glob("*/*-api.yaml")) + [str(EXAMPLES / "health-life-enhancer" / "asyncapi.yaml")]


@pytest.fixture(scope="module")
def first(tmp_path_factory):
    yield from start_broker(tmp_path_factory.mktemp("kafka-export-first"))


@pytest.fixture(scope="module")
def second(tmp_path_factory):
    yield from start_broker(tmp_path_factory.mktemp("kafka-export-second"))


def specmesh(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "specmesh_docs", *args], capture_output=True, text=True, cwd=REPO,
                          timeout=timeout)


def provision(kafka, registry: str, specs, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(provision_argv(kafka.admin_config_path, "--config", POLICY, "--schema-registry", registry,
                                         *specs, *args), capture_output=True, text=True, cwd=REPO, timeout=300)


def export(kafka, out: Path, *args: str) -> subprocess.CompletedProcess:
    return specmesh("export", "--command-config", kafka.admin_config_path, "--config", POLICY, "--out", str(out), *args)


def describe(kafka) -> tuple[dict, set]:
    """What a cluster holds, read with the admin client directly: topics (partitions, replicas,
    configs set on the topic) and every ACL binding."""
    from confluent_kafka.admin import (AclBindingFilter, AclOperation, AclPermissionType, ConfigResource, ConfigSource,
                                       ResourcePatternType, ResourceType)

    admin = kafka.admin()
    metadata = admin.list_topics(timeout=30)
    names = sorted(n for n in metadata.topics if not n.startswith("_"))
    futures = admin.describe_configs([ConfigResource(ResourceType.TOPIC, n) for n in names])
    topics = {}
    for resource, future in futures.items():
        entries = future.result(timeout=30)
        meta = metadata.topics[resource.name]
        topics[resource.name] = (len(meta.partitions), len(meta.partitions[0].replicas),
                                 {k: e.value for k, e in entries.items() if e.source == ConfigSource.DYNAMIC_TOPIC_CONFIG.value})
    every = AclBindingFilter(ResourceType.ANY, None, ResourcePatternType.ANY, None, None, AclOperation.ANY,
                             AclPermissionType.ANY)
    acls = {(b.restype.name, b.name, b.resource_pattern_type.name, b.principal, b.operation.name, b.permission_type.name)
            for b in admin.describe_acls(every).result(timeout=30)}
    return topics, acls


def test_round_trip_examples_to_specs_to_a_second_cluster(first, second, schema_registry, tmp_path):
    run = provision(first, schema_registry, SPECS)
    assert run.returncode == 0, run.stderr + run.stdout
    out = tmp_path / "exported"
    run = export(first, out, "--all", "--schema-registry", schema_registry, "--report", str(tmp_path / "report.json"))
    assert run.returncode == 0, run.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    assert sorted(report["domains"]) == ["finance.campaign", "health.fitness", "health.life_enhancer",
                                         "platform.control_plane", "retail.checkout"]
    assert report["unfit"] == [] and report["admin_requests"] <= 6
    exported = sorted(str(p) for p in out.glob("*/*-api.yaml"))
    assert len(exported) == 5

    doc = yaml.safe_load((out / "finance.campaign" / "finance.campaign-api.yaml").read_text())
    budget = doc["channels"]["_protected.campaign-budget"]
    assert budget["bindings"]["kafka"] == {"partitions": 3, "replicas": 1, "configs": {"cleanup.policy": "compact"}}
    assert budget["publish"]["tags"] == [{"name": "grant-access:platform.control_plane"}]
    assert doc["channels"]["_public.sale"]["publish"]["message"]["payload"] == {
        "$ref": "schema/finance.campaign._public.sale-value.json"}
    assert json.loads((out / "finance.campaign" / "schema" / "finance.campaign._public.sale-value.json").read_text())

    lint = specmesh("lint", str(out), "--config", POLICY)
    assert lint.returncode == 0 and " 0 error(s)" in lint.stderr, lint.stdout + lint.stderr

    run = provision(second, schema_registry, exported)
    assert run.returncode == 0, run.stderr + run.stdout
    assert describe(first) == describe(second)

    again = provision(first, schema_registry, exported, "--dry-run", "--detailed-exitcode")
    assert again.returncode == 0 and "Plan: 0 to create, 0 to update, 0 to delete" in again.stdout, again.stdout


def test_asyncapi_3_export_reads_as_the_same_data_products(first, schema_registry, tmp_path):
    """Same cluster, both dialects: the model loaded from each is the same (topics, sizes, configs, grants, schemas)."""
    from specmesh_docs.model import load_spec

    provision(first, schema_registry, SPECS)
    products = {}
    for fmt in ("asyncapi-2", "asyncapi-3"):
        run = export(first, tmp_path / fmt, "--domain", "finance.campaign", "--domain", "health.fitness",
                     "--format", fmt, "--schema-registry", schema_registry)
        assert run.returncode == 0, run.stderr
        lint = specmesh("lint", str(tmp_path / fmt), "--config", POLICY)
        assert lint.returncode == 0, lint.stdout + lint.stderr
        products[fmt] = {p.domain: [(t.name, t.partitions, t.replicas, t.configs, t.grants, t.value.format if t.value else None,
                                     [f.name for f in t.value.fields] if t.value else None)
                                    for t in sorted(p.topics, key=lambda t: t.name)]
                         for p in map(load_spec, sorted((tmp_path / fmt).glob("*/*-api.yaml")))}
    assert products["asyncapi-2"] == products["asyncapi-3"]
    assert yaml.safe_load((tmp_path / "asyncapi-3" / "health.fitness" / "health.fitness-api.yaml").read_text())[
        "asyncapi"] == "3.0.0"


def test_a_cluster_with_names_that_are_not_data_products(second, tmp_path):
    """Exports what fits, skips internal topics, says why the rest cannot become data products; lint of the
    output names what the team fixes first."""
    from confluent_kafka.admin import AclBinding, AclOperation, AclPermissionType, NewTopic, ResourcePatternType, ResourceType

    admin = second.admin()
    for future in admin.create_topics([NewTopic(n, 1, 1) for n in ("orders", "prod.payments.v2", "legacy.billing.invoices",
                                                                  "_legacy._public.x")]).values():
        try:
            future.result(timeout=30)
        except Exception as exc:  # a re-run on the same broker
            assert "TOPIC_ALREADY_EXISTS" in str(exc)
    owner = [AclBinding(ResourceType.TOPIC, "legacy.billing.", ResourcePatternType.PREFIXED, "User:legacy.billing", "*",
                        op, AclPermissionType.ALLOW) for op in (AclOperation.WRITE, AclOperation.READ)]
    deny = AclBinding(ResourceType.TOPIC, "legacy.billing.invoices", ResourcePatternType.LITERAL, "User:auditor", "*",
                      AclOperation.WRITE, AclPermissionType.DENY)
    writer = AclBinding(ResourceType.TOPIC, "legacy.billing.invoices", ResourcePatternType.LITERAL, "User:legacy.pos",
                        "*", AclOperation.WRITE, AclPermissionType.ALLOW)
    for future in admin.create_acls([*owner, deny, writer]).values():
        future.result(timeout=30)

    out = tmp_path / "out"
    run = export(second, out, "--all", "--report", str(tmp_path / "report.json"))
    assert run.returncode == 0, run.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    unfit = {u["topic"]: u["reason"] for u in report["unfit"]}
    assert set(unfit) == {"orders", "prod.payments.v2"}, unfit
    assert "one segment" in unfit["orders"] and "no access segment" in unfit["prod.payments.v2"]
    assert "__consumer_offsets" not in unfit and "_legacy._public.x" in report["internal"]
    assert "orders: not exported: one segment" in run.stderr
    legacy = report["domains"]["legacy.billing"]
    assert legacy["topics"] == 1 and any("User:auditor WRITE" in n and "revokes it" in n for n in legacy["notes"])
    assert not any("legacy.pos" in n for n in legacy["notes"])  # another domain's WRITE: a write grant
    assert "grant-write:legacy.pos" in (out / "legacy.billing" / "legacy.billing-api.yaml").read_text()

    lint = specmesh("lint", str(out / "legacy.billing"), "--config", POLICY)
    assert lint.returncode == 1, lint.stdout + lint.stderr
    assert "error TOPIC-NAME-FORMAT topic legacy.billing.invoices has no access level" in lint.stdout


def test_export_refuses_bad_input_and_reports_a_missing_domain(second, tmp_path):
    run = export(second, tmp_path / "out")
    assert run.returncode == 2 and "--domain D (repeatable) or --all" in run.stderr and "Traceback" not in run.stderr
    run = export(second, tmp_path / "out", "--domain", "../etc")
    assert run.returncode == 2 and "not a domain id" in run.stderr
    run = export(second, tmp_path / "out", "--domain", "nobody.here")
    assert run.returncode == 1 and "nobody.here: no topic on the cluster" in run.stderr
    assert not (tmp_path / "out" / "nobody.here").exists()
    run = specmesh("export", "--all", "--out", str(tmp_path / "x"), "--bootstrap-server", "127.0.0.1:1",
                   "--connect-timeout", "2")
    assert run.returncode == 4 and "cannot connect to 127.0.0.1:1" in run.stderr and "Traceback" not in run.stderr
