"""Page contexts (pure): which pages the portal has, and the data each template gets."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from markupsafe import Markup

from ..catalog import DENIED, Estate, TopicView, business_domain, owners_of
from ..model.naming import TopicName
from .escape import h, md, mermaid_label

FLOW_TOPIC_LIMIT = 150  # above this, the estate graph shows products only (Mermaid stays readable)


@dataclass
class Page:
    path: str  # docs-relative .md path
    template: str
    context: dict = field(default_factory=dict)


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "-", text) or "-"


def product_path(p) -> str:
    return product_path_of(p.domain, getattr(p, "page_suffix", ""))


def separate_collisions(products) -> None:
    """A domain claimed by several specs: each keeps a page of its own (the first the plain one)."""
    seen: dict[str, int] = {}
    for p in products:
        seen[p.domain] = seen.get(p.domain, 0) + 1
        p.page_suffix = f"~{seen[p.domain]}" if seen[p.domain] > 1 else ""


def topic_path(name: str) -> str:
    return f"topics/{slug(name)}.md"


def domain_path(d: str) -> str:
    return f"domains/{slug(d)}.md"


class Linker:
    """Relative Markdown links from one page to another (MkDocs turns them into URLs)."""

    def __init__(self, here: str):
        self.page = here
        self.base = posixpath.dirname(here)

    def __call__(self, target: str, text: object, css: str = "") -> Markup:
        href = posixpath.relpath(target, self.base or ".")
        attrs = f"{{: .{css} }}" if css else ""
        return Markup(f"[{md(text)}]({h(href)}){attrs}")

    def a(self, target: str, text: object) -> Markup:
        """The same link as raw HTML (inside `html_block`)."""
        return Markup(f'<a href="{h(self.url(target))}">{h(text)}</a>')

    def href(self, target: str) -> str:
        return posixpath.relpath(target, self.base or ".")

    def url(self, target: str) -> str:
        """The site URL of `target` relative to this page's, for raw HTML (MkDocs rewrites `.md`
        links in Markdown only): pages are directories (`access.md` is served as `access/`)."""
        here = directory_url(self.page)
        there = directory_url(target)
        rel = posixpath.relpath(there or ".", here or ".")
        return "./" if rel == "." else rel + "/"


def directory_url(md_path: str) -> str:
    """`topics/x.md` -> `topics/x`, `index.md` -> ``, `a/index.md` -> `a` (MkDocs' directory URLs)."""
    stem = md_path[:-3] if md_path.endswith(".md") else md_path
    if stem == "index":
        return ""
    return stem[:-len("/index")] if stem.endswith("/index") else stem


def human_bytes(value: object) -> Markup:
    """1536 -> "1.5 KiB", with the exact figure in the tooltip."""
    try:
        exact = int(value)
    except (TypeError, ValueError):
        return Markup("")
    size, text = float(exact), ""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            text = f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
            break
        size /= 1024
    return Markup(f'<span title="{exact} bytes">{text}</span>')


def human_ms(value: str | None) -> str:
    if value is None:
        return "broker default"
    try:
        ms = int(value)
    except ValueError:
        return value
    if ms < 0:
        return "infinite"
    for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("min", 60_000), ("s", 1000)):
        if ms >= size and ms % size == 0:
            return f"{ms // size} {unit}"
    return f"{ms} ms"


def badge(access: str | None) -> Markup:
    name = (access or "untiered").lstrip("_")
    return Markup(f'<span class="smd-badge smd-{h(name)}">{h(name)}</span>')


def lint_counts(findings: list) -> dict[str, int]:
    return {s: sum(1 for f in findings if f.severity == s) for s in ("error", "warning", "info")}


def build_pages(estate: Estate, title: str, unreadable: list | None = None) -> list[Page]:
    """Every page but the products' and Recent changes (those wait for the history: `product_pages`)."""
    separate_collisions(estate.products)
    pages = [Page("index.md", "home.md.j2", home(estate, title))]
    for d, products in estate.by_domain.items():
        pages.append(Page(domain_path(d), "domain.md.j2", {"domain": d, "products": products, "estate": estate}))
        pages.append(Page(f"flows/{slug(d)}.md", "flows.md.j2", flows(estate, d)))
    for v in estate.topics.values():
        pages.append(Page(topic_path(v.name), "topic.md.j2", topic(estate, v)))
    pages += [
        Page("access.md", "access.md.j2", access(estate)),
        Page("pii.md", "pii.md.j2", {"rows": estate.pii_rows(), "suspects": estate.suspect_rows(), "estate": estate}),
        Page("flows.md", "flows.md.j2", flows(estate, None)),
        Page("tags.md", "tags.md.j2", {}),
        Page("problems.md", "problems.md.j2", {**problems(estate), "unreadable": unreadable or []}),
        Page("owners.md", "owners.md.j2", {"owners": owners(estate)}),
    ]
    if estate.metrics:
        pages.append(Page("chargeback.md", "chargeback.md.j2", chargeback(estate)))
    return pages


