"""Backstage catalogue entities from the estate (pure).

One YAML stream of entities (`---` between them), in this order:
- `Group` per owner (`x-owner`, `x-team`, else the contact's name or e-mail, as the portal's Owners page);
- `Domain` per business domain (the first segment of a domain id: `finance` for `finance.campaign`),
  owned by the owner of its first data product;
- `System` per data product (bounded context), in its Domain;
- `Component` (type `service`) per data product: Backstage keeps `providesApis`/`consumesApis`
  on components, so each product's service provides its API and consumes the APIs of the
  products whose topics it reads;
- `API` (type `asyncapi`) per data product: `definition` is the spec with every file `$ref` inlined;
- `Resource` (type `kafka-topic`) per owned topic: `dependsOn` its producer's component,
  `dependencyOf` each consumer's component.
Names follow Backstage's rules (letters, digits, `-_.`, at most 63 characters: longer topic
names are cut and end in a hash; the full name is the title); tags are lower-case.
"""

from __future__ import annotations

import hashlib
import re

from ..catalog import business_domain
from .inline import inlined

API_VERSION = "backstage.io/v1alpha1"
ANNOTATION = "specmesh.io"


def entity_name(text: str) -> str:
    """A valid `metadata.name`: [A-Za-z0-9] at both ends, `-_.` inside, at most 63 characters. A
    name that had to change ends in a hash of the original, so two names never meet."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-_.")
    if name == text and len(name) <= 63:
        return name
    digest = hashlib.sha256(text.encode()).hexdigest()[:8]
    return f"{name[:54].rstrip('-_.')}-{digest}" if name else f"x-{digest}"


def group_name(owner: str) -> str:
    from ..catalog import owner_slug

    return entity_name(owner_slug(owner))


def tag(text: str) -> str | None:
    """A valid Backstage tag: lower-case words of [a-z0-9:+#] joined by single dashes, <= 63."""
    words = [w for w in re.split(r"[^a-z0-9:+#]+", text.lower()) if w]
    value = "-".join(words)[:63].strip("-")
    return value or None


def entities(estate, source_links: dict[str, str], notes: list[str] | None = None) -> list[dict]:
    """`source_links`: spec file -> its URL in the repository browser (when the source is a git URL);
    `notes` collects what the reader should know (a definition left with its refs)."""
    from ..catalog import owners_of

    products = sorted(estate.products, key=lambda p: (p.domain, p.spec_file))
    identity = owners_of(products)
    owner = {p.spec_file: identity[p.spec_file].key for p in products}
    out: list[dict] = []
    for who in sorted({o.key: o for o in identity.values()}.values(), key=lambda o: o.key):
        profile = {"displayName": who.name}
        email = who.contact.get("email")
        if isinstance(email, str) and "@" in email and _is_contact(who.name, who.contact):
            profile["email"] = email
        out.append(_entity("Group", group_name(who.key), {"title": who.name},
                           {"type": "team", "children": [], "profile": profile}))
    domains: dict[str, list] = {}
    for p in products:
        domains.setdefault(business_domain(p.domain), []).append(p)
    for d, members in sorted(domains.items()):
        out.append(_entity("Domain", entity_name(d), {"description": f"Data products of {d}."},
                           {"owner": _group_ref(owner[members[0].spec_file])}))
    consumers: dict[str, set[str]] = {}  # topic -> consuming products' names
    producer_of = {}
    for v in estate.topics.values():
        producer_of[v.name] = v.product
        consumers[v.name] = {c.domain for c, _ in v.consumers}
    name_of: dict[str, str] = {}
    for p in products:
        name_of.setdefault(p.domain, _product_name(p))
    for p in products:
        name, group = _product_name(p), _group_ref(owner[p.spec_file])
        meta = _metadata(p, source_links.get(p.spec_file))
        out.append(_entity("System", name, meta, {"owner": group, "domain": entity_name(business_domain(p.domain))}))
        consumed_apis = sorted({_product_name(producer_of[c.name]) for c in p.consumed if c.name in producer_of} - {name})
        component = {"type": "service", "lifecycle": "production", "owner": group, "system": name,
                     "providesApis": [f"api:{name}"]}
        if consumed_apis:
            component["consumesApis"] = [f"api:{n}" for n in consumed_apis]
        out.append(_entity("Component", name, meta, component))
        out.append(_entity("API", name, meta, {"type": "asyncapi", "lifecycle": "production", "owner": group,
                                               "system": name, "definition": _yaml(inlined(p, notes))}))
        for t in sorted((t for t in p.topics if t.name in estate.topics and estate.topics[t.name].product is p),
                        key=lambda t: t.name):
            readers = sorted(consumers.get(t.name, ()))
            annotations = {f"{ANNOTATION}/topic": t.name, f"{ANNOTATION}/access": (t.access or "untiered").lstrip("_"),
                           f"{ANNOTATION}/pii": "true" if t.pii else "false"}
            if t.partitions:
                annotations[f"{ANNOTATION}/partitions"] = str(t.partitions)
            if "retention.ms" in t.configs:
                annotations[f"{ANNOTATION}/retention-ms"] = str(t.configs["retention.ms"])
            if source_links.get(p.spec_file):
                annotations["backstage.io/source-location"] = f"url:{source_links[p.spec_file]}"
            tags = _tags([*t.tags, (t.access or "untiered").lstrip("_"), "pii" if t.pii else "", "kafka"])
            resource = {"type": "kafka-topic", "owner": group, "system": name, "dependsOn": [f"component:{name}"]}
            resource_of = [f"component:{name_of[r]}" for r in readers if r in name_of]
            if resource_of:
                resource["dependencyOf"] = resource_of
            out.append(_entity("Resource", entity_name(t.name),
                               {"title": t.name, "description": t.description or t.summary or f"Kafka topic {t.name}.",
                                "tags": tags, "annotations": annotations}, resource))
    return out


def _is_contact(name: str, contact) -> bool:
    return isinstance(contact, dict) and name in (contact.get("name"), contact.get("email"))


def _product_name(product) -> str:
    return entity_name(product.domain + product.page_suffix.replace("~", "-"))


def _group_ref(owner: str) -> str:
    return f"group:{group_name(owner)}"


def _metadata(p, link: str | None) -> dict:
    annotations = {f"{ANNOTATION}/domain": p.domain, f"{ANNOTATION}/version": str(p.info.version or ""),
                   f"{ANNOTATION}/pii": "true" if any(t.pii for t in p.topics) else "false"}
    if link:
        annotations["backstage.io/source-location"] = f"url:{link}"
    meta = {"title": p.info.title or p.domain, "description": (p.info.description or "").strip() or f"Data product {p.domain}.",
            "tags": _tags(["data-product", *(t.access.lstrip("_") for t in p.topics if t.access),
                           "pii" if any(t.pii for t in p.topics) else ""]),
            "annotations": annotations}
    return meta


def _tags(values) -> list[str]:
    return sorted({t for t in (tag(v) for v in values if v) if t})


def _entity(kind: str, name: str, metadata: dict, spec: dict) -> dict:
    return {"apiVersion": API_VERSION, "kind": kind, "metadata": {"name": name, **metadata}, "spec": spec}


def _yaml(doc: dict) -> str:
    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(doc, Dumper=dumper, sort_keys=False, allow_unicode=True, width=110)


def to_yaml(items: list[dict]) -> str:
    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump_all(items, Dumper=dumper, sort_keys=False, allow_unicode=True, width=110)
