"""Desired state and the plan diff: pure, no broker."""

from __future__ import annotations

import dataclasses

import pytest

from specmesh_docs.errors import SpecError
from specmesh_docs.policy import Policy
from specmesh_docs.provision.desired import desired_state
from specmesh_docs.provision.plan import diff, render_text
from specmesh_docs.provision.state import Acl, Observed, TopicState
from specmesh_docs.model import load_spec
from tests.conftest import EXAMPLES

D = "london.hammersmith.olympia.bigdatalondon"


@pytest.fixture
def bigdatalondon(corpus):
    return lambda name="bigdatalondon-api.yaml": load_spec(corpus / "kafka" / name)


def test_owner_override_changes_only_the_owner_rows(bigdatalondon):
    default = desired_state(bigdatalondon(), Policy())
    bob = desired_state(bigdatalondon(), Policy(), owner_principal="bob")
    owner_rows = {a for a in default.acls if a.principal == f"User:{D}"}
    assert owner_rows and {a._replace(principal="User:bob") for a in owner_rows} == {a for a in bob.acls if a.principal == "User:bob"}
    assert {a for a in default.acls if a.principal != f"User:{D}"} == {a for a in bob.acls if a.principal != "User:bob"}


def test_every_prefixed_name_ends_with_the_delimiter(bigdatalondon):
    acls = desired_state(bigdatalondon(), Policy()).acls
    assert all(a.name.endswith(".") for a in acls if a.pattern == "PREFIXED")
    assert len(acls) == 14  # the conformance table: 4 + 2 + 2 (one grant) + 1 + 2 + 2 + 1


def test_grant_tags_on_untiered_topics_give_literal_reads(bigdatalondon):
    acls = desired_state(bigdatalondon("bigdatalondon-api-with-grant-access-acls.yaml"), Policy()).acls
    literal = {(a.name, a.principal, a.operation) for a in acls if a.pattern == "LITERAL" and a.resource_type == "TOPIC"}
    assert literal == {(f"{D}.attendee", "User:*", "DESCRIBE"), (f"{D}.attendee", "User:*", "READ"),
                       (f"{D}.retail.subway.food.purchase", "User:some.other.domain.root", "DESCRIBE"),
                       (f"{D}.retail.subway.food.purchase", "User:some.other.domain.root", "READ")}


def test_private_create_acl_can_be_switched_off(bigdatalondon):
    acls = desired_state(bigdatalondon(), Policy(private_create_acl=False)).acls
    assert not any(a.operation == "CREATE" for a in acls)


@pytest.mark.parametrize("factor, expected", [(1.0, 10), (0.5, 5), (0.01, 1)])
def test_partition_count_factor_scales_and_never_goes_below_one(bigdatalondon, factor, expected):
    topics = desired_state(bigdatalondon(), Policy(), factor=factor).topics
    assert topics[f"{D}._public.attendee"].partitions == expected


@pytest.mark.parametrize("factor", [0, -1, 1.5])
def test_partition_count_factor_out_of_range_is_a_clear_error(bigdatalondon, factor):
    with pytest.raises(SpecError, match=r"must be in \(0, 1\]"):
        desired_state(bigdatalondon(), Policy(), factor=factor)


def test_pii_topics_get_retention_capped_at_the_policy_maximum():
    product = load_spec(EXAMPLES / "platform-control-plane" / "platform-control-plane-api.yaml")
    pii = [t for t in product.topics if t.pii]
    assert pii
    no_retention = dataclasses.replace(pii[0], configs={})
    too_long = dataclasses.replace(pii[0], configs={"retention.ms": "-1"})
    product = dataclasses.replace(product, topics=[no_retention])
    assert desired_state(product, Policy(pii_max_retention_ms=1000)).topics[pii[0].name].configs["retention.ms"] == "1000"
    product = dataclasses.replace(product, topics=[too_long])
    assert desired_state(product, Policy()).topics[pii[0].name].configs["retention.ms"] == "172800000"


def observed_from(desired) -> Observed:
    return Observed(topics={n: dataclasses.replace(t, configs=dict(t.configs)) for n, t in desired.topics.items()},
                    dynamic_configs={n: set(t.configs) for n, t in desired.topics.items()}, acls=set(desired.acls))