def product_pages(estate: Estate, repo_links: dict[str, str], spec_downloads: dict[str, str],
                  history: dict) -> list[Page]:
    """Each data product's page (with its history) and the estate's Recent changes."""
    from .history import recent

    edges_by_topic: dict[str, list] = {}
    for edge in estate.flows(None):
        edges_by_topic.setdefault(edge[1], []).append(edge)
    pages = [Page(product_path(p), "product.md.j2", {
        "product": p, "domain": business_domain(p.domain), "findings": estate.product_findings(p),
        "counts": lint_counts(estate.product_findings(p)), "repo": repo_links.get(p.spec_file),
        "download": spec_downloads.get(p.spec_file), "estate": estate, "flow": neighbourhood(edges_by_topic, p),
        "history": history.get(p.spec_file), "in_git": p.spec_file in history}) for p in estate.products]
    pages.append(Page("changes.md", "changes.md.j2", {"rows": recent(history, estate.products), "in_git": bool(history)}))
    return pages


def owners(estate: Estate) -> list[dict]:
    """One entry per owner: contact (only one its products agree on), products, topics, PII topics,
    open problems."""
    identity = owners_of(estate.products)
    out: dict[str, dict] = {}
    for p in estate.products:
        who = identity[p.spec_file]
        entry = out.setdefault(who.name, {"name": who.name, "contact": who.contact, "products": [],
                                          "topics": [], "pii": [], "errors": 0, "warnings": 0})
        entry["products"].append(p)
        entry["topics"] += [t.name for t in p.topics]
        entry["pii"] += [t.name for t in p.topics if t.pii]
        counts = lint_counts(estate.product_findings(p))
        entry["errors"] += counts["error"]
        entry["warnings"] += counts["warning"]
    return sorted(out.values(), key=lambda e: (e["name"] == "(no owner)", e["name"].lower()))


def home(estate: Estate, title: str) -> dict:
    by_access: dict[str, int] = {}
    for v in estate.topics.values():
        key = (v.topic.access or "untiered").lstrip("_")
        by_access[key] = by_access.get(key, 0) + 1
    return {"title": title, "estate": estate, "by_access": dict(sorted(by_access.items())),
            "pii_topics": [v for v in estate.topics.values() if v.topic.pii],
            "lint": [(p, lint_counts(estate.product_findings(p))) for p in estate.products]}


def topic(estate: Estate, v: TopicView) -> dict:
    t = v.topic
    configs = [(k, val, human_ms(val) if k.endswith(".ms") else "") for k, val in sorted(t.configs.items())]
    return {"view": v, "t": t, "name": TopicName.parse(t.name), "product": v.product,
            "domain": business_domain(v.product.domain), "configs": configs,
            "retention": human_ms(t.configs.get("retention.ms")), "readers": v.readers, "estate": estate,
            "schemas": [(label, s) for label, s in (("Key", t.key), ("Value", t.value)) if s is not None]}


def access(estate: Estate) -> dict:
    """Per owner product: its topics as columns; rows are the owner, every grantee and every consumer."""
    sections = []
    for p in estate.products:
        views = [estate.topics[t.name] for t in p.topics if t.name in estate.topics]
        if not views:
            continue
        rows = {p.domain}
        subscribed: set[tuple[str, str]] = set()
        for v in views:
            rows.update(r for r in v.readers if r != "*")
            for consumer, _ in v.consumers:
                rows.add(consumer.domain)
                subscribed.add((consumer.domain, v.name))
        ordered = [p.domain] + sorted(rows - {p.domain})
        grid = [(reader, [cell(v.name, estate.access(reader, v), (reader, v.name) in subscribed) for v in views])
                for reader in ordered]
        grid.append(("any other principal", [cell(v.name, "public" if v.readers == ["*"] else DENIED, False)
                                             for v in views]))
        sections.append((p, views, grid))
    return {"sections": sections, "estate": estate}


