"""Provisioning a platform team can trust, on the real broker: the spec is the truth for access,
drift is shown, a pipeline can branch on the plan, credentials as users write them, one clear
line per failure."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.e2e.clients import consume_outcomes, produce_outcomes, unique
from tests.e2e.conftest import provision_argv
from tests.e2e.test_provision import acls_of, provision, topic_config, topics_under, write_spec

pytestmark = pytest.mark.kafka

OWNER = """asyncapi: '2.6.0'
id: 'urn:{domain}'
info: {{title: T, version: '1.0.0', contact: {{name: T, email: t@acme.example}}}}
channels:
  _protected.orders:
    bindings: {{kafka: {{partitions: 1, configs: {{retention.ms: 86400000}}}}}}
    publish:
      operationId: publishOrders
      summary: Orders.
{tags}      message:
        bindings: {{kafka: {{key: {{type: string}}}}}}
        payload: {{type: object, properties: {{id: {{type: string}}}}}}
"""


def owner_spec(folder: Path, domain: str, grantee: str | None) -> str:
    folder.mkdir(exist_ok=True)
    (folder / ".git").mkdir(exist_ok=True)
    tags = f"      tags: [{{name: 'grant-access:{grantee}'}}]\n" if grantee else ""
    path = folder / "owner-api.yaml"
    path.write_text(OWNER.format(domain=domain, tags=tags))
    return str(path)


def folder(tmp_path: Path, name: str) -> Path:
    (tmp_path / name).mkdir(exist_ok=True)
    return tmp_path / name


def reads(kafka, client: dict, reader: str, topic: str) -> bool:
    return consume_outcomes(client, [topic], group=unique(f"{reader}.g"))[topic]


def run(args: list[str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, cwd=REPO, timeout=timeout)


def test_a_grant_removed_from_the_spec_is_revoked_unless_kept_on_purpose(kafka, tmp_path):
    domain, reader = "trust.revoke", "trust.reader"
    topic = f"{domain}._protected.orders"
    assert provision(kafka, owner_spec(tmp_path / "owner", domain, reader)).returncode == 0
    assert provision(kafka, write_spec(folder(tmp_path, "reader"), reader)).returncode == 0  # the reader's groups
    assert all(produce_outcomes(kafka.admin_config, [topic]).values())
    client = kafka.add_principal(reader)
    time.sleep(1)  # SCRAM credentials reach the broker through the metadata log
    assert reads(kafka, client, reader, topic)

    ungranted = owner_spec(tmp_path / "owner", domain, None)
    plan = provision(kafka, ungranted, "--dry-run", "--detailed-exitcode")
    assert plan.returncode == 3, plan.stdout + plan.stderr
    assert f"- revoke acl ALLOW User:{reader} READ TOPIC:LITERAL:{topic}" in plan.stdout
    assert f"{domain}: acl ALLOW User:{reader} READ TOPIC:LITERAL:{topic}: revoked by this plan" in plan.stdout
    assert plan.stdout.strip().endswith("Plan: 0 to create, 0 to update, 2 to delete")
    applied = provision(kafka, ungranted)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert not reads(kafka, client, reader, topic)  # the broker denies the former grantee
    assert provision(kafka, ungranted, "--dry-run", "--detailed-exitcode").returncode == 0  # nothing pending

    assert provision(kafka, owner_spec(tmp_path / "owner", domain, reader)).returncode == 0  # granted again
    assert reads(kafka, client, reader, topic)
    kept = provision(kafka, owner_spec(tmp_path / "owner", domain, None), "--keep-undeclared-acls")
    assert kept.returncode == 0 and kept.stdout.strip().endswith("Plan: 0 to create, 0 to update, 0 to delete")
    assert f"acl ALLOW User:{reader} READ TOPIC:LITERAL:{topic}: kept: --keep-undeclared-acls" in kept.stdout
    assert reads(kafka, client, reader, topic)


def test_every_plan_shows_drift_whether_or_not_it_fixes_it(kafka, tmp_path):
    from confluent_kafka.admin import AlterConfigOpType, ConfigEntry, ConfigResource, NewTopic, ResourceType

    domain = "trust.drift"
    spec = write_spec(tmp_path, domain)
    assert provision(kafka, spec).returncode == 0
    admin = kafka.admin()  # keep the handle alive until the futures resolve
    for f in admin.create_topics([NewTopic(f"{domain}._public.by-hand", 1, 1)]).values():
        f.result(timeout=20)
    entry = ConfigEntry("max.message.bytes", "2000000", incremental_operation=AlterConfigOpType.SET)
    resource = ConfigResource(ResourceType.TOPIC, f"{domain}._public.orders", incremental_configs=[entry])
    for f in admin.incremental_alter_configs([resource]).values():
        f.result(timeout=20)
    deadline = time.time() + 20
    while f"{domain}._public.by-hand" not in topics_under(kafka, domain + ".") and time.time() < deadline:
        time.sleep(0.3)

    plan = provision(kafka, spec, "--dry-run", "--format", "json")
    assert plan.returncode == 0, plan.stderr
    drift = {(d["kind"], d["name"]): d["outcome"] for d in json.loads(plan.stdout)["plan"]["drift"]}
    assert drift == {
        ("topic", f"{domain}._public.by-hand"): "kept: --clean-unspecified --allow-delete topics deletes it",
        ("config", f"{domain}._public.orders max.message.bytes=2000000"):
            "set on the broker, not in the spec: reset to the default by this plan"}
    text = provision(kafka, spec, "--dry-run")
    assert "Drift (on the cluster, not in the spec):" in text.stdout
    assert f"  {domain}: topic {domain}._public.by-hand: kept" in text.stdout


def test_detailed_exitcode_tells_pending_from_done_from_bad_input(kafka, tmp_path):
    domain = "trust.exitcode"
    spec = write_spec(tmp_path, domain)
    assert provision(kafka, spec, "--dry-run", "--detailed-exitcode").returncode == 3
    assert provision(kafka, spec, "--plan-out", str(tmp_path / "plan.json"), "--detailed-exitcode").returncode == 3
    assert provision(kafka, spec, "--dry-run").returncode == 0  # without the flag: 0, as before
    assert provision(kafka, spec).returncode == 0
    assert provision(kafka, spec, "--dry-run", "--detailed-exitcode").returncode == 0
    Path(spec).write_text("asyncapi: [")
    assert provision(kafka, spec, "--dry-run", "--detailed-exitcode").returncode == 2


def test_growing_partitions_of_a_keyed_topic_and_lowering_retention_are_warned_about(kafka, tmp_path):
    domain = "trust.warn"
    assert provision(kafka, write_spec(tmp_path, domain, partitions=3)).returncode == 0
    out = provision(kafka, write_spec(tmp_path, domain, partitions=6, retention=3600000))
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"! warning: {domain}._public.orders: partitions 3 -> 6 on a keyed topic" in out.stdout
    assert f"! warning: {domain}._public.orders: retention.ms 86400000 -> 3600000" in out.stdout
    assert topics_under(kafka, domain + ".")[f"{domain}._public.orders"] == 6  # warnings never block


def java_properties(kafka, tmp_path: Path, extra: str = "") -> Path:
    """The admin's credentials as a Java client (kafka-topics.sh, JulieOps) has them."""
    admin = kafka.admin_config
    props = tmp_path / "java-client.properties"
    props.write_text(f"bootstrap.servers={admin['bootstrap.servers']}\nsecurity.protocol=SASL_PLAINTEXT\n"
                     f"sasl.mechanism={admin['sasl.mechanism']}\n"
                     "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required \\\n"
                     f"    username=\"{admin['sasl.username']}\" password=\"{admin['sasl.password']}\";\n{extra}")
    return props