def test_no_change_plans_nothing(bigdatalondon):
    desired = desired_state(bigdatalondon(), Policy())
    plan = diff(desired, observed_from(desired))
    assert plan.changes == [] and plan.errors == []
    assert render_text(plan).strip() == "Plan: 0 to create, 0 to update, 0 to delete"


def test_partition_decrease_and_replication_change_are_refused(bigdatalondon):
    desired = desired_state(bigdatalondon(), Policy())
    observed = observed_from(desired)
    name = f"{D}._public.attendee"
    observed.topics[name] = TopicState(name, 20, 3, dict(desired.topics[name].configs))
    plan = diff(desired, observed)
    assert any("partitions cannot decrease (20 -> 10)" in e and name in e for e in plan.errors)
    assert any("replication factor 3 -> 1" in e for e in plan.errors)


def set_on_the_broker(bigdatalondon, key: str, value: str):
    """The spec's desired state, and the cluster with one topic config set by hand; (desired, observed, topic)."""
    desired = desired_state(bigdatalondon(), Policy())
    observed = observed_from(desired)
    name = f"{D}._public.attendee"
    observed.topics[name].configs[key] = value
    observed.dynamic_configs[name].add(key)
    return desired, observed, name


def test_a_config_removed_from_the_spec_goes_back_to_the_default(bigdatalondon):
    desired, observed, name = set_on_the_broker(bigdatalondon, "retention.ms", "5")
    plan = diff(desired, observed)
    [change] = plan.changes
    assert change.after == {"configs": {"retention.ms": None}} and change.before == {"configs": {"retention.ms": "5"}}
    assert "retention.ms 5 -> (default)" in render_text(plan)


def test_undeclared_bindings_are_revoked_by_default_and_topics_deleted_only_when_allowed(bigdatalondon):
    desired = desired_state(bigdatalondon(), Policy())
    observed = observed_from(desired)
    observed.topics[f"{D}._public.old"] = TopicState(f"{D}._public.old", 1, 1)
    stray = Acl("TOPIC", D, "PREFIXED", f"User:{D}", "READ")
    observed.acls.add(stray)
    plain = diff(desired, observed)
    assert [(c.action, c.name) for c in plain.changes] == [("delete", str(stray))]
    assert [(d.kind, d.outcome) for d in plain.drift] == [
        ("acl", "revoked by this plan"), ("topic", "kept: --clean-unspecified --allow-delete topics deletes it")]
    text = render_text(plain)
    assert f"  - revoke acl {stray}" in text and "Drift (on the cluster, not in the spec):" in text
    kept = diff(desired, observed, keep_acls=True)
    assert kept.changes == [] and [d.outcome for d in kept.drift][0] == "kept: --keep-undeclared-acls"
    both = diff(desired, observed, True, frozenset({"topics"}))
    assert {(c.action, c.kind) for c in both.changes} == {("delete", "acl"), ("delete", "topic")}
    assert render_text(both).strip().endswith("Plan: 0 to create, 0 to update, 2 to delete")


def test_changes_a_kafka_engineer_would_comment_on_come_with_warnings(bigdatalondon):
    desired = desired_state(bigdatalondon(), Policy())
    observed = observed_from(desired)
    name = f"{D}._public.attendee"
    desired.keyed.add(name)
    want = desired.topics[name]
    observed.topics[name] = TopicState(name, want.partitions - 1 if want.partitions > 1 else 1, want.replicas,
                                       {**want.configs, "retention.ms": "-1", "cleanup.policy": "compact"})
    desired.topics[name] = TopicState(name, max(2, want.partitions), want.replicas,
                                      {**want.configs, "retention.ms": "3600000", "cleanup.policy": "delete"})
    plan = diff(desired, observed)
    assert not plan.errors and len(plan.changes) == 1
    words = " ".join(plan.warnings)
    assert "on a keyed topic" in words and "per-key ordering" in words
    assert "retention.ms -1 -> 3600000" in words and "cleanup.policy compact -> delete" in words
    assert "! warning:" in render_text(plan)
    desired.keyed.clear()
    desired.topics[name] = TopicState(name, max(2, want.partitions), want.replicas, dict(observed.topics[name].configs))
    assert diff(desired, observed).warnings == []  # partitions grow on an unkeyed topic: nothing to say


