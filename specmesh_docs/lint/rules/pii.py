"""PII policy: where personal data may flow and how long it may stay."""

import re

from ..engine import rule
from ._util import config_pos
from .docs import first_per_place


@rule("PII-PUBLIC", "error", "A topic carrying PII is not `_public`.",
      "make the topic _protected (with grants) or _private, or remove the PII fields",
      bad='_public.customer with {"name": "email", "type": "string", "pii": true}', good='_protected.customer with the same field, granted to its readers')
def pii_public(product, policy):
    for t in product.topics:
        if t.pii and t.access == policy.public:
            fields = ", ".join(f.name for f in t.pii_fields) or "pii tag"
            yield t.pos, f"{t.name} is _public but carries PII ({fields})"


@rule("PII-RETENTION", "error", "A topic carrying PII keeps data at most the policy's maximum (default 48 h).",
      "set retention.ms to at most the policy maximum, or leave it out (provisioning applies the maximum)", kafka_only=True,
      bad='PII topic with configs: {retention.ms: 604800000}', good='PII topic with configs: {retention.ms: 172800000}')
def pii_retention(product, policy):
    limit = policy.pii_max_retention_ms
    for t in product.topics:
        raw = t.configs.get("retention.ms")
        if not t.pii or raw is None:
            continue
        try:
            value = int(raw)
        except ValueError:
            continue  # CONFIG-VALID reports it
        if value < 0 or value > limit:
            shown = "infinite" if value < 0 else f"{value} ms"
            yield config_pos(t, "retention.ms"), f"{t.name} carries PII and keeps it {shown}; the policy allows {limit} ms"


@rule("PII-DOC", "warning", "PII fields have a description (what it is, why it is needed).",
      "add doc/description to each PII field",
      bad='{"name": "email", "type": "string", "pii": true}', good='{"name": "email", "type": "string", "pii": true, "doc": "Receipt address; needed to send the receipt"}')
def pii_doc(product, policy):
    for t in product.topics:
        for f in first_per_place(t.pii_fields):
            if not f.doc.strip():
                yield f.pos if f.pos and f.pos.line else t.pos, f"PII field {f.name} of {t.name} has no description"


SUSPECT_WORDS = ("email", "phone", "mobile", "firstname", "lastname", "surname", "fullname", "givenname", "familyname",
                 "birthdate", "dateofbirth", "birthday", "address", "street", "postcode", "postalcode", "zipcode",
                 "passport", "iban", "creditcard", "cardnumber", "ipaddress", "nationalid", "taxid", "socialsecurity")
SUSPECT_TOKENS = {"ip", "dob", "ssn", "msisdn"}  # whole name parts only: "zip" is not "ip"
SUSPECT_FORMATS = ("email", "idn-email", "ipv4", "ipv6")


def suspect(field_name: str, type_text: str, extra: tuple[str, ...]) -> bool:
    last = field_name.rsplit(".", 1)[-1]
    tokens = {t.lower() for t in re.findall(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])", last)}
    joined = "".join(sorted(tokens, key=last.lower().find))
    words = SUSPECT_WORDS + tuple(w.lower() for w in extra)
    return bool(tokens & SUSPECT_TOKENS) or any(w in joined for w in words) or any(
        f"({f})" in type_text for f in SUSPECT_FORMATS)


@rule("PII-SUSPECT", "off", "Opt-in: fields whose name or format usually carries personal data are marked PII or known not to be.",
      "mark the field PII (pii: true / x-pii: true) or suppress the finding with the reason it is not personal data; "
      "switch the rule on with severities: {PII-SUSPECT: info}",
      bad="payload: {properties: {email: {type: string}}}", good="payload: {properties: {email: {type: string, x-pii: true}}}")
def pii_suspect(product, policy):
    for t in product.topics:
        for schema in (t.key, t.value):
            for f in first_per_place(schema.fields) if schema else ():
                if not f.pii and suspect(f.name, f.type, policy.pii_suspect_words):
                    yield f.pos if f.pos and f.pos.line else t.pos, f"field {f.name} of {t.name} looks like personal data and is not marked PII"
