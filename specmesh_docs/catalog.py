"""The estate: many data products and the cross-references between them (pure).

Who may read a topic follows from its name and grants alone, exactly as provisioning
grants it: the owner always; everyone for `_public`; grantees for `_protected` (and for
untiered topics with grant tags); nobody else for `_private`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from .model.naming import EVERYONE, owner_of as domain_owner_of

OWNER, GRANTED, PUBLIC, DENIED = "owner", "granted", "public", "denied"


@dataclass
class TopicView:
    topic: object  # model.model.Topic
    product: object  # model.model.DataProduct that owns it
    consumers: list = field(default_factory=list)  # (DataProduct, ConsumedTopic)

    @property
    def name(self) -> str:
        return self.topic.name

    @property
    def readers(self) -> list[str]:
        """Domain ids that may read, `*` meaning every principal."""
        t = self.topic
        if t.access == "_public" or EVERYONE in t.grants and t.access in ("_protected", None):
            return ["*"]
        granted = [g for g in t.grants if g != EVERYONE] if t.access in ("_protected", None) else []
        return [self.product.domain, *granted]

    @property
    def writers(self) -> list[str]:
        """Domain ids that may produce: the owner, and its write grantees (never on `_private`)."""
        t = self.topic
        return [self.product.domain, *(g for g in t.write_grants if g != EVERYONE and t.access != "_private")]


@dataclass
class Estate:
    products: list
    findings: dict[str, list] = field(default_factory=dict)  # spec file -> lint findings
    metrics: dict = field(default_factory=dict)  # "storage" / "consumption" documents
    verification: dict = field(default_factory=dict)  # topic name -> what `specmesh verify` found (portal)
    levels: dict = field(default_factory=dict)  # spec file -> its policy's schema_compatibility (portal)
    topics: dict[str, TopicView] = field(default_factory=dict)
    unowned: dict[str, list] = field(default_factory=dict)  # consumed topic no spec owns -> consumers

    @cached_property
    def by_domain(self) -> dict[str, list]:
        """Business domain (first segment of the id) -> its products (the products are fixed once joined)."""
        groups: dict[str, list] = defaultdict(list)
        for p in self.products:
            groups[business_domain(p.domain)].append(p)
        return dict(sorted(groups.items()))

    def access(self, reader: str, view: TopicView) -> str:
        if reader == view.product.domain:
            return OWNER
        readers = view.readers
        if readers == ["*"]:
            return PUBLIC
        return GRANTED if reader in readers else DENIED

    def pii_rows(self) -> list[tuple]:
        """(field, view) for every PII field, owner order."""
        return [(f, v) for v in self.topics.values() for f in v.topic.pii_fields]

    def suspect_rows(self, extra_words: tuple[str, ...] = ()) -> list[tuple]:
        """(field, view) for fields not marked PII whose name or format usually carries personal data
        (the PII-SUSPECT heuristics): where an estate that never marked PII should look."""
        from .lint.rules.pii import suspect

        return [(f, v) for v in self.topics.values() for schema in (v.topic.key, v.topic.value) if schema
                for f in schema.fields if not f.pii and suspect(f.name, f.type, extra_words)]

    def flows(self, domain: str | None = None) -> list[tuple[str, str, str]]:
        """(producer product, topic, consumer product); consumer '' when nobody reads it yet."""
        edges = []
        for v in self.topics.values():
            if domain and business_domain(v.product.domain) != domain and not any(
                    business_domain(p.domain) == domain for p, _ in v.consumers):
                continue
            if v.consumers:
                edges.extend((v.product.domain, v.name, p.domain) for p, _ in v.consumers)
            else:
                edges.append((v.product.domain, v.name, ""))
        return edges

    def product_findings(self, product) -> list:
        return self.findings.get(product.spec_file, [])


@dataclass(frozen=True)
class Owner:
    """A team as the spec names it (`x-owner`, `x-team`, else its contact). `key` is its identity in
    a catalogue (Backstage Group, DataHub corpGroup); `contact` only when every product naming
    this owner gives the same one, so no spec can put its contact on another team's entry."""

    name: str
    key: str
    contact: dict