def test_a_config_set_on_the_broker_but_not_in_the_spec_is_drift(bigdatalondon):
    desired, observed, name = set_on_the_broker(bigdatalondon, "max.message.bytes", "2000000")
    plan = diff(desired, observed)
    assert [(d.kind, d.name) for d in plan.drift] == [("config", f"{name} max.message.bytes=2000000")]


def test_client_settings_from_file_environment_and_flag(tmp_path):
    from specmesh_docs.provision.client import client_settings

    props = tmp_path / "client.properties"
    props.write_text("# comment\nbootstrap.servers=a:1\nsecurity.protocol = SASL_SSL\nsasl.mechanism: PLAIN\n")
    env = {"SPECMESH_KAFKA_SASL_USERNAME": "svc", "SPECMESH_KAFKA_SASL_PASSWORD": "s3cret", "HOME": "/x"}
    settings = client_settings(None, str(props), env)
    assert settings == {"bootstrap.servers": "a:1", "security.protocol": "SASL_SSL", "sasl.mechanism": "PLAIN",
                        "sasl.username": "svc", "sasl.password": "s3cret"}
    assert client_settings("b:2", str(props), env)["bootstrap.servers"] == "b:2"
    with pytest.raises(SpecError, match="no Kafka to talk to"):
        client_settings(None, None, {})
    props.write_text("bootstrap.servers=a:1\n= orphan-secret-value\n")
    with pytest.raises(SpecError) as err:
        client_settings(None, str(props), {})
    assert "client.properties:2:1: error: expected key=value" in str(err.value) and "orphan" not in str(err.value)


def test_java_properties_forms_are_read_as_kafka_tools_read_them(tmp_path):
    """`key value`, `key: value`, continuation lines: what kafka-topics.sh users already have."""
    from specmesh_docs.provision.client import client_settings

    props = tmp_path / "client.properties"
    props.write_text("bootstrap.servers a:1\nsasl.mechanism : SCRAM-SHA-512\n"
                     "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required \\\n"
                     "    username=\"svc\" \\\n    password=\"pw\";\n! a comment\n")
    assert client_settings(None, str(props), {}) == {
        "bootstrap.servers": "a:1", "sasl.mechanism": "SCRAM-SHA-512", "sasl.username": "svc", "sasl.password": "pw"}


@pytest.mark.parametrize("module", ["org.apache.kafka.common.security.plain.PlainLoginModule",
                                    "org.apache.kafka.common.security.scram.ScramLoginModule"])
def test_a_java_jaas_login_becomes_librdkafka_username_and_password(tmp_path, module):
    from specmesh_docs.provision.client import client_settings

    props = tmp_path / "client.properties"
    props.write_text("bootstrap.servers=a:1\nsecurity.protocol=SASL_SSL\nssl.truststore.type=PEM\n"
                     "ssl.truststore.location=/etc/ca.pem\nssl.endpoint.identification.algorithm=\n"
                     f'sasl.jaas.config={module} required username="svc" password="p;w=x";\n')
    settings = client_settings(None, str(props), {})
    assert settings == {"bootstrap.servers": "a:1", "security.protocol": "SASL_SSL", "ssl.ca.location": "/etc/ca.pem",
                        "ssl.endpoint.identification.algorithm": "none", "sasl.username": "svc",
                        "sasl.password": "p;w=x"}
    from specmesh_docs.output import redact
    assert "p;w=x" not in redact("password p;w=x")


@pytest.mark.parametrize("line, key, hint", [
    ("sasl.jaas.config=com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true;",
     "sasl.jaas.config", "sasl.kerberos.keytab"),
    ("ssl.truststore.location=/etc/truststore.jks", "ssl.truststore.location", "ssl.ca.location"),
    ("ssl.keystore.location=/etc/keystore.jks", "ssl.keystore.location", "PKCS12"),
    ("sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required;", "sasl.jaas.config",
     "username="),
])
def test_java_settings_with_no_librdkafka_equivalent_are_positioned_usage_errors(tmp_path, line, key, hint):
    from specmesh_docs.provision.client import client_settings

    props = tmp_path / "client.properties"
    props.write_text(f"bootstrap.servers=a:1\n{line}\n")
    with pytest.raises(SpecError) as err:
        client_settings(None, str(props), {})
    assert str(err.value).startswith(f"{props}:2:1: error: {key}") and hint in str(err.value)