def cell(topic_name: str, verdict: str, subscribed: bool) -> dict:
    """One access-matrix cell; a subscription without access is a violation (red)."""
    css = f"smd-cell smd-{verdict}" + (" smd-subscribed" if subscribed else "")
    if subscribed and verdict == DENIED:
        css += " smd-violation"
    return {"topic": topic_name, "verdict": verdict, "css": css, "text": verdict + (" · reads" if subscribed else "")}


def flows(estate: Estate, domain: str | None) -> dict:
    return {"flow": flow_graph(estate.flows(domain), products_only=domain is None), "domain": domain,
            "domains": sorted(estate.by_domain)}


def neighbourhood(edges_by_topic: dict[str, list], product) -> dict:
    """One hop each way: the producers of what it reads -> those topics -> it -> its topics -> their readers."""
    edges = [e for t in product.topics for e in edges_by_topic.get(t.name, [])]
    edges += [e for c in product.consumed for e in edges_by_topic.get(c.name, []) if e[2] == product.domain]
    return flow_graph(list(dict.fromkeys(edges)), products_only=False)


def flow_graph(edges: list[tuple[str, str, str]], products_only: bool) -> dict:
    """Mermaid text, and for every node the page it links to (the portal's script makes nodes links)."""
    topics = {t for _, t, _ in edges}
    ids: dict[str, str] = {}
    targets: dict[str, str] = {}

    def node(kind: str, name: str) -> str:
        key = f"{kind}:{name}"
        if key not in ids:
            ids[key] = f"{kind[0]}{len(ids)}"
            targets[ids[key]] = product_path_of(name) if kind == "product" else topic_path(name)
        return ids[key]

    lines = ["flowchart LR"]
    if products_only and len(topics) > FLOW_TOPIC_LIMIT:
        for a, c in sorted({(a, c) for a, _, c in edges if c}):
            lines.append(f'  {node("product", a)}["{mermaid_label(a)}"] --> {node("product", c)}["{mermaid_label(c)}"]')
        return {"graph": "\n".join(dict.fromkeys(lines)), "products_only": True, "edges": edges, "targets": targets}
    for producer, t, consumer in edges:
        lines.append(f'  {node("product", producer)}["{mermaid_label(producer)}"] --> '
                     f'{node("topic", t)}(["{mermaid_label(t)}"])')
        if consumer:
            lines.append(f'  {node("topic", t)} --> {node("product", consumer)}["{mermaid_label(consumer)}"]')
    return {"graph": "\n".join(dict.fromkeys(lines)), "products_only": False, "edges": edges, "targets": targets}


def product_path_of(domain: str, suffix: str = "") -> str:
    """The page of the product (or of the first spec) claiming `domain`."""
    return f"products/{slug(domain)}{suffix}.md"


def problems(estate: Estate) -> dict:
    rows = [(p, f) for p in estate.products for f in estate.product_findings(p)]
    rank = {"error": 0, "warning": 1, "info": 2}
    rows.sort(key=lambda pf: (not pf[1].rule.startswith("XSPEC-"), rank[pf[1].severity], pf[0].domain, pf[1].pos.line))
    claims: dict[str, list[str]] = {}
    for p in estate.products:
        claims.setdefault(p.domain, []).append(p.spec_file)
    collisions = sorted((d, files) for d, files in claims.items() if len(files) > 1)
    return {"rows": rows, "unowned": sorted(estate.unowned.items()), "estate": estate, "collisions": collisions}


def chargeback(estate: Estate) -> dict:
    storage = {t["name"]: t for pr in estate.metrics.get("storage", {}).get("products", []) for t in pr["topics"]}
    usage = {t["name"]: t for pr in estate.metrics.get("consumption", {}).get("products", []) for t in pr["topics"]}
    products = []
    for p in estate.products:
        rows = [(t.name, storage.get(t.name), usage.get(t.name)) for t in p.topics]
        products.append((p, rows, sum((s or {}).get("bytes", 0) for _, s, _ in rows),
                         sum((s or {}).get("records", 0) for _, s, _ in rows),
                         sum((u or {}).get("lag", 0) for _, _, u in rows)))
    return {"products": products, "has_storage": bool(storage), "has_usage": bool(usage)}
