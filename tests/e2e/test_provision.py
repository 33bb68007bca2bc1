"""`specmesh provision` against the real broker: access enforced, conformance outcomes, safety."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest
from confluent_kafka.admin import ConfigResource, ResourceType

from specmesh_docs.model import load_spec
from tests.conftest import EXAMPLE_SPECS as EXAMPLE_FILES
from tests.conftest import REPO
from tests.e2e.clients import consume_outcomes, group_allowed, produce_outcomes, transactional_id_allowed
from tests.e2e.conftest import provision_argv, reset_domains

pytestmark = pytest.mark.kafka

EXAMPLE_SPECS = [str(p) for p in EXAMPLE_FILES]


def provision(kafka, *args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run(provision_argv(kafka.admin_config_path, *args), capture_output=True, text=True, cwd=cwd, timeout=300)


def topics_under(kafka, prefix: str) -> dict[str, int]:
    meta = kafka.admin().list_topics(timeout=10)
    return {n: len(t.partitions) for n, t in meta.topics.items() if n.startswith(prefix)}


def topic_config(kafka, name: str) -> dict[str, str]:
    admin = kafka.admin()  # keep the handle alive until the futures resolve
    future = admin.describe_configs([ConfigResource(ResourceType.TOPIC, name)])
    return {k: e.value for k, e in next(iter(future.values())).result(timeout=20).items()}


def acls_of(kafka, needle: str) -> set[tuple]:
    """The broker's ACL bindings mentioning `needle`, read with the plain AdminClient (not our code)."""
    from confluent_kafka.admin import AclBindingFilter, AclOperation, AclPermissionType, ResourcePatternType

    every = AclBindingFilter(ResourceType.ANY, None, ResourcePatternType.ANY, None, None, AclOperation.ANY,
                             AclPermissionType.ANY)
    admin = kafka.admin()  # keep the handle alive until the future resolves
    return {(b.restype.name.replace("BROKER", "CLUSTER"), b.name, b.resource_pattern_type.name, b.principal,
             b.operation.name, b.permission_type.name, b.host)
            for b in admin.describe_acls(every).result(timeout=20) if needle in b.name or needle in b.principal}


def test_examples_access_matrix_is_enforced_by_the_broker(kafka, capsys):
    first = provision(kafka, *EXAMPLE_SPECS)
    assert first.returncode == 0, first.stdout + first.stderr
    again = provision(kafka, *EXAMPLE_SPECS)
    assert again.returncode == 0 and again.stdout.strip().endswith("Plan: 0 to create, 0 to update, 0 to delete")

    products = [load_spec(p) for p in EXAMPLE_SPECS]
    topics = {t.name: (p.domain, t) for p in products for t in p.topics}
    admin_client = {**kafka.admin_config}
    assert all(produce_outcomes(admin_client, sorted(topics)).values())  # one record in each, to read back
    principals = {p.domain: kafka.add_principal(p.domain) for p in products}
    time.sleep(1)  # SCRAM credentials reach the broker through the metadata log

    checked = 0
    mismatches = []
    for who, client in principals.items():
        wrote = produce_outcomes(client, sorted(topics))
        read = consume_outcomes(client, sorted(topics), group=f"{who}.matrix")
        for name, (owner, t) in topics.items():
            may_read = (who == owner or t.access == "_public" or (t.access == "_protected" and who in t.grants))
            for op, actual, expected in (("produce", wrote[name], who == owner), ("consume", read[name], may_read)):
                checked += 1
                if actual != expected:
                    mismatches.append(f"{who} {op} {name}: broker said {actual}, spec says {expected}")
    assert mismatches == []
    assert checked == len(principals) * len(topics) * 2
    with capsys.disabled():
        print(f"\naccess matrix: {len(principals)} principals x {len(topics)} topics x 2 operations = {checked} checks")

    # groups and transactional ids only under the principal's own prefix
    for who in ("health.fitness", "retail.checkout"):
        other = "finance.campaign"
        own_topic = next(n for n, (owner, _) in topics.items() if owner == who)
        assert group_allowed(principals[who], f"{who}.app", own_topic)
        assert not group_allowed(principals[who], f"{other}.app", own_topic)
        assert transactional_id_allowed(principals[who], f"{who}.tx-1")
        assert not transactional_id_allowed(principals[who], f"{other}.tx-1")