def test_a_java_client_properties_file_provisions_and_no_secret_is_printed(kafka, tmp_path):
    assert kafka.admin_config["sasl.mechanism"] == "PLAIN"
    props = java_properties(kafka, tmp_path)
    spec = write_spec(tmp_path, "trust.java")
    plan_file = tmp_path / "plan.json"
    out = run(provision_argv(str(props), spec, "--plan-out", str(plan_file)))
    assert out.returncode == 0, out.stderr
    applied = run(provision_argv(str(props), "--plan", str(plan_file)))
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "trust.java._public.orders" in topics_under(kafka, "trust.java.")
    storage = run([sys.executable, "-m", "specmesh_docs", "storage", spec, "--command-config", str(props)])
    assert storage.returncode == 0, storage.stderr
    secret = kafka.admin_config["sasl.password"]
    for text in (out.stdout, out.stderr, applied.stdout, applied.stderr, storage.stdout, storage.stderr,
                 plan_file.read_text()):
        assert secret not in text


def test_registry_settings_in_the_properties_file_or_the_environment_reach_only_the_registry(kafka, schema_registry, tmp_path):
    from confluent_kafka.schema_registry import SchemaRegistryClient

    props = java_properties(kafka, tmp_path, f"schema.registry.url={schema_registry}\n"
                                              "schema.registry.basic.auth.user.info=svc:registry-secret\n"
                                              "schema.registry.basic.auth.credentials.source=USER_INFO\n")
    spec = write_spec(tmp_path, "trust.registry")
    out = run(provision_argv(str(props), spec))
    assert out.returncode == 0, out.stdout + out.stderr
    assert "create schema trust.registry._public.orders-value" in out.stdout
    assert "trust.registry._public.orders-value" in SchemaRegistryClient({"url": schema_registry}).get_subjects()
    assert "registry-secret" not in out.stdout + out.stderr

    spec2 = write_spec(folder(tmp_path, "two"), "trust.registryenv")
    env_run = subprocess.run(provision_argv(kafka.admin_config_path, spec2), capture_output=True, text=True, cwd=REPO,
                             timeout=120, env={**os.environ, "SPECMESH_SCHEMA_REGISTRY_URL": schema_registry})
    assert env_run.returncode == 0, env_run.stdout + env_run.stderr
    assert "trust.registryenv._public.orders-value" in SchemaRegistryClient({"url": schema_registry}).get_subjects()


