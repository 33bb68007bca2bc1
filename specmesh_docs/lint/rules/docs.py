"""Documentation: what consumers need to find and trust a topic."""

from ..engine import rule


@rule("DOC-TOPIC", "warning", "Public topics have a summary or description.",
      "add summary: to the publish/send operation",
      bad='_public.sale: {publish: {operationId: publishSale}}', good='_public.sale: {publish: {operationId: publishSale, summary: Completed sales}}')
def topic_doc(product, policy):
    for t in product.topics:
        if t.access == policy.public and not (t.summary.strip() or t.description.strip()):
            yield t.pos, f"public topic {t.name} has no summary or description"


@rule("DOC-FIELDS", "info", "Fields of public schemas have docs.",
      "add doc (Avro), description (JSON Schema) or a comment (Protobuf)",
      bad='{"name": "amount", "type": "long"}', good='{"name": "amount", "type": "long", "doc": "Sale amount in cents"}')
def field_docs(product, policy):
    for t in product.topics:
        if t.access != policy.public or t.value is None:
            continue
        for f in first_per_place(f for f in t.value.fields if not f.doc.strip()):
            yield f.pos if f.pos and f.pos.line else t.pos, f"field {f.name} of {t.name} has no doc"


def first_per_place(fields):
    """A record used twice (a.e, b.e) is one place to fix: report its fields once."""
    seen = set()
    for f in fields:
        if f.pos is None or not f.pos.line or f.pos not in seen:
            seen.add(f.pos)
            yield f
