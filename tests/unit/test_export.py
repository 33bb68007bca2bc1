"""`specmesh export`'s pure core: which topics become which data product, and the documents."""

from __future__ import annotations

from specmesh_docs.export.document import RegistrySchema, document
from specmesh_docs.export.domains import sort_topics
from specmesh_docs.policy import Policy
from specmesh_docs.provision.desired import owner_acls
from specmesh_docs.provision.state import Acl, Reading, Scope, TopicState


def reading(*names: str, acls=()) -> Reading:
    r = Reading(acls=list(acls), brokers=3)
    for n in names:
        r.topics[n] = TopicState(n, 3, 3, {"cleanup.policy": "delete", "retention.ms": "86400000", "segment.bytes": "1"})
        r.dynamic[n] = {"retention.ms"}
    return r


def test_domains_come_from_owner_bindings_and_access_segments_and_the_rest_is_reported():
    owner = owner_acls(Scope("legacy.billing", "legacy.billing.", "User:svc-billing"), Policy())
    r = reading("acme.orders._public.order", "acme.orders._protected.refund", "acme.orders.tools._private.x",
                "legacy.billing.invoices", "orders", "prod.payments.v2", "_public.thing", "__consumer_offsets",
                acls=[*owner])
    sorting = sort_topics(r, Policy(), None)
    assert sorted(sorting.domains) == ["acme.orders", "acme.orders.tools", "legacy.billing"]
    assert [t.name for t in sorting.domains["acme.orders"].topics] == ["acme.orders._protected.refund",
                                                                       "acme.orders._public.order"]
    assert sorting.domains["legacy.billing"].owner == "User:svc-billing"
    reasons = {u.topic: u.reason for u in sorting.unfit}
    assert set(reasons) == {"orders", "prod.payments.v2"}
    assert reasons["orders"].startswith("one segment") and reasons["prod.payments.v2"].startswith("no access segment")
    assert sorting.internal == ["__consumer_offsets", "_public.thing"]


def test_grants_come_from_literal_read_bindings_and_other_bindings_are_noted():
    topic = "acme.orders._protected.refund"
    acls = [Acl("TOPIC", topic, "LITERAL", "User:acme.billing", op) for op in ("READ", "DESCRIBE")]
    acls += [Acl("TOPIC", topic, "LITERAL", "User:*", "READ"), Acl("TOPIC", topic, "LITERAL", "User:auditor", "WRITE"),
             Acl("TOPIC", topic, "LITERAL", "User:*", "WRITE"),
             Acl("TOPIC", "acme.orders._private.ledger", "LITERAL", "User:acme.pos", "WRITE"),
             Acl("TOPIC", "acme.orders._public.order", "LITERAL", "User:acme.billing", "READ"),
             Acl("TOPIC", "acme.orders.", "PREFIXED", "User:acme.orders", "WRITE")]
    sorting = sort_topics(reading(topic, "acme.orders._public.order", "acme.orders._private.ledger", acls=acls), Policy(),
                          ["acme.orders"])
    export = sorting.domains["acme.orders"]
    assert export.grants == {topic: ["_public", "acme.billing"]}
    assert export.write_grants == {topic: ["auditor"]}  # another principal's WRITE: a write grant
    notes = "\n".join(export.notes)
    assert "User:* WRITE" in notes and "acme.orders._public.order" in notes  # everyone writing; a READ on _public
    assert "User:acme.pos WRITE TOPIC:LITERAL:acme.orders._private.ledger" in notes  # never on _private
    assert "User:acme.orders WRITE TOPIC:PREFIXED" not in notes  # implied by the owner


def test_a_domain_asked_for_with_nothing_on_the_cluster_is_missing_not_written():
    sorting = sort_topics(reading("acme.orders._public.order"), Policy(), ["acme.orders", "nobody.here"])
    assert sorted(sorting.domains) == ["acme.orders"] and sorting.missing == ["nobody.here"]
    assert sorting.unfit == []  # --domain: other topics are not this run's business


def test_documents_keep_only_configs_set_on_the_topic_and_ref_the_registry_schemas():
    sorting = sort_topics(reading("acme.orders._public.order", "acme.orders._public.order-v2"), Policy(), None)
    value = RegistrySchema("acme.orders._public.order-value", "AVRO",
                           '{"type":"record","name":"Order","namespace":"acme.orders","fields":[{"name":"c","type":"acme.orders.Currency"}]}',
                           [("acme.orders.Currency", RegistrySchema("acme.orders.Currency", "AVRO",
                                                                    '{"type":"enum","name":"Currency","namespace":"acme.orders","symbols":["EUR"]}'))])
    schemas = {value.subject: value}
    v2 = document(sorting.domains["acme.orders"], schemas, "asyncapi-2", "test")
    channel = v2.spec["channels"]["_public.order"]
    assert channel["bindings"]["kafka"] == {"partitions": 3, "replicas": 3, "configs": {"retention.ms": 86400000}}
    message = channel["publish"]["message"]
    assert message["payload"] == {"$ref": "schema/acme.orders._public.order-value.avsc"}
    assert message["schemaFormat"].startswith("application/vnd.apache.avro")
    assert message["bindings"]["kafka"]["key"]["type"] == "string"  # not registered: said so in the notes
    assert any("no key schema" in n for n in v2.notes)
    assert set(v2.files) == {"schema/acme.orders._public.order-value.avsc", "schema/acme.orders.Currency.avsc"}
    v3 = document(sorting.domains["acme.orders"], schemas, "asyncapi-3", "test")
    assert v3.spec["asyncapi"] == "3.0.0" and set(v3.spec["operations"]) == {"publishPublicOrder", "publishPublicOrderV2"}
    assert v3.spec["channels"]["_public.order"]["bindings"]["kafka"]["topicConfiguration"] == {"retention.ms": 86400000}
    assert sorted(v3.spec["components"]["messages"]) == ["Order", "OrderV2"]


def test_asyncapi_3_messages_of_the_same_name_stay_apart():
    sorting = sort_topics(reading("acme.orders._protected.order", "acme.orders._public.order"), Policy(), None)
    spec = document(sorting.domains["acme.orders"], {}, "asyncapi-3", "test").spec
    refs = {k: c["messages"]["Order"]["$ref"] for k, c in spec["channels"].items()}
    assert refs == {"_protected.order": "#/components/messages/Order", "_public.order": "#/components/messages/Order1"}
