"""Every rule, one failing and one passing case: a clean spec, and the smallest edit that breaks it."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from specmesh_docs.lint.engine import all_rules
from specmesh_docs.lint.runner import lint
from tests.unit.test_lint import HEAD

BASE = HEAD + """  _public.order:
    bindings: {kafka: {partitions: 3, replicas: 1, configs: {retention.ms: 604800000}}}
    publish:
      operationId: publishOrder
      summary: Orders as placed.
      message:
        name: Order
        bindings: {kafka: {key: {type: string, description: Order id.}}}
        payload:
          type: object
          properties:
            total: {type: number, description: Order total in EUR.}
"""

PROTECTED = """  _protected.customer:
    bindings: {kafka: {partitions: 3, replicas: 1, configs: {retention.ms: RETENTION}}}
    publish:
      operationId: publishCustomer
      summary: Customers.
      tags: [{name: 'grant-access:acme.billing'}]
      message:
        bindings: {kafka: {key: {type: string, description: Customer id.}}}
        payload:
          type: object
          properties:
            email: {type: string, x-pii: true, description: Contact e-mail.}
"""


def consume(topic: str, extra: str = "") -> str:
    return f"""  {topic}:
    subscribe:
      operationId: consume{abs(hash(topic)) % 10**6}
      summary: Read.
      message: {{name: M{extra}}}
"""


def consume_reads(topic: str, reads: str) -> str:
    return consume(topic).replace("      summary: Read.\n", f"      summary: Read.\n      x-specmesh-reads: {reads}\n")


def own(domain: str, channel: str, extra_tags: str = "") -> str:
    return BASE.replace("urn:acme.orders", f"urn:{domain}").replace("_public.order:", f"{channel}:").replace(
        "      summary: Orders as placed.\n", f"      summary: Orders as placed.\n{extra_tags}")


def edit(old: str, new: str, base: str = BASE) -> str:
    assert old in base, old
    return base.replace(old, new)


AVRO = """      message:
        schemaFormat: 'application/vnd.apache.avro;version=1.9.0'
        bindings: {kafka: {key: {type: string}}}
        payload: {type: record, name: Order, namespace: NS, fields: [{name: total, type: double, doc: Total.}]}
