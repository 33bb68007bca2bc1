"""Schema registrations and the schema part of the plan (pure)."""

from __future__ import annotations

from specmesh_docs.policy import Policy
from specmesh_docs.provision.schemas import Registration, SubjectState, diff_schemas, registrations, subject_for
from specmesh_docs.model import load_spec


class Named:
    full_name = "acme.orders.Order"


def test_subject_strategies():
    assert subject_for("acme.orders._public.o", "value", Named, "TopicNameStrategy") == "acme.orders._public.o-value"
    assert subject_for("acme.orders._public.o", "value", Named, "RecordNameStrategy") == "acme.orders.Order"
    assert subject_for("acme.orders._public.o", "key", Named, "TopicRecordNameStrategy") == "acme.orders._public.o-acme.orders.Order"


def test_conformance_registrations(corpus):
    product = load_spec(corpus / "kafka" / "provisioner-functional-test-api.yaml")
    regs = registrations(product, Policy())
    assert [(r.subject, r.schema_type) for r in regs] == [
        ("simple.provision_demo._public.user_signed_up-key", "AVRO"),
        ("simple.provision_demo._public.user_signed_up-value", "AVRO"),
        ("simple.provision_demo._protected.user_info-value", "PROTOBUF")]  # the `type: long` key is not registered


def test_references_register_first_and_foreign_ones_are_not_ours(corpus):
    product = load_spec(corpus / "kafka" / "schema-ref" / "com.example.trading-api.yml")
    regs = registrations(product, Policy())
    assert [(r.subject, r.owned) for r in regs] == [("com.example.shared.Currency", False),
                                                   ("com.example.trading.TradeInfo", True),
                                                   ("com.example.trading._public.trade-value", True)]
    assert regs[-1].references == [("com.example.shared.Currency", "com.example.shared.Currency"),
                                   ("com.example.trading.TradeInfo", "com.example.trading.TradeInfo")]
    shared = registrations(product, Policy(shared_namespaces=("com.example.shared",)))
    assert shared[0].owned is True


def test_schema_plan_new_subject_new_version_unchanged_and_refusals():
    regs = [Registration("a-value", "AVRO", "{}"), Registration("b-value", "AVRO", "{}"),
            Registration("c-value", "AVRO", "{}"), Registration("d-value", "AVRO", "{}"),
            Registration("other.X", "AVRO", "{}", owned=False)]
    states = {"a-value": SubjectState(), "b-value": SubjectState(latest=2, compatible=True, compatibility="FULL_TRANSITIVE"),
              "c-value": SubjectState(latest=1, same=1, compatibility="FULL_TRANSITIVE"),
              "d-value": SubjectState(latest=3, compatible=False, compatibility="FULL_TRANSITIVE"),
              "other.X": SubjectState()}
    changes, unchanged, errors = diff_schemas("acme", regs, states, "FULL_TRANSITIVE")
    assert [(a, s) for a, s, _, _ in changes] == [("create", "a-value"), ("update", "b-value")]
    assert unchanged == [("c-value", 1)]
    assert errors[0].startswith("schema d-value: incompatible with version 3 under FULL_TRANSITIVE")
    assert "other.X belongs to another domain and is not registered" in errors[1]