def one_line_error(out: subprocess.CompletedProcess) -> str:
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert "%3|" not in out.stderr and "rdkafka" not in out.stderr and "Traceback" not in out.stderr, out.stderr
    assert "<input>" not in out.stderr and len(lines) == 1, out.stderr
    return lines[0]


@pytest.mark.parametrize("command", ["provision", "storage", "consumption"])
def test_an_unreachable_broker_is_one_line_and_exit_1_within_seconds(tmp_path, command):
    props = tmp_path / "client.properties"
    props.write_text("bootstrap.servers=127.0.0.1:1\nsecurity.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\n"
                     "sasl.username=svc\nsasl.password=hunter2-very-secret\n")
    spec = write_spec(tmp_path, "trust.unreachable")
    args = (provision_argv(str(props), spec, "--connect-timeout", "3") if command == "provision" else
            [sys.executable, "-m", "specmesh_docs", command, spec, "--command-config", str(props), "--connect-timeout", "3"])
    start = time.monotonic()
    out = run(args)
    assert out.returncode == 4 and time.monotonic() - start < 20, out.stderr  # unreachable: retry
    line = one_line_error(out)
    assert line == "specmesh: error: cannot connect to 127.0.0.1:1: connection refused (is the broker running, is the port right?)"
    assert "hunter2" not in out.stdout + out.stderr


def test_a_wrong_password_says_authentication_failed(kafka, tmp_path):
    props = tmp_path / "client.properties"
    admin = kafka.admin_config
    props.write_text(f"bootstrap.servers={admin['bootstrap.servers']}\nsecurity.protocol=SASL_PLAINTEXT\n"
                     f"sasl.mechanism=PLAIN\nsasl.username={admin['sasl.username']}\nsasl.password=wrong-password\n")
    out = run(provision_argv(str(props), write_spec(tmp_path, "trust.auth")))
    assert out.returncode == 5  # authentication refused
    line = one_line_error(out)
    assert line.startswith(f"specmesh: error: authentication failed: {admin['bootstrap.servers']} refused "
                           f"User:{admin['sasl.username']} (SASL PLAIN)"), line


def test_a_principal_without_rights_is_told_which_operation_was_refused(kafka, tmp_path):
    client = kafka.add_principal("trust.nobody")
    time.sleep(1)
    props = tmp_path / "client.properties"
    props.write_text("".join(f"{k}={v}\n" for k, v in client.items()))
    out = run(provision_argv(str(props), write_spec(tmp_path, "trust.nobody")))
    assert out.returncode == 5  # authorisation refused
    line = one_line_error(out)
    assert line.startswith("specmesh: error: not authorised: User:trust.nobody may not describe ACLs (DESCRIBE on the "
                           "cluster)"), line
    assert "trust.nobody._public.orders" not in topics_under(kafka, "trust.nobody.")


def test_an_unreachable_registry_is_one_line_and_exit_4(kafka, tmp_path):
    out = run(provision_argv(kafka.admin_config_path, write_spec(tmp_path, "trust.noregistry"),
                             "--schema-registry", "http://127.0.0.1:1"))
    assert out.returncode == 4, out.stdout + out.stderr
    assert one_line_error(out) == ("specmesh: error: cannot connect to the schema registry at http://127.0.0.1:1: "
                                   "connection refused")
    assert "trust.noregistry._public.orders" not in topics_under(kafka, "trust.noregistry.")