"""
AVRO_BASE = BASE.split("      message:\n")[0] + AVRO
PII_BASE = BASE + PROTECTED.replace("RETENTION", "86400000")
PAYLOAD = "        payload:\n          type: object\n          properties:\n            total: {type: number, description: Order total in EUR.}\n"
# a server whose security names SCHEME, and a defined saslPlain scheme (AsyncAPI 2)
SECURED = ("servers: {prod: {url: 'localhost:9092', protocol: kafka, security: [{SCHEME: []}]}}\n"
           "components: {securitySchemes: {saslPlain: {type: plain}}}\n")
GRANT = "      tags: [{name: 'grant-access:GRANTEE'}]\n"
NO_FIELD_DOC = edit(", description: Order total in EUR.", "")
BILLING = own("acme.billing", "_protected.invoices", GRANT.replace("GRANTEE", "acme.orders"))

SOON = (date.today() + timedelta(days=3)).isoformat()
ENDING = "      tags: [{name: 'grant-access:acme.billing', x-expires: 'LAST'}]\n"
WRITE = "      tags: [{name: 'grant-write:acme.billing'}]\n"
CONSUMER = own("acme.billing", "_public.invoices")

# rule -> (bad cases, good cases); a case is one spec, or a tuple of specs linted together
CASES: dict[str, tuple[list[str], list[str]]] = {
    "GRANT-WRITE-PRIVATE": ([own("acme.orders", "_private.order", WRITE)], [own("acme.orders", "_protected.order", WRITE)]),
    "GRANT-WRITE-PUBLIC": ([own("acme.orders", "_public.order", WRITE)], [BASE]),
    "GRANT-EXPIRING": ([own("acme.orders", "_protected.order", ENDING.replace("LAST", SOON))],
                       [own("acme.orders", "_protected.order", ENDING.replace("LAST", "2999-12-31"))]),
    "GRANT-EXPIRED": ([own("acme.orders", "_protected.order", ENDING.replace("LAST", "2020-01-31"))],
                      [own("acme.orders", "_protected.order", ENDING.replace("LAST", "2999-12-31"))]),
    "COMPATIBILITY-NOT-ALLOWED": ([edit("description: Order id.}", "description: Order id.}, x-specmesh-compatibility: NONE")],
                                  [edit("description: Order id.}", "description: Order id.}, x-specmesh-compatibility: BACKWARD")]),
    "XSPEC-READS-UNKNOWN": ([(BASE, CONSUMER + consume_reads("acme.orders._public.order", "[totl]"))],
                            [(BASE, CONSUMER + consume_reads("acme.orders._public.order", "[total]"))]),
    "XSPEC-READS-PII": ([(PII_BASE, CONSUMER + consume_reads("acme.orders._protected.customer", "[email]"))],
                        [(PII_BASE, CONSUMER + consume_reads("acme.orders._protected.customer",
                                                             "[{field: email, reason: Invoices go by e-mail.}]"))]),
    "ACCESS-PRIVATE-CONSUMED": ([BASE + consume("acme.billing._private.invoices")],
                                [BASE + consume("acme.billing._protected.invoices")]),
    "ASYNCAPI-SCHEMA": ([edit("type: object", "type: objekt"),
                         edit("        payload:\n", "        schemaFormat: application/vnd.oai.openapi;version=3.0.0\n"
                              "        payload:\n").replace("type: number", "type: nonexistent"),
                         BASE + SECURED.replace("SCHEME", "undefinedScheme")],
                        [BASE, edit("        payload:\n", "        schemaFormat: application/vnd.oai.openapi;version=3.0.0\n"
                                    "        payload:\n").replace("type: number", "type: number, nullable: true"),
                         BASE + SECURED.replace("SCHEME", "saslPlain")]),
    "BINDINGS-MISSING": ([edit("    bindings: {kafka: {partitions: 3, replicas: 1, configs: {retention.ms: 604800000}}}\n", "")],
                         [BASE]),
    "BINDINGS-PARTITIONS": ([edit("partitions: 3", "partitions: 0")], [BASE]),
    "BINDINGS-REPLICAS": ([edit("replicas: 1", "replicas: 0")], [BASE]),
    "CONFIG-VALID": ([edit("retention.ms: 604800000", "retention.ms: forever"),
                      edit("retention.ms: 604800000", "retention.msec: 1"),
                      edit("retention.ms: 604800000", "min.insync.replicas: 2")],
                     [edit("retention.ms: 604800000", "cleanup.policy: 'compact,delete'")]),
    "DOC-FIELDS": ([edit(", description: Order total in EUR.", "")], [BASE]),
    "DOC-TOPIC": ([edit("      summary: Orders as placed.\n", "")], [BASE]),
    "GRANT-NO-EFFECT": ([own("acme.orders", "_public.order", GRANT.replace("GRANTEE", "acme.billing"))],
                        [own("acme.orders", "_protected.order", GRANT.replace("GRANTEE", "acme.billing"))]),
    "GRANT-SYNTAX": ([own("acme.orders", "_protected.order", GRANT.replace("GRANTEE", "")),
                      own("acme.orders", "_protected.order", GRANT.replace("GRANTEE", "Acme Billing"))],
                     [own("acme.orders", "_protected.order", GRANT.replace("GRANTEE", "acme.billing"))]),
    "ID-DOMAIN-GRAMMAR": ([edit("urn:acme.orders", "urn:Acme..Orders")], [BASE]),
    "ID-URN": ([edit("id: 'urn:acme.orders'", "id: 'acme.orders'"), edit("id: 'urn:acme.orders'\n", "")], [BASE]),
    "INFO-CONTACT": ([edit("  contact: {name: Orders, email: orders@acme.example}\n", "")], [BASE]),
    "PII-DOC": ([edit(", description: Contact e-mail.", "", PII_BASE)], [PII_BASE]),
    "PII-PUBLIC": ([edit("description: Order total in EUR.", "description: Order total in EUR., x-pii: true")], [PII_BASE]),
    "PII-RETENTION": ([BASE + PROTECTED.replace("RETENTION", "-1"), BASE + PROTECTED.replace("RETENTION", "172800001")],
                      [BASE + PROTECTED.replace("RETENTION", "172800000"),
                       BASE + PROTECTED.replace(", configs: {retention.ms: RETENTION}", "")]),
    "SCHEMA-CONSUMED-REF": ([BASE + consume("acme.billing._public.invoices", ", payload: {$ref: 'missing.avsc'}")],
                            [BASE + consume("acme.billing._public.invoices")]),
    "SCHEMA-EXAMPLE": ([edit("        name: Order\n", "        name: Order\n        examples: [{payload: {total: lots}}]\n")],
                       [edit("        name: Order\n", "        name: Order\n        examples: [{payload: {total: 3.5}}]\n")]),
    "SCHEMA-KEY-VALUE": ([edit("        bindings: {kafka: {key: {type: string, description: Order id.}}}\n", "")], [BASE]),
    "SCHEMA-NAMESPACE": ([AVRO_BASE.replace("NS", "acme.billing")], [AVRO_BASE.replace("NS", "acme.orders.v1")]),
    "SCHEMA-FORMAT": ([edit(PAYLOAD, "        payload: {$ref: 'schema/order.avsc'}\n")],
                      [edit(PAYLOAD, "        schemaFormat: application/vnd.apache.avro+json;version=1.9.0\n"
                                     "        payload: {$ref: 'schema/order.avsc'}\n")]),
    "SCHEMA-REF": ([edit(PAYLOAD, "        payload: {$ref: 'schema/missing.json'}\n"),
                    BASE + "components: {messages: {Unused: {payload: {$ref: 'schema/missing.json'}}}}\n"],
                   [BASE]),
    "SUPPRESS-REASON": ([edit("            total:", "            # specmesh: ignore[DOC-FIELDS]\n            total:", NO_FIELD_DOC)],
                        [edit("            total:", "            # specmesh: ignore[DOC-FIELDS] totals are obvious\n            total:",
                              NO_FIELD_DOC)]),
    "SUPPRESS-UNKNOWN": ([edit("            total:", "            # specmesh: ignore[DOC-FIELDZ] typo\n            total:", NO_FIELD_DOC)],
                         [edit("            total:", "            # specmesh: ignore[DOC-FIELDS] fine\n            total:", NO_FIELD_DOC)]),
    "TOPIC-NAME-CHARS": ([edit("_public.order:", "'_public.order events':")], [edit("_public.order:", "_public.order-events:")]),
    "TOPIC-NAME-FORMAT": ([edit("_public.order:", "order:"), edit("_public.order:", "_public._private.order:"),
                           edit("_public.order:", "_public:")], [BASE]),
    "TOPIC-NAME-INFRA": ([edit("_public.order:", "_public.prod.order:"), edit("_public.order:", "_public.order.eu-west-1:")],
                         [edit("_public.order:", "_public.order.devices_eu:")]),
    "TOPIC-NAME-LENGTH": ([edit("_public.order:", f"_public.{'o' * 240}:")], [edit("_public.order:", f"_public.{'o' * 200}:")]),
    "XSPEC-DOMAIN": ([(BASE, own("acme.orders", "_public.refund"))], [(BASE, own("acme.refunds", "_public.refund"))]),
    "PII-SUSPECT": ([{"policy": "severities: {PII-SUSPECT: info}\n", "spec": edit(
                         "            total:", "            customerEmail: {type: string, description: Where.}\n            total:")},
                     {"policy": "severities: {PII-SUSPECT: info}\n", "spec": edit(
                         "            total:", "            client_ip: {type: string, description: From.}\n            total:")}],
                    [edit("            total:", "            customerEmail: {type: string, description: Where.}\n            total:"),
                     {"policy": "severities: {PII-SUSPECT: info}\n", "spec": edit(
                         "            total:", "            zip_archive: {type: string, description: A file.}\n            total:")}]),
    "XSPEC-DOMAIN-NESTED": ([(BASE, own("acme", "_public.x")), (BASE, own("acme.orders.eu", "_public.x"))],
                            [(BASE, own("acme.ordersx", "_public.x")), (BASE, own("acme.stock", "_public.x"))]),
    "XSPEC-PROTECTED-GRANT": ([(BASE + consume("acme.billing._protected.invoices"), BILLING.replace("acme.orders'", "acme.stock'"))],
                              [(BASE + consume("acme.billing._protected.invoices"), BILLING)]),
    "XSPEC-TOPIC-OWNER": ([(BASE, own("acme", "orders._public.order"))], [(BASE, own("acme", "orders._public.refund"))]),
    "XSPEC-UNOWNED": ([BASE + consume("acme.billing._protected.invoices")],
                      [(BASE + consume("acme.billing._protected.invoices"), BILLING)]),
}
# a second channel beside the first: the '.' variant of its name collides
CASES["TOPIC-NAME-COLLISION"] = (
    [BASE.replace("_public.order:", "_public.order_v2:") + BASE.split("channels:\n")[1]
     .replace("_public.order:", "_public.order.v2:").replace("publishOrder", "publishOrderV2")],
    [BASE.replace("_public.order:", "_public.order_v2:") + BASE.split("channels:\n")[1]
     .replace("_public.order:", "_public.order.v3:").replace("publishOrder", "publishOrderV3")],
)
CASES["OPERATION-ID"] = (
    [edit("      operationId: publishOrder\n", ""),
     BASE + consume("acme.billing._public.invoices").replace("operationId: consume", "operationId: publishOrder  # ")],
    [BASE + consume("acme.billing._public.invoices")],
)


def findings_of(tmp_path: Path, case: str | tuple[str, ...] | dict) -> list:
    (tmp_path / ".git").mkdir(exist_ok=True)
    if isinstance(case, dict):  # {"policy": specmesh.yaml text, "spec": spec text}: an opt-in rule
        (tmp_path / "specmesh.yaml").write_text(case["policy"])
        case = case["spec"]
    paths = []
    for i, text in enumerate([case] if isinstance(case, str) else case):
        path = tmp_path / f"spec{i}-api.yaml"
        path.write_text(text)
        paths.append(str(path))
    result = lint(paths, jobs=1)
    assert not result.errors, [str(e) for e in result.errors]
    return result.findings


def test_base_spec_is_clean(tmp_path):
    assert [f"{f.rule} {f.message}" for f in findings_of(tmp_path, BASE)] == []


def test_every_rule_has_cases():
    assert sorted(CASES) == sorted(all_rules())


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_fails_on_bad_input(rule_id, tmp_path):
    for i, case in enumerate(CASES[rule_id][0]):
        where = tmp_path / f"bad{i}"
        where.mkdir()
        hits = [f for f in findings_of(where, case) if f.rule == rule_id]
        assert hits, f"bad case {i} of {rule_id} raised nothing"
        assert all(f.pos.line >= 1 and f.pos.col >= 1 for f in hits), hits


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_passes_on_good_input(rule_id, tmp_path):
    for i, case in enumerate(CASES[rule_id][1]):
        where = tmp_path / f"good{i}"
        where.mkdir()
        hits = [f"{f.pos}: {f.message}" for f in findings_of(where, case) if f.rule == rule_id]
        assert hits == [], f"good case {i} of {rule_id}"


def test_the_most_specific_schema_error_is_reported_not_the_outer_one_of(tmp_path):
    """A typo deep in a payload is named where it is, not as "not valid under any of the schemas"."""
    hits = [f for f in findings_of(tmp_path, edit("type: number", "type: numbr")) if f.rule == "ASYNCAPI-SCHEMA"]
    assert len(hits) == 1 and "properties/total/type" in hits[0].message and "numbr" in hits[0].message, hits
    assert "oneOf" not in hits[0].message and hits[0].pos.line == BASE.splitlines().index(
        "            total: {type: number, description: Order total in EUR.}") + 1
