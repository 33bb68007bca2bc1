"""Cross-spec rules over every spec given plus the --catalog."""

from ...model.naming import EVERYONE, owner_of
from ..engine import rule


@rule("XSPEC-TOPIC-OWNER", "error", "A topic is owned by one spec only.", "remove the topic from one of the specs",
      scope="catalog",
      bad='two specs both publish finance.campaign._public.sale', good='one spec publishes it, the other subscribes')
def topic_owner(products, policy_of):
    first: dict[str, object] = {}
    for p in products:
        for t in p.topics:
            if t.name in first and first[t.name].spec_file != p.spec_file:
                yield t.pos, f"topic {t.name} is also owned by {first[t.name].spec_file}"
            first.setdefault(t.name, p)


@rule("XSPEC-DOMAIN", "error", "A domain id is claimed by one spec only.", "merge the specs or rename one domain",
      scope="catalog",
      bad='two specs with id: urn:finance.campaign', good='id: urn:finance.campaign and id: urn:finance.billing')
def domain_claim(products, policy_of):
    first: dict[str, object] = {}
    for p in products:
        if p.domain in first and first[p.domain].spec_file != p.spec_file:
            yield p.pos, f"domain {p.domain} is also claimed by {first[p.domain].spec_file}"
        first.setdefault(p.domain, p)


@rule("XSPEC-PROTECTED-GRANT", "error", "A consumed `_protected` topic grants access to the consumer.",
      "ask the owner to add grant-access:<your domain> to the topic", scope="catalog",
      bad='health.fitness subscribes to finance.campaign._protected.budget; its publish has no grant', good="the owner's publish has tags: [{name: 'grant-access:health.fitness'}]")
def protected_grant(products, policy_of):
    owned = {t.name: t for p in products for t in p.topics}
    for p in products:
        for c in p.consumed:
            t = owned.get(c.name)
            if t is not None and c.access == policy_of(p).protected and p.domain not in t.grants and EVERYONE not in t.grants:
                yield c.pos, f"consumes {c.name} but its owner grants no access to {p.domain}"


@rule("XSPEC-UNOWNED", "warning", "Every consumed topic is owned by a known spec.",
      "add the owner's repo with --catalog, or fix the topic name", scope="catalog",
      bad='subscribe to finance.campain._public.sale (no spec owns it)', good='subscribe to finance.campaign._public.sale (owned, or in --catalog)')
def unowned(products, policy_of):
    owned = {t.name for p in products for t in p.topics}
    domains = {p.domain for p in products}
    for p in products:
        for c in p.consumed:
            if c.name not in owned:
                owner = owner_of(c.name, domains)
                known = f" (domain {owner} is known, the topic is not)" if owner in domains else ""
                yield c.pos, f"no known spec owns {c.name}{known}"


@rule("XSPEC-DOMAIN-NESTED", "error", "No domain's namespace contains another domain: ownership is exclusive. The "
      "covering (parent) spec is refused, never the nested one: a spec elsewhere cannot block another team's release.",
      "rename the parent domain so its id is no prefix of another's (it would own the child's topics and ACLs)",
      scope="catalog", bad="id: 'urn:retail'   # while retail.checkout exists", good="id: 'urn:retail.web'")
def domain_nested(products, policy_of):
    by_domain: dict[str, object] = {}
    for p in products:
        by_domain.setdefault(p.domain, p)
    for p in products:
        parts = p.domain.split(policy_of(p).delimiter)
        for i in range(1, len(parts)):
            parent = by_domain.get(policy_of(p).delimiter.join(parts[:i]))
            if parent is not None:
                yield parent.pos, f"domain {parent.domain} covers the namespace of domain {p.domain} ({p.spec_file})"


@rule("XSPEC-READS-UNKNOWN", "error", "Every field a consumer declares it reads (`x-specmesh-reads`) is in the "
      "owner's current schema of that topic.",
      "fix the path (fields as the portal lists them: a.b, items[].sku, map{}.x, key:id), or drop it if you no "
      "longer read it", scope="catalog",
      bad="x-specmesh-reads: [sale_idd]", good="x-specmesh-reads: [sale_id, amount.value]")
def reads_unknown(products, policy_of):
    from ...model.reads import field_paths

    owned = {t.name: t for p in products for t in p.topics}
    for c, t, paths in _declared_reads(products):
        if t.value is None and t.key is None:
            continue
        for path, pos in zip(c.reads, c.reads_pos):
            if path not in paths:
                elsewhere = sorted(o.name for o in owned.values() if o is not t and path in field_paths(o))
                hint = f" (it is a field of {elsewhere[0]})" if elsewhere else ""
                yield pos, f"reads {path} of {c.name}, which its schema does not have{hint}"


@rule("XSPEC-READS-PII", "error", "A consumer that declares it reads a PII field says why, on the entry itself.",
      "write the entry as {field: <path>, reason: <why this product needs it>}", scope="catalog",
      bad="x-specmesh-reads: [customer.email]",
      good="x-specmesh-reads: [{field: customer.email, reason: Sends the invoice by e-mail}]")
def reads_pii(products, policy_of):
    for c, _, paths in _declared_reads(products):
        for path, pos in zip(c.reads, c.reads_pos):
            if paths.get(path) and path not in c.reads_reasons:
                yield pos, f"reads {path} of {c.name}, which is (or holds) PII, without a reason"


def _declared_reads(products):
    """(consumed topic, the owner's topic, its field paths -> PII) for each declaration of a known topic."""
    from ...model.reads import field_paths

    owned = {t.name: t for p in products for t in p.topics}
    for p in products:
        for c in p.consumed:
            t = owned.get(c.name)
            if t is not None and c.reads is not None:
                yield c, t, field_paths(t)