def test_registry_settings_come_from_the_flag_the_properties_or_the_environment(tmp_path):
    from specmesh_docs.provision.client import client_settings
    from specmesh_docs.provision.registry import registry_settings

    props = tmp_path / "client.properties"
    props.write_text("bootstrap.servers=a:1\nschema.registry.url=http://127.0.0.1:8081\n"
                     "schema.registry.basic.auth.user.info=svc:pw\nschema.registry.basic.auth.credentials.source=USER_INFO\n")
    settings = client_settings(None, str(props), {})
    assert registry_settings(None, settings, {}) == {"url": "http://127.0.0.1:8081", "basic.auth.user.info": "svc:pw"}
    assert registry_settings("http://127.0.0.1:9", settings, {})["url"] == "http://127.0.0.1:9"
    assert registry_settings(None, {}, {"SPECMESH_SCHEMA_REGISTRY_URL": "http://127.0.0.1:7"}) == {"url": "http://127.0.0.1:7"}
    assert registry_settings(None, {}, {}) is None
    props.write_text("bootstrap.servers=a:1\nschema.registry.url=http://127.0.0.1:8081\nschema.registry.colour=red\n")
    with pytest.raises(SpecError) as err:
        registry_settings(None, client_settings(None, str(props), {}), {})
    assert str(err.value).startswith(f"{props}:3:1: error: schema.registry.colour")


@pytest.mark.parametrize("content, message", [
    ("{not json", "plan.json:1:2: error: plan is not JSON"),
    ('{"version": 1, "kind": "something-else"}', "plan.json:1:1: error: not a specmesh plan"),
])
def test_a_broken_saved_plan_is_a_positioned_usage_error(tmp_path, content, message):
    import subprocess
    import sys

    from tests.conftest import REPO

    (tmp_path / "plan.json").write_text(content)
    out = subprocess.run([sys.executable, "-m", "specmesh_docs", "provision", "--plan", str(tmp_path / "plan.json"),
                          "--bootstrap-server", "127.0.0.1:1"], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert out.returncode == 2 and message in out.stderr and "Traceback" not in out.stderr


def _parent_and_child_state():
    from specmesh_docs.provision.state import Desired, Scope

    parent = Desired(Scope("retail", "retail.", "User:retail"), "retail-api.yaml")
    child_topic = TopicState("retail.checkout._public.order", 1, None)
    observed = Observed(topics={"retail.checkout._public.order": child_topic},
                        acls={Acl("TOPIC", "retail.checkout.", "PREFIXED", "User:retail.checkout", "READ")})
    return parent, observed


def test_a_parent_domain_is_refused_when_the_cluster_shows_a_child_and_clean_up_spares_it():
    parent, observed = _parent_and_child_state()
    plan = diff(parent, observed, clean=True, allow_delete=frozenset({"topics", "acls"}))
    assert any("covers retail.checkout." in e for e in plan.errors)
    assert not [c for c in plan.changes if c.action == "delete"]


def test_a_parent_domain_is_refused_when_the_catalog_knows_a_child():
    parent, _ = _parent_and_child_state()
    plan = diff(parent, Observed(), known_domains={"retail.checkout", "retailer"})
    assert plan.errors == [e for e in plan.errors if "retail.checkout." in e] and len(plan.errors) == 1


def test_a_replication_factor_above_the_broker_count_is_refused():
    from specmesh_docs.provision.state import Desired, Scope

    desired = Desired(Scope("acme.x", "acme.x.", "User:acme.x"), "x-api.yaml")
    desired.topics["acme.x._public.t"] = TopicState("acme.x._public.t", 3, 5)
    plan = diff(desired, Observed(brokers=3))
    assert plan.errors == ["acme.x._public.t: replication factor 5 needs 5 brokers; the cluster has 3"]
    assert not [c for c in plan.changes if c.kind == "topic"]
    assert not diff(desired, Observed(brokers=None)).errors  # unknown broker count: the broker decides
