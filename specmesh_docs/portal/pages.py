"""Page contexts (pure): which pages the portal has, and the data each template gets."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from markupsafe import Markup

from ..catalog import DENIED, Estate, TopicView, business_domain, owners_of
from ..model.naming import TopicName
from .escape import h, mermaid_label

FLOW_TOPIC_LIMIT = 150  # above this, the estate graph shows products only (Mermaid stays readable)


@dataclass
class Page:
    path: str  # docs-relative .md path
    template: str  # an HTML template (site_templates/*.html.j2)
    context: dict | Callable[[], dict] = field(default_factory=dict)  # a callable: made when the page is rendered
    title: str = ""  # plain text: the page's <title>, nav label and search title
    tags: list[str] = field(default_factory=list)  # Material's tags plugin (chips, the Tags page)
    search: str | None = ""  # plain text the search index holds for the page (None: not searchable)


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
    """Relative links from one page to another, as the site serves them (directory URLs)."""

    def __init__(self, here: str):
        self.page = here
        self.here = directory_url(here)

    def __call__(self, target: str, text: object, css: str = "") -> Markup:
        attrs = f' class="{h(css)}"' if css else ""
        return Markup(f'<a href="{h(self.url(target))}"{attrs}>{h(text)}</a>')

    def url(self, target: str) -> str:
        """The site URL of `target` (a docs path) relative to this page's: pages are directories
        (`access.md` is served as `access/`); anything else (a spec download) is a file."""
        if not target.endswith(".md"):
            return relative(target, self.here)
        rel = relative(directory_url(target), self.here)
        return "./" if rel == "." else rel + "/"


def relative(target: str, base: str) -> str:
    """posixpath.relpath for the site's own clean paths (no `..`, no `.`): called for every link."""
    there = target.split("/") if target else []
    here = base.split("/") if base else []
    common = 0
    for a, b in zip(there, here):
        if a != b:
            break
        common += 1
    return "/".join([".."] * (len(here) - common) + there[common:]) or "."


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


PER_PAGE = 1000  # rows of an estate-wide table per page: no page grows past ~1 MB however large the estate
SEARCH_TEXT = 300  # characters of a description the search index keeps