USER = """asyncapi: '2.6.0'
id: 'urn:DOMAIN'
info: {title: T, version: '1.0.0', contact: {name: T, email: t@acme.example}}
channels:
""" + "".join(f"""  _{access}.{name}:
    bindings: {{kafka: {{partitions: 1}}}}
    publish:
      operationId: publish{name.capitalize()}
      summary: {name}.
      message:
        bindings: {{kafka: {{key: {{type: string}}}}}}
        payload: {{type: object, properties: {{id: {{type: string}}}}}}
""" for access, name in (("public", "pub"), ("protected", "prot"), ("private", "priv")))


def test_prefix_of_one_domain_gives_no_rights_on_a_longer_one(kafka, tmp_path):
    (tmp_path / ".git").mkdir()
    specs = []
    for domain in ("acme.user", "acme.userprops"):
        path = tmp_path / f"{domain}-api.yaml"
        path.write_text(USER.replace("DOMAIN", domain))
        specs.append(str(path))
    out = provision(kafka, *specs)
    assert out.returncode == 0, out.stdout + out.stderr
    prefixed = {a for a in acls_of(kafka, "acme.user") if a[2] == "PREFIXED"}
    assert prefixed and all(a[1].endswith(".") for a in prefixed), prefixed

    topics = sorted(topics_under(kafka, "acme.user"))
    assert len(topics) == 6
    assert all(produce_outcomes(kafka.admin_config, topics).values())
    user, props = kafka.add_principal("acme.user"), kafka.add_principal("acme.userprops")
    time.sleep(1)
    for who, client, mine in (("acme.user", user, "acme.user."), ("acme.userprops", props, "acme.userprops.")):
        wrote = produce_outcomes(client, topics)
        read = consume_outcomes(client, topics, group=f"{who}.g")
        for topic in topics:
            own = topic.startswith(mine)
            assert wrote[topic] == own, (who, topic)
            assert read[topic] == (own or "._public." in topic), (who, topic)
        other = "acme.userprops" if who == "acme.user" else "acme.user"
        assert not group_allowed(client, f"{other}.g", next(t for t in topics if t.startswith(mine)))
        assert not transactional_id_allowed(client, f"{other}.tx")
        assert transactional_id_allowed(client, f"{who}.tx")


def test_conformance_bigdatalondon_topics_and_acls(kafka, corpus):
    reset_domains(kafka, "london.hammersmith.olympia.bigdatalondon")
    spec = corpus / "kafka" / "bigdatalondon-api.yaml"
    out = provision(kafka, str(spec))
    assert out.returncode == 0, out.stdout + out.stderr
    d = "london.hammersmith.olympia.bigdatalondon"
    assert topics_under(kafka, d + ".") == {f"{d}._public.attendee": 10, f"{d}._protected.retail.subway.food.purchase": 3,
                                            f"{d}._private.retail.subway.customers": 3}
    assert "london.hammersmith.transport._public.tube" not in kafka.admin().list_topics(timeout=10).topics
    assert topic_config(kafka, f"{d}._public.attendee")["cleanup.policy"] == "delete"
    owner = f"User:{d}"
    expected = {
        ("TOPIC", f"{d}.", "PREFIXED", owner, op) for op in ("DESCRIBE", "READ", "WRITE", "DELETE")} | {
        ("TOPIC", f"{d}._public.", "PREFIXED", "User:*", op) for op in ("DESCRIBE", "READ")} | {
        ("TOPIC", f"{d}._protected.retail.subway.food.purchase", "LITERAL", "User:some.other.domain.root", op)
        for op in ("DESCRIBE", "READ")} | {
        ("TOPIC", f"{d}._private.", "PREFIXED", owner, "CREATE"),
        ("CLUSTER", "kafka-cluster", "LITERAL", owner, "IDEMPOTENT_WRITE")} | {
        ("GROUP", f"{d}.", "PREFIXED", owner, op) for op in ("READ", "DELETE")} | {
        ("TRANSACTIONAL_ID", f"{d}.", "PREFIXED", owner, op) for op in ("DESCRIBE", "WRITE")}
    assert {a[:5] for a in acls_of(kafka, d)} == expected
    assert provision(kafka, str(spec)).stdout.strip().endswith("Plan: 0 to create, 0 to update, 0 to delete")


