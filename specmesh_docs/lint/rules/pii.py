"""PII policy: where personal data may flow and how long it may stay."""

from ..engine import rule
from ._util import config_pos
from .docs import first_per_place


@rule("PII-PUBLIC", "error", "A topic carrying PII is not `_public`.",
      "make the topic _protected (with grants) or _private, or remove the PII fields")
def pii_public(product, policy):
    for t in product.topics:
        if t.pii and t.access == policy.public:
            fields = ", ".join(f.name for f in t.pii_fields) or "pii tag"
            yield t.pos, f"{t.name} is _public but carries PII ({fields})"


@rule("PII-RETENTION", "error", "A topic carrying PII keeps data at most the policy's maximum (default 48 h).",
      "set retention.ms to at most the policy maximum, or leave it out (provisioning applies the maximum)")
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
      "add doc/description to each PII field")
def pii_doc(product, policy):
    for t in product.topics:
        for f in first_per_place(t.pii_fields):
            if not f.doc.strip():
                yield f.pos if f.pos and f.pos.line else t.pos, f"PII field {f.name} of {t.name} has no description"