def owner_name(product) -> str:
    """Who owns a data product: `x-owner` or `x-team` (top level or in `info`), else the contact's
    name, else its e-mail; "(no owner)" when the spec says nothing."""
    doc = product.document if hasattr(product.document, "get") else {}
    info = doc.get("info") if hasattr(doc.get("info"), "get") else {}
    for value in (doc.get("x-owner"), doc.get("x-team"), info.get("x-owner"), info.get("x-team"),
                  product.info.contact.get("name"), product.info.contact.get("email")):
        if isinstance(value, str) and value.strip():
            return " ".join(value.split())
    return "(no owner)"


def owner_slug(name: str) -> str:
    """An owner's name as an identifier: lower-case words joined by dashes (a catalogue group name)."""
    import re

    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "no-owner"


def owners_of(products: list) -> dict[str, Owner]:
    """spec file -> its Owner, decided once for the portal and every catalogue. Names that differ
    but would make the same identity (`Payments Team`, `payments-team`) are told apart by a hash,
    never merged silently."""
    import hashlib

    names = {p.spec_file: owner_name(p) for p in products}
    by_key: dict[str, set[str]] = {}
    for name in names.values():
        by_key.setdefault(owner_slug(name), set()).add(name)
    keys = {}
    for key, spelled in by_key.items():
        for name in spelled:
            keys[name] = name if len(spelled) == 1 else f"{name} {hashlib.sha256(name.encode()).hexdigest()[:6]}"
    contacts: dict[str, list] = {}
    for p in products:
        contacts.setdefault(names[p.spec_file], []).append(dict(p.info.contact or {}))
    agreed = {name: (found[0] if all(c == found[0] for c in found) else {}) for name, found in contacts.items()}
    return {spec: Owner(name, keys[name], agreed[name]) for spec, name in names.items()}


def business_domain(domain_id: str) -> str:
    return domain_id.split(".", 1)[0]


def build_estate(products: list, findings: list | None = None, metrics: dict | None = None) -> Estate:
    estate = Estate(sorted(products, key=lambda p: p.domain), metrics=metrics or {})
    for f in findings or []:
        estate.findings.setdefault(f.pos.file, []).append(f)
    by_spec_path = {}
    claims: dict[str, list] = {}
    for p in estate.products:
        by_spec_path[p.spec_file] = p
        for t in p.topics:
            claims.setdefault(t.name, []).append((t, p))
    for name, found in claims.items():  # several specs claim a topic: the longest domain owns it, as provisioning says
        best = domain_owner_of(name, {p.domain for _, p in found})
        t, p = next(((t, p) for t, p in found if p.domain == best), found[0])
        estate.topics[name] = TopicView(t, p)
    # findings inside schema files belong to the spec that references them
    for file in list(estate.findings):
        if file not in by_spec_path:
            owner = next((p for p in estate.products for t in p.topics for s in (t.key, t.value)
                          if s is not None and s.file == file), None)
            if owner is not None:
                estate.findings.setdefault(owner.spec_file, []).extend(estate.findings.pop(file))
    for p in estate.products:
        for c in p.consumed:
            view = estate.topics.get(c.name)
            if view is not None:
                view.consumers.append((p, c))
            else:
                estate.unowned.setdefault(c.name, []).append(p)
    return estate


def catalog_document(estate: Estate) -> dict:
    """catalog.json: the whole estate, machine-readable (version 1)."""
    return {
        "version": 1,
        "products": [{**p.to_dict(), "findings": [f.to_dict() for f in estate.product_findings(p)]}
                     for p in estate.products],
        "topics": [{"name": v.name, "owner": v.product.domain, "access": v.topic.access, "readers": v.readers,
                    "writers": v.writers, "grant_expires": v.topic.expires,
                    "consumers": [p.domain for p, _ in v.consumers], "pii": v.topic.pii} for v in estate.topics.values()],
        "unowned_consumed_topics": {name: [p.domain for p in ps] for name, ps in sorted(estate.unowned.items())},
        "metrics": estate.metrics,
    }


__all__ = ["Estate", "TopicView", "Owner", "build_estate", "catalog_document", "business_domain", "owner_name", "owner_slug", "owners_of",
           "OWNER", "GRANTED", "PUBLIC", "DENIED"]