def test_conformance_update_spec_gives_exactly_the_listed_changes(kafka, corpus):
    reset_domains(kafka, "simple.provision_demo")
    base = corpus / "kafka" / "provisioner-functional-test-api.yaml"
    update = corpus / "kafka" / "provisioner-update-functional-test-api.yaml"
    d = "simple.provision_demo"
    out = provision(kafka, str(base))
    assert out.returncode == 0, out.stdout + out.stderr
    assert topics_under(kafka, d + ".") == {f"{d}._public.user_signed_up": 10, f"{d}._protected.user_info": 3}
    assert topic_config(kafka, f"{d}._public.user_signed_up")["retention.ms"] == "3600000"
    assert topic_config(kafka, f"{d}._protected.user_info")["retention.ms"] == "9900000"

    plan = json.loads(provision(kafka, str(update), "--dry-run", "--format", "json").stdout)["plan"]
    changes = {(c["action"], c["kind"], c["name"]): (c["before"], c["after"]) for c in plan["changes"]}
    assert changes == {
        ("update", "topic", f"{d}._public.user_signed_up"): (
            {"partitions": 10, "configs": {"retention.ms": "3600000"}},
            {"partitions": 99, "configs": {"retention.ms": "999000"}}),
        **{("create", "acl", f"ALLOW User:some.other.domain.acme-B {op} TOPIC:LITERAL:{d}._protected.user_info"): (
            None, {"resource_type": "TOPIC", "name": f"{d}._protected.user_info", "pattern": "LITERAL",
                   "principal": "User:some.other.domain.acme-B", "operation": op, "permission": "ALLOW", "host": "*"})
           for op in ("DESCRIBE", "READ")},
    }
    assert plan["summary"] == {"create": 2, "update": 1, "delete": 0}
    out = provision(kafka, str(update))
    assert out.returncode == 0, out.stdout + out.stderr
    assert topics_under(kafka, d + ".")[f"{d}._public.user_signed_up"] == 99
    assert topic_config(kafka, f"{d}._public.user_signed_up")["retention.ms"] == "999000"
    again = provision(kafka, str(update))
    assert again.returncode == 0 and again.stdout.strip().endswith("Plan: 0 to create, 0 to update, 0 to delete")


SAFETY = """asyncapi: '2.6.0'
id: 'urn:{domain}'
info: {{title: T, version: '1.0.0', contact: {{name: T, email: t@acme.example}}}}
channels:
  _public.orders:
    bindings: {{kafka: {{partitions: {partitions}, configs: {{retention.ms: {retention}}}}}}}
    publish:
      operationId: publishOrders
      summary: Orders.
      message:
        bindings: {{kafka: {{key: {{type: string}}}}}}
        payload: {{type: object, properties: {{id: {{type: string}}}}}}
{extra}"""
EXTRA = """  _public.returns:
    bindings: {kafka: {partitions: 1}}
    publish:
      operationId: publishReturns
      summary: Returns.
      message:
        bindings: {kafka: {key: {type: string}}}
        payload: {type: object, properties: {id: {type: string}}}
"""


def write_spec(tmp_path: Path, domain: str, partitions: int = 3, retention: int = 86400000, extra: str = "") -> str:
    (tmp_path / ".git").mkdir(exist_ok=True)
    path = tmp_path / "safety-api.yaml"
    path.write_text(SAFETY.format(domain=domain, partitions=partitions, retention=retention, extra=extra))
    return str(path)


def snapshot(kafka, domain: str):
    return topics_under(kafka, domain + "."), acls_of(kafka, domain)


def test_dry_run_and_plan_out_write_nothing(kafka, tmp_path):
    domain = "safety.dry"
    spec = write_spec(tmp_path, domain)
    before = snapshot(kafka, domain)
    dry = provision(kafka, spec, "--dry-run")
    assert dry.returncode == 0 and "+ create topic safety.dry._public.orders" in dry.stdout
    assert dry.stdout.strip().endswith("Plan: 13 to create, 0 to update, 0 to delete")
    saved = tmp_path / "plan.json"
    out = provision(kafka, spec, "--plan-out", str(saved))
    assert out.returncode == 0 and json.loads(saved.read_text())["summary"]["create"] == 13
    assert snapshot(kafka, domain) == before == ({}, set())

    applied = provision(kafka, "--plan", str(saved))
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "Apply: 13 applied, 0 failed" in applied.stdout
    assert provision(kafka, spec).stdout.strip().endswith("Plan: 0 to create, 0 to update, 0 to delete")