def test_undeclared_subjects_are_drift_and_soft_deleted_only_when_allowed(kafka, schema_registry, tmp_path):
    from confluent_kafka.schema_registry import SchemaRegistryClient

    from tests.e2e.test_provision import EXTRA

    domain = "trust.subjects"
    registry = ["--schema-registry", schema_registry]
    assert provision(kafka, write_spec(tmp_path, domain, extra=EXTRA), *registry).returncode == 0
    client = SchemaRegistryClient({"url": schema_registry})
    gone = f"{domain}._public.returns-value"
    assert gone in client.get_subjects()
    schema_id = client.get_latest_version(gone).schema_id
    smaller = write_spec(tmp_path, domain)
    plain = provision(kafka, smaller, *registry)
    assert plain.returncode == 0 and gone in client.get_subjects()
    assert f"{domain}: schema {gone}: kept: --clean-unspecified --allow-delete schemas soft-deletes it" in plain.stdout
    cleaned = provision(kafka, smaller, *registry, "--clean-unspecified", "--allow-delete", "schemas")
    assert cleaned.returncode == 0, cleaned.stdout + cleaned.stderr
    assert f"- delete schema {gone}" in cleaned.stdout
    assert gone not in client.get_subjects() and f"{domain}._public.orders-value" in client.get_subjects()
    assert client.get_schema(schema_id).schema_str  # soft: old records still decode by id


def test_a_topic_that_already_exists_as_desired_counts_as_created(kafka):
    from specmesh_docs.provision.client import client_settings
    from specmesh_docs.provision.kafka import Cluster
    from specmesh_docs.provision.state import TopicState

    cluster = Cluster(client_settings(None, kafka.admin_config_path))
    wanted = TopicState("trust.exists._public.t", 2, 1, {"retention.ms": "3600000"})
    assert cluster.create_topics([wanted]) == {wanted.name: None}
    assert cluster.create_topics([wanted]) == {wanted.name: None}  # a re-run at any moment never fails
    deadline = time.time() + 20
    while topic_config(kafka, wanted.name).get("retention.ms") != "3600000" and time.time() < deadline:
        time.sleep(0.3)
    assert acls_of(kafka, "trust.exists") == set()


def test_exit_0_means_the_cluster_serves_a_200_spec_estate(own_kafka, tmp_path):
    """2,000 topics and 3,600 bindings: KRaft accepts them in seconds and serves them much later.
    provision returns 0 only once they are served: the very next client call sees all of them."""
    from confluent_kafka.admin import AclBindingFilter, AclOperation, AclPermissionType, ResourcePatternType, ResourceType

    sys.path.insert(0, str(REPO / "benchmarks"))
    from gen_estate import generate

    kafka, _ = own_kafka
    (tmp_path / ".git").mkdir()
    specs = [str(p) for p in generate(tmp_path / "estate", 200)]
    policy = ["--config", str(REPO / "examples" / "organisation-policy.yaml"), "--format", "json"]
    out = run(provision_argv(kafka.admin_config_path, *specs, *policy), timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    admin = kafka.admin()
    topics = admin.list_topics(timeout=30).topics  # the first call after exit 0
    every = AclBindingFilter(ResourceType.ANY, None, ResourcePatternType.ANY, None, None, AclOperation.ANY,
                             AclPermissionType.ANY)
    bindings = admin.describe_acls(every).result(timeout=30)
    plan = json.loads(out.stdout)["plan"]
    wanted_topics = {c["name"]: c["after"]["partitions"] for c in plan["changes"] if c["kind"] == "topic"}
    wanted_acls = sum(1 for c in plan["changes"] if c["kind"] == "acl")
    assert len(wanted_topics) == 2000 and wanted_acls >= 3600
    assert {n: len(topics[n].partitions) for n in wanted_topics if n in topics} == wanted_topics
    assert len(bindings) >= wanted_acls
    again = run(provision_argv(kafka.admin_config_path, *specs, *policy, "--dry-run", "--detailed-exitcode"), timeout=300)
    assert again.returncode == 0, again.stdout[-2000:]


def test_a_broker_that_wants_sasl_says_so_at_once_without_command_config(kafka, tmp_path):
    """No --command-config against the SASL listener: one line naming what is missing, in well under
    the connect timeout (before: `no answer within 10 s`)."""
    start = time.monotonic()
    out = run([sys.executable, "-m", "specmesh_docs", "provision", write_spec(tmp_path, "trust.nosasl"),
               "--policy-from-repo", "--bootstrap-server", kafka.admin_config["bootstrap.servers"], "--dry-run"])
    assert out.returncode == 5 and time.monotonic() - start < 8, out.stderr
    assert "wants SASL or TLS" in one_line_error(out)