def build_pages(estate: Estate, title: str, unreadable: list | None = None,
                request_urls: dict[str, str] | None = None) -> list[Page]:
    """Every page but the products' and Recent changes (those wait for the history: `product_pages`)."""
    separate_collisions(estate.products)
    pages = [Page("index.md", "home.html.j2", home(estate, title), title=title,
                  search=" ".join(p.domain for p in estate.products))]
    for d, products in estate.by_domain.items():
        pages.append(Page(domain_path(d), "domain.html.j2", {"domain": d, "products": products, "estate": estate},
                          title=f"Domain {d}", search=" ".join(p.domain for p in products)))
        pages.append(Page(f"flows/{slug(d)}.md", "flows.html.j2", flows(estate, d), title=f"Flows {d}", search=None))
        pages += paginated(f"access/{slug(d)}.md", "access.html.j2", f"Access matrix: {d}", access_sections(estate, d),
                           {"estate": estate, "domain": d}, key="sections", per_page=PER_PAGE // 10)
    for v in estate.topics.values():
        pages.append(Page(topic_path(v.name), "topic.html.j2", topic(estate, v, (request_urls or {}).get(v.product.spec_file)),
                          title=v.name, tags=list(v.topic.tags),
                          search=topic_search_text(v)))
    found = problems(estate)
    pages += [
        Page("access.md", "access.html.j2", access_overview(estate), title="Access matrix", search=None),
        *paginated("pii.md", "pii.html.j2", "PII map", estate.pii_rows(),
                   {"suspects": estate.suspect_rows(), "estate": estate}, search=lambda rows: " ".join(f.name for f, _ in rows)),
        Page("flows.md", "flows.html.j2", flows(estate, None), title="Flow graph", search=None),
        *paginated("problems.md", "problems.html.j2", "Problems", found.pop("rows"),
                   {**found, "unreadable": unreadable or []}),
        *paginated("owners.md", "owners.html.j2", "Owners", owners(estate), {}, key="owners",
                   search=lambda rows: " ".join(o["name"] for o in rows)),
    ]
    if estate.verification:
        worst = sorted(((v, estate.topics[name]) for name, v in estate.verification.items()),
                       key=lambda row: (row[0].rank, row[1].name))
        pages += paginated("verification.md", "verification.html.j2", "Verification", worst, {})
    if estate.metrics:
        pages += paginated("chargeback.md", "chargeback.html.j2", "Chargeback", chargeback(estate)["products"], {},
                           key="products", per_page=PER_PAGE // 10)
    return pages


def paginated(path: str, template: str, title: str, rows: list, context: dict, key: str = "rows",
              per_page: int = PER_PAGE, search=None) -> list[Page]:
    """An estate-wide table over as many pages as it needs (`pii.md`, `pii/2.md`, ...); what else the
    page says (`context`) stays on the first."""
    chunks = [rows[i:i + per_page] for i in range(0, len(rows), per_page)] or [[]]
    paths = [path if n == 1 else f"{path[:-3]}/{n}.md" for n in range(1, len(chunks) + 1)]
    pages = []
    for n, chunk in enumerate(chunks, 1):
        first = context if n == 1 else {k: [] if isinstance(v, list) else v for k, v in context.items()}
        pager = {"current": n, "pages": list(enumerate(paths, 1))}
        pages.append(Page(paths[n - 1], template, {**first, key: chunk, "pages": pager},
                          title=title if n == 1 else f"{title} ({n})", search=search(chunk) if search else None))
    return pages


def topic_search_text(v: TopicView) -> str:
    """What people search a topic by, besides its name: its description, its fields, its tags."""
    t = v.topic
    words = [" ".join(str(t.description or t.summary or "").split())[:SEARCH_TEXT], v.product.domain]
    for s in (t.key, t.value):
        if s is not None:
            words += [s.full_name or ""] + [f.name for f in s.fields]
    return " ".join(w for w in [*words, *t.tags] if w)


def product_pages(estate: Estate, repo_links: dict[str, str], spec_downloads: dict[str, str],
                  history) -> list[Page]:
    """Each data product's page (with its history) and the estate's Recent changes. `history()`
    waits for the history read in the background: the contexts ask for it only when rendered,
    which is after every other page."""
    from .history import recent

    edges_by_topic: dict[str, list] = {}
    for edge in estate.flows(None):
        edges_by_topic.setdefault(edge[1], []).append(edge)

    def context(p) -> dict:
        return {"product": p, "domain": business_domain(p.domain), "findings": estate.product_findings(p),
                "counts": lint_counts(estate.product_findings(p)), "repo": repo_links.get(p.spec_file),
                "download": spec_downloads.get(p.spec_file), "estate": estate, "flow": neighbourhood(edges_by_topic, p),
                "history": history().get(p.spec_file), "in_git": p.spec_file in history()}

    pages = [Page(product_path(p), "product.html.j2", lambda p=p: context(p), title=p.domain,
        search=" ".join([p.info.title or "", " ".join((p.info.description or "").split())[:SEARCH_TEXT],
                         *(t.name for t in p.topics)])) for p in estate.products]
    pages.append(Page("changes.md", "changes.html.j2",
                      lambda: {"rows": recent(history(), estate.products), "in_git": bool(history())},
                      title="Recent changes", search=None))
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
            "lint": [(p, lint_counts(estate.product_findings(p))) for p in estate.products], "pii_shown": 100}


def field_readers(v: TopicView) -> dict:
    """Who reads each field: "Key"/"Value" -> field -> consumer domains (a consumer that declares
    nothing reads every field); and which consumers declare and which do not."""
    from ..model.reads import readers_of

    t = v.topic
    fields = {label: {f.name: readers_of(f.name, v.consumers, role) for f in s.fields}
              for label, role, s in (("Key", "key", t.key), ("Value", "value", t.value)) if s is not None}
    return {"fields": fields, "undeclared": sorted({p.domain for p, c in v.consumers if c.reads is None}),
            "declared": sorted({p.domain for p, c in v.consumers if c.reads is not None})}


def access_request(v: TopicView, template: str | None) -> dict | None:
    """The "Request access" box of a `_protected` topic: the command a reader runs in the owner's
    repository and, when the source names one, the web address that opens the request prefilled.
    `{topic}` is filled here; {domain}, {title} and {body} by the page's script as the reader types
    a domain (URL-encoded), else with a placeholder."""
    from urllib.parse import quote

    if v.topic.access != "_protected":
        return None
    command = f'specmesh request-access {v.name} --for DOMAIN --reason "why you need it"'
    out = {"command": command, "template": None, "href": None}
    if template:
        filled = template.replace("{topic}", quote(v.name, safe=""))
        out["template"] = filled
        out["href"] = (filled.replace("{domain}", "your.domain").replace("{title}", quote(f"Access to {v.name}", safe=""))
                       .replace("{body}", quote(f"Please grant read access to {v.name}.", safe="")))
    return out


def topic(estate: Estate, v: TopicView, request_url: str | None = None) -> dict:
    t = v.topic
    configs = [(k, val, human_ms(val) if k.endswith(".ms") else "") for k, val in sorted(t.configs.items())]
    return {"view": v, "t": t, "name": TopicName.parse(t.name), "product": v.product,
            "domain": business_domain(v.product.domain), "configs": configs,
            "retention": human_ms(t.configs.get("retention.ms")), "readers": v.readers, "estate": estate,
            "verified": estate.verification.get(t.name) if estate.verification else None,
            "request": access_request(v, request_url), "read_by": field_readers(v),
            "policy_level": estate.levels.get(v.product.spec_file, "the policy's level"),
            "schemas": [(label, s) for label, s in (("Key", t.key), ("Value", t.value)) if s is not None]}


def access_sections(estate: Estate, domain: str) -> list[tuple]:
    """(product, its topic views, grid) per owner product of `domain`: its topics as columns; rows are
    the owner, every grantee and every consumer."""
    sections = []
    for p in estate.by_domain.get(domain, []):
        views = [estate.topics[t.name] for t in p.topics if t.name in estate.topics]
        if not views:
            continue
        rows = {p.domain}
        subscribed: set[tuple[str, str]] = set()
        for v in views:
            rows.update(r for r in v.readers if r != "*")
            rows.update(v.writers)
            for consumer, _ in v.consumers:
                rows.add(consumer.domain)
                subscribed.add((consumer.domain, v.name))
        ordered = [p.domain] + sorted(rows - {p.domain})
        grid = [(reader, [cell(v.name, estate.access(reader, v), (reader, v.name) in subscribed,
                               reader != p.domain and reader in v.writers) for v in views])
                for reader in ordered]
        grid.append(("any other principal", [cell(v.name, "public" if v.readers == ["*"] else DENIED, False)
                                             for v in views]))
        sections.append((p, views, grid))
    return sections


def access_overview(estate: Estate) -> dict:
    """One row per domain: its products, topics and subscriptions that lack access (its page has the matrix)."""
    domains = []
    for d, products in estate.by_domain.items():
        views = [estate.topics[t.name] for p in products for t in p.topics if t.name in estate.topics]
        violations = sum(1 for v in views for consumer, _ in v.consumers if estate.access(consumer.domain, v) == DENIED)
        domains.append({"domain": d, "products": len(products), "topics": len(views), "violations": violations})
    return {"domains": domains, "domain": None, "estate": estate}


def cell(topic_name: str, verdict: str, subscribed: bool, writes: bool = False) -> dict:
    """One access-matrix cell; a subscription without access is a violation (red); a write grant shows."""
    css = f"smd-cell smd-{verdict}" + (" smd-subscribed" if subscribed else "") + (" smd-writes" if writes else "")
    if subscribed and verdict == DENIED:
        css += " smd-violation"
    text = verdict + (" · reads" if subscribed else "") + (" · may write" if writes else "")
    return {"topic": topic_name, "verdict": verdict, "css": css, "text": text}


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