def test_saved_plan_is_refused_when_the_cluster_changed(kafka, tmp_path):
    domain = "safety.stale"
    spec = write_spec(tmp_path, domain)
    assert provision(kafka, spec).returncode == 0
    saved = tmp_path / "plan.json"
    assert provision(kafka, write_spec(tmp_path, domain, retention=3600000), "--plan-out", str(saved)).returncode == 0
    assert provision(kafka, write_spec(tmp_path, domain, partitions=5)).returncode == 0  # someone else changed it
    refused = provision(kafka, "--plan", str(saved))
    assert refused.returncode == 1 and "changed since" in refused.stderr
    assert topic_config(kafka, f"{domain}._public.orders")["retention.ms"] == "86400000"


def test_partition_decrease_is_refused_and_nothing_is_applied(kafka, tmp_path):
    domain = "safety.shrink"
    assert provision(kafka, write_spec(tmp_path, domain, partitions=4)).returncode == 0
    before = snapshot(kafka, domain)
    out = provision(kafka, write_spec(tmp_path, domain, partitions=2, retention=3600000, extra=EXTRA))
    assert out.returncode == 1
    assert "safety.shrink._public.orders: partitions cannot decrease (4 -> 2)" in out.stdout
    assert "nothing was applied" in out.stderr
    assert snapshot(kafka, domain) == before
    assert topic_config(kafka, f"{domain}._public.orders")["retention.ms"] == "86400000"


def test_clean_up_deletes_only_what_was_allowed(kafka, tmp_path):
    domain = "safety.clean"
    assert provision(kafka, write_spec(tmp_path, domain, extra=EXTRA)).returncode == 0
    assert f"{domain}._public.returns" in topics_under(kafka, domain + ".")
    smaller = write_spec(tmp_path, domain)  # returns gone from the spec
    # ACL left over from SpecMesh's delimiter-less prefixes, in the domain's namespace
    from confluent_kafka.admin import AclBinding, AclOperation, AclPermissionType, ResourcePatternType

    stray = AclBinding(ResourceType.TOPIC, domain, ResourcePatternType.PREFIXED, f"User:{domain}", "*",
                       AclOperation.READ, AclPermissionType.ALLOW)
    admin = kafka.admin()  # keep the handle alive until the futures resolve
    for f in admin.create_acls([stray]).values():
        f.result(timeout=20)

    plain = provision(kafka, smaller)  # an undeclared binding is revoked without any flag; topics stay
    assert plain.returncode == 0, plain.stdout + plain.stderr
    assert f"- revoke acl ALLOW User:{domain} READ TOPIC:PREFIXED:{domain}" in plain.stdout
    assert "- delete topic" not in plain.stdout
    assert f"{domain}: topic {domain}._public.returns: kept: --clean-unspecified --allow-delete topics" in plain.stdout
    assert f"{domain}._public.returns" in topics_under(kafka, domain + ".")
    assert (("TOPIC", domain, "PREFIXED", f"User:{domain}", "READ", "ALLOW", "*") not in acls_of(kafka, domain))
    topics_too = provision(kafka, smaller, "--clean-unspecified", "--allow-delete", "topics,acls")
    assert topics_too.returncode == 0 and f"- delete topic {domain}._public.returns" in topics_too.stdout
    deadline = time.time() + 20
    while f"{domain}._public.returns" in topics_under(kafka, domain + ".") and time.time() < deadline:
        time.sleep(0.5)
    assert set(topics_under(kafka, domain + ".")) == {f"{domain}._public.orders"}


def test_bad_options_are_usage_errors(kafka, tmp_path):
    spec = write_spec(tmp_path, "safety.usage")
    for args, message in (((spec, "--partition-count-factor", "1.5"), "must be in (0, 1]"),
                          ((spec, "--allow-delete", "everything"), "--allow-delete takes"),
                          ((), "give SPEC files")):
        out = provision(kafka, *args)
        assert out.returncode == 2 and message in out.stderr and "Traceback" not in out.stderr


def test_unreachable_cluster_fails_cleanly_and_prints_no_secret(tmp_path):
    props = tmp_path / "client.properties"
    props.write_text("bootstrap.servers=127.0.0.1:1\nsecurity.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\n"
                     "sasl.username=svc\nsasl.password=hunter2-very-secret\n")
    spec = write_spec(tmp_path, "safety.unreachable")
    out = subprocess.run(provision_argv(str(props), spec, "--timeout", "3"), capture_output=True, text=True, cwd=REPO, timeout=120)
    assert out.returncode == 4 and "cannot connect to 127.0.0.1:1" in out.stderr
    assert "hunter2" not in out.stdout + out.stderr and "Traceback" not in out.stderr
