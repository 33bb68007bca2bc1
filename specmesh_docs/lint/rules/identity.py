"""Identity: who owns this spec."""

from ...userregex import fullmatch
from ..engine import rule


@rule("ID-URN", "error", "The spec names its domain with `id: urn:<domain>`.",
      "add id: 'urn:<your.domain>'; until then the policy's domain_from (x-domain | title | path) names it",
      bad="asyncapi: '2.6.0'\ninfo: {title: Sales}", good="asyncapi: '2.6.0'\nid: 'urn:finance.sales'")
def urn_id(product, policy):
    if product.identity:
        yield product.pos, product.identity


@rule("ID-DOMAIN-GRAMMAR", "error", "The domain id (from `id: urn:...`) follows the policy's grammar.",
      "write the id as urn:<lowercase.dot.separated.segments>, e.g. urn:finance.campaign",
      bad="id: 'urn:.Finance.Campaign'", good="id: 'urn:finance.campaign'")
def domain_grammar(product, policy):
    if not fullmatch(policy.domain_pattern, product.domain):
        yield product.pos, f"domain id {product.domain!r} does not match {policy.domain_pattern!r}"


@rule("INFO-CONTACT", "warning", "The spec names an owner contact (info.contact with a name and an email or url).",
      "add info.contact: {name: ..., email: ...} so consumers know whom to ask",
      bad="info: {title: Sales}", good="info: {title: Sales, contact: {name: Sales team, email: sales@acme.example}}")
def contact(product, policy):
    c = product.info.contact
    if not (c.get("name") and (c.get("email") or c.get("url"))):
        doc = product.document
        yield (doc["info"].pos("contact") if "info" in doc and hasattr(doc["info"], "pos") and "contact" in doc["info"]
               else doc.pos("info") if "info" in doc else product.pos), "no owner contact (info.contact name and email/url)"
