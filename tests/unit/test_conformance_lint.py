"""Each SpecMesh conformance spec, linted alone, gives exactly these findings (rule@file:line).

Reviewed by hand: SpecMesh's own specs name no owner contact, several predate the
`_public/_protected/_private` tiers or use a leading '.' in their id, and the demo specs
consume topics no spec in the corpus owns.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from specmesh_docs.lint.runner import lint
from tests.conftest import conformance_dir

pytestmark = pytest.mark.conformance

EXPECTED = {
    "cli/examples/references/avro/array.spec.yaml": [
        "DOC-FIELDS@schema.reference.demo.ThingA.avsc:10", "DOC-FIELDS@schema.reference.demo.ThingA.avsc:11",
        "DOC-FIELDS@schema.reference.demo.ThingA.avsc:12", "DOC-FIELDS@schema.reference.demo.ThingA.avsc:6",
        "DOC-FIELDS@schema.reference.demo.ThingC.avsc:6", "DOC-FIELDS@schema.reference.demo.ThingE.avsc:6",
        "DOC-FIELDS@schema.reference.demo.sub.domain.SubThing.avsc:6", "DOC-FIELDS@shared.SharedThing.avsc:6",
        "DOC-TOPIC@array.spec.yaml:16", "INFO-CONTACT@array.spec.yaml:3",
        "SCHEMA-FORMAT@array.spec.yaml:31",
    ],
    "cli/examples/references/avro/map.spec.yaml": [
        "DOC-FIELDS@schema.reference.demo.ThingA.avsc:10", "DOC-FIELDS@schema.reference.demo.ThingA.avsc:11",
        "DOC-FIELDS@schema.reference.demo.ThingA.avsc:12", "DOC-FIELDS@schema.reference.demo.ThingA.avsc:6",
        "DOC-FIELDS@schema.reference.demo.ThingC.avsc:6", "DOC-FIELDS@schema.reference.demo.ThingE.avsc:6",
        "DOC-FIELDS@schema.reference.demo.sub.domain.SubThing.avsc:6", "DOC-FIELDS@shared.SharedThing.avsc:6",
        "DOC-TOPIC@map.spec.yaml:16", "INFO-CONTACT@map.spec.yaml:3",
        "SCHEMA-FORMAT@map.spec.yaml:31",
    ],
    "cli/examples/references/avro/primitive.spec.yaml": [
        "DOC-TOPIC@primitive.spec.yaml:16", "INFO-CONTACT@primitive.spec.yaml:3",
        "SCHEMA-FORMAT@primitive.spec.yaml:31",
    ],
    "cli/examples/references/avro/record.spec.yaml": [
        "DOC-FIELDS@schema.reference.demo.Record.avsc:6", "DOC-FIELDS@schema.reference.demo.Record.avsc:7",
        "DOC-FIELDS@schema.reference.demo.ThingA.avsc:10", "DOC-FIELDS@schema.reference.demo.ThingA.avsc:11",
        "DOC-FIELDS@schema.reference.demo.ThingA.avsc:12", "DOC-FIELDS@schema.reference.demo.ThingA.avsc:6",
        "DOC-FIELDS@schema.reference.demo.ThingB.avsc:10", "DOC-FIELDS@schema.reference.demo.ThingB.avsc:11",
        "DOC-FIELDS@schema.reference.demo.ThingB.avsc:12", "DOC-FIELDS@schema.reference.demo.ThingB.avsc:6",
        "DOC-FIELDS@schema.reference.demo.ThingC.avsc:6", "DOC-FIELDS@schema.reference.demo.ThingD.avsc:6",
        "DOC-FIELDS@schema.reference.demo.ThingE.avsc:6",
        "DOC-FIELDS@schema.reference.demo.sub.domain.SubThing.avsc:6", "DOC-FIELDS@shared.SharedThing.avsc:6",
        "DOC-TOPIC@record.spec.yaml:16", "INFO-CONTACT@record.spec.yaml:3",
        "SCHEMA-FORMAT@record.spec.yaml:31",
    ],
    "cli/examples/references/avro/union.spec.yaml": [
        "DOC-FIELDS@schema.reference.demo.ThingA.avsc:10", "DOC-FIELDS@schema.reference.demo.ThingA.avsc:11",
        "DOC-FIELDS@schema.reference.demo.ThingA.avsc:12", "DOC-FIELDS@schema.reference.demo.ThingA.avsc:6",
        "DOC-FIELDS@schema.reference.demo.ThingB.avsc:10", "DOC-FIELDS@schema.reference.demo.ThingB.avsc:11",
        "DOC-FIELDS@schema.reference.demo.ThingB.avsc:12", "DOC-FIELDS@schema.reference.demo.ThingB.avsc:6",
        "DOC-FIELDS@schema.reference.demo.ThingC.avsc:6", "DOC-FIELDS@schema.reference.demo.ThingD.avsc:6",
        "DOC-FIELDS@schema.reference.demo.ThingE.avsc:6",
        "DOC-FIELDS@schema.reference.demo.sub.domain.SubThing.avsc:6", "DOC-FIELDS@shared.SharedThing.avsc:6",
        "DOC-TOPIC@union.spec.yaml:16", "INFO-CONTACT@union.spec.yaml:3",
        "SCHEMA-FORMAT@union.spec.yaml:31",
    ],
    "cli/shared_schema_demo-api.yaml": [
        "DOC-FIELDS@other.domain.Common.avsc:6", "DOC-FIELDS@other.domain.CommonOther.avsc:6",
        "DOC-TOPIC@shared_schema_demo-api.yaml:12", "INFO-CONTACT@shared_schema_demo-api.yaml:3",
        "SCHEMA-NAMESPACE@other.domain.Common.avsc:1", "SCHEMA-NAMESPACE@other.domain.CommonKey.avsc:1",
    ],
    "cli/simple_schema_demo-api.yaml": [
        "DOC-FIELDS@simple.schema_demo.UserSignedUp.avsc:6", "DOC-FIELDS@simple.schema_demo.UserSignedUp.avsc:7",
        "DOC-FIELDS@simple.schema_demo.UserSignedUp.avsc:8",
        "DOC-FIELDS@simple.schema_demo._public.user_checkout.yml:11",
        "DOC-FIELDS@simple.schema_demo._public.user_checkout.yml:22",
        "DOC-FIELDS@simple.schema_demo._public.user_checkout.yml:25",
        "DOC-FIELDS@simple.schema_demo._public.user_checkout.yml:8", "DOC-FIELDS@simple_schema_demo-api.yaml:72",
        "DOC-FIELDS@simple_schema_demo-api.yaml:72", "DOC-FIELDS@simple_schema_demo-api.yaml:72",
        "INFO-CONTACT@simple_schema_demo-api.yaml:3", "OPERATION-ID@simple_schema_demo-api.yaml:87",
        "SCHEMA-CONSUMED-REF@simple_schema_demo-api.yaml:116", "XSPEC-UNOWNED@simple_schema_demo-api.yaml:99",
    ],
    "cli/simple_spec_demo-api.yaml": [
        "INFO-CONTACT@simple_spec_demo-api.yaml:3", "SCHEMA-CONSUMED-REF@simple_spec_demo-api.yaml:116",
        "SCHEMA-NAMESPACE@simple.schema_demo.UserSignedUp.avsc:1", "TOPIC-NAME-CHARS@simple_spec_demo-api.yaml:18",
        "TOPIC-NAME-CHARS@simple_spec_demo-api.yaml:41", "TOPIC-NAME-CHARS@simple_spec_demo-api.yaml:65",
        "TOPIC-NAME-FORMAT@simple_spec_demo-api.yaml:18", "TOPIC-NAME-FORMAT@simple_spec_demo-api.yaml:41",
        "TOPIC-NAME-FORMAT@simple_spec_demo-api.yaml:65", "XSPEC-UNOWNED@simple_spec_demo-api.yaml:99",
    ],
    "kafka/apispec-functional-test-app.yaml": [
        "ID-DOMAIN-GRAMMAR@apispec-functional-test-app.yaml:2", "INFO-CONTACT@apispec-functional-test-app.yaml:4",
        "OPERATION-ID@apispec-functional-test-app.yaml:101", "OPERATION-ID@apispec-functional-test-app.yaml:128",
        "SCHEMA-KEY-VALUE@apispec-functional-test-app.yaml:59", "XSPEC-UNOWNED@apispec-functional-test-app.yaml:125",
    ],
    "kafka/bigdatalondon-api-with-grant-access-acls.yaml": [
        "INFO-CONTACT@bigdatalondon-api-with-grant-access-acls.yaml:4",
        "TOPIC-NAME-FORMAT@bigdatalondon-api-with-grant-access-acls.yaml:102",
        "TOPIC-NAME-FORMAT@bigdatalondon-api-with-grant-access-acls.yaml:21",
        "TOPIC-NAME-FORMAT@bigdatalondon-api-with-grant-access-acls.yaml:64",
        "XSPEC-UNOWNED@bigdatalondon-api-with-grant-access-acls.yaml:138",
    ],
    "kafka/bigdatalondon-api.yaml": [
        "INFO-CONTACT@bigdatalondon-api.yaml:4", "XSPEC-UNOWNED@bigdatalondon-api.yaml:131",
    ],
    "kafka/clientapi-functional-test-api.yaml": [
        "DOC-FIELDS@simple.schema_demo._public.user_signed_up.avsc:6",
        "DOC-FIELDS@simple.schema_demo._public.user_signed_up.avsc:7",
        "DOC-FIELDS@simple.schema_demo._public.user_signed_up.avsc:8",
        "INFO-CONTACT@clientapi-functional-test-api.yaml:3",
    ],
    "kafka/customacl-bigdatalondon-api.yaml": [
        "INFO-CONTACT@customacl-bigdatalondon-api.yaml:4", "TOPIC-NAME-FORMAT@customacl-bigdatalondon-api.yaml:20",
        "TOPIC-NAME-FORMAT@customacl-bigdatalondon-api.yaml:59",
        "TOPIC-NAME-FORMAT@customacl-bigdatalondon-api.yaml:92", "XSPEC-UNOWNED@customacl-bigdatalondon-api.yaml:123",
    ],
    "kafka/exporter-expected-spec.yaml": [
        "ASYNCAPI-SCHEMA@exporter-expected-spec.yaml:2", "INFO-CONTACT@exporter-expected-spec.yaml:2",
    ],
    "kafka/provisioner-functional-test-api.yaml": [
        "DOC-FIELDS@simple.provision_demo._public.user_signed_up.avsc:10",
        "DOC-FIELDS@simple.provision_demo._public.user_signed_up.avsc:6",
        "DOC-FIELDS@simple.provision_demo._public.user_signed_up.avsc:7",
        "DOC-FIELDS@simple.provision_demo._public.user_signed_up.avsc:8",
        "DOC-FIELDS@simple.provision_demo._public.user_signed_up.avsc:9",
        "INFO-CONTACT@provisioner-functional-test-api.yaml:3",
    ],
    "kafka/provisioner-incompatible-functional-test-api.yaml": [
        "DOC-FIELDS@simple.provision_demo._public.user_signed_up-v3-bad.avsc:6",
        "INFO-CONTACT@provisioner-incompatible-functional-test-api.yaml:3",
    ],
    "kafka/provisioner-update-functional-test-api.yaml": [
        "DOC-FIELDS@simple.provision_demo._public.user_signed_up-v2.avsc:10",
        "DOC-FIELDS@simple.provision_demo._public.user_signed_up-v2.avsc:6",
        "DOC-FIELDS@simple.provision_demo._public.user_signed_up-v2.avsc:7",
        "DOC-FIELDS@simple.provision_demo._public.user_signed_up-v2.avsc:8",
        "DOC-FIELDS@simple.provision_demo._public.user_signed_up-v2.avsc:9",
        "INFO-CONTACT@provisioner-update-functional-test-api.yaml:3",
    ],
    "kafka/schema-ref/com.example.shared-api.yml": [
        "DOC-FIELDS@com.example.shared.Currency.avsc:10", "DOC-FIELDS@com.example.shared.Currency.avsc:11",
        "INFO-CONTACT@com.example.shared-api.yml:3",
    ],
    "kafka/schema-ref/com.example.trading-api.yml": [
        "DOC-FIELDS@com.example.shared.Currency.avsc:10", "DOC-FIELDS@com.example.shared.Currency.avsc:11",
        "DOC-FIELDS@com.example.trading.Trade.avsc:22", "DOC-FIELDS@com.example.trading.TradeInfo.avsc:6",
        "INFO-CONTACT@com.example.trading-api.yml:3", "XSPEC-UNOWNED@com.example.trading-api.yml:46",
    ],
    "kafka-test/kafka_test-simple_schema_demo-api.yaml": [
        "DOC-FIELDS@simple.schema_demo._public.user_signed_up.avsc:6",
        "DOC-FIELDS@simple.schema_demo._public.user_signed_up.avsc:7",
        "DOC-FIELDS@simple.schema_demo._public.user_signed_up.avsc:8",
        "DOC-FIELDS@simple.schema_demo._public.user_signed_up_2.avsc:6",
        "DOC-FIELDS@simple.schema_demo._public.user_signed_up_2.avsc:7",
        "DOC-FIELDS@simple.schema_demo._public.user_signed_up_2.avsc:8",
        "DOC-FIELDS@simple.schema_demo._public.user_signed_up_pojo.avsc:6",
        "DOC-FIELDS@simple.schema_demo._public.user_signed_up_pojo.avsc:7",
        "DOC-FIELDS@simple.schema_demo._public.user_signed_up_pojo.avsc:8",
        "DOC-TOPIC@kafka_test-simple_schema_demo-api.yaml:43",
        "INFO-CONTACT@kafka_test-simple_schema_demo-api.yaml:3",
        "OPERATION-ID@kafka_test-simple_schema_demo-api.yaml:128",
        "OPERATION-ID@kafka_test-simple_schema_demo-api.yaml:52",
        "OPERATION-ID@kafka_test-simple_schema_demo-api.yaml:77",
        "SCHEMA-CONSUMED-REF@kafka_test-simple_schema_demo-api.yaml:204",
        "SCHEMA-REF@kafka_test-simple_schema_demo-api.yaml:111",
        "SCHEMA-REF@kafka_test-simple_schema_demo-api.yaml:137",
        "XSPEC-UNOWNED@kafka_test-simple_schema_demo-api.yaml:187",
    ],
    "parser/parser_simple_schema_demo-api.yaml": [
        "BINDINGS-MISSING@parser_simple_schema_demo-api.yaml:44",
        "DOC-FIELDS@simple_schema_demo_user-signedup.avsc:6", "DOC-FIELDS@simple_schema_demo_user-signedup.avsc:7",
        "DOC-FIELDS@simple_schema_demo_user-signedup.avsc:8", "DOC-TOPIC@parser_simple_schema_demo-api.yaml:44",
        "ID-DOMAIN-GRAMMAR@parser_simple_schema_demo-api.yaml:2", "INFO-CONTACT@parser_simple_schema_demo-api.yaml:3",
        "SCHEMA-KEY-VALUE@parser_simple_schema_demo-api.yaml:44",
        "SCHEMA-NAMESPACE@simple_schema_demo_user-signedup.avsc:1",
        "SCHEMA-REF@parser_simple_schema_demo-api.yaml:38", "XSPEC-UNOWNED@parser_simple_schema_demo-api.yaml:50",
    ],
    "parser/streetlights-simple-api.yaml": [
        "BINDINGS-MISSING@streetlights-simple-api.yaml:17", "ID-DOMAIN-GRAMMAR@streetlights-simple-api.yaml:2",
        "INFO-CONTACT@streetlights-simple-api.yaml:3", "OPERATION-ID@streetlights-simple-api.yaml:40",
        "SCHEMA-KEY-VALUE@streetlights-simple-api.yaml:17", "XSPEC-UNOWNED@streetlights-simple-api.yaml:38",
    ],
    "parser/test-streetlights-simple-api.yaml": [
        "ID-DOMAIN-GRAMMAR@test-streetlights-simple-api.yaml:2", "INFO-CONTACT@test-streetlights-simple-api.yaml:3",
        "SCHEMA-KEY-VALUE@test-streetlights-simple-api.yaml:17", "XSPEC-UNOWNED@test-streetlights-simple-api.yaml:54",
    ],
}


def test_every_conformance_spec_is_listed(conformance):
    specs = {p.relative_to(conformance).as_posix() for p in conformance.rglob("*.y*ml") if p.parent.name != "schema"}
    assert specs == set(EXPECTED)


@pytest.mark.parametrize("spec", sorted(EXPECTED))
def test_conformance_spec_findings(spec):
    result = lint([str(conformance_dir() / spec)], jobs=1)
    assert result.errors == []
    assert sorted(f"{f.rule}@{Path(f.pos.file).name}:{f.pos.line}" for f in result.findings) == EXPECTED[spec]
