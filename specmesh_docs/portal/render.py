"""Page contexts -> finished HTML through the Jinja2 templates in `site_templates/`.

Escaping is on by default (autoescape): every `{{ value }}` is HTML-escaped unless it is Markup
built by a helper here (links, badges, code blocks). Headings get ids, permalinks and the table of
contents MkDocs would have made, so the theme shows the page as it shows a Markdown one.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup

from ..errors import Position, SpecError
from .escape import code, contact, h, md_block, one_line, safe_url
from .sources import shown_path
from .pages import Linker, Page, badge, domain_path, human_bytes, human_ms, product_path, product_path_of, slug, topic_path

TEMPLATES = Path(__file__).resolve().parent.parent / "site_templates"
PII_BADGE = Markup('<span class="smd-badge smd-pii">PII</span>')


@dataclass
class Rendered:
    html: str  # the page's content (what MkDocs calls page.content)
    toc: list  # MkDocs toc tokens: [{"level", "id", "name", "children"}]


def environment(overrides: str | None = None):
    """The packaged templates, behind an organisation's overrides when given. Packaged ones are
    also reachable as `specmesh/NAME`, so an override can extend the page it replaces. Escaping
    (autoescape) holds for overrides too: it lives here, not in them."""
    import jinja2

    if overrides:
        refuse_markdown_templates(Path(overrides))
    packaged = jinja2.FileSystemLoader(str(TEMPLATES))
    loaders = ([jinja2.FileSystemLoader(overrides)] if overrides else []) + [packaged]
    loader = jinja2.ChoiceLoader([jinja2.PrefixLoader({"specmesh": packaged}), *loaders])
    env = jinja2.Environment(loader=loader, autoescape=True, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined)
    env.filters["repo_path"] = repo_path
    env.filters["repo_text"] = lambda text: re.sub(r"(?:\.\./)+", "", shown_path(text))  # no build-machine paths
    env.filters["one_line"] = one_line
    env.globals.update(badge=badge, change_badge=change_badge, raw_schema=raw_schema, code=code, contact=contact,
                       h=h, md_block=md_block, human_ms=human_ms, human_bytes=human_bytes, slug=slug,
                       topic_path=topic_path, product_path=product_path, domain_path=domain_path,
                       pii_badge=PII_BADGE, external=external, flow_graph=flow_graph,
                       to_json=lambda v: json.dumps(v, indent=2, ensure_ascii=False, default=str))
    return env


def refuse_markdown_templates(folder: Path) -> None:
    """Templates of the Markdown contract (before 0.3) would be ignored without a word: say so."""
    old = sorted(folder.glob("*.md.j2"))
    if old:
        raise SpecError(f"{old[0].name} is a Markdown page template: portal pages are HTML templates now "
                        f"(rename it {old[0].name[:-6]}.html.j2 and write HTML; see the portal documentation, "
                        "'Page templates')", Position(str(old[0]), 1, 1))


def repo_path(path: str) -> str:
    """A spec path without the build machine's leading `../` hops, a git source named as given."""
    parts = shown_path(Path(str(path)).as_posix()).split("/")
    while parts and parts[0] in ("..", "."):
        parts.pop(0)
    return "/".join(parts)


def raw_schema(schema) -> Markup:
    """The schema's source in a closed "Raw schema" box: plain escaped text in the page (cheap to
    build and to index: 2,000 topic pages), coloured by the portal's script when opened."""
    lang = "protobuf" if schema.format == "protobuf" else "json"
    where = f" ({h(repo_path(schema.file))})" if schema.file else ""
    text = html.escape(schema_source(schema), quote=False)  # element text: quotes need no escape, and JSON is full of them
    return Markup(f'<details class="smd-raw">\n<summary>Raw schema{where}</summary>\n'
                  f'<pre class="smd-source" data-lang="{lang}"><code>{text}</code></pre>\n</details>')


def schema_source(schema) -> str:
    """The schema as written: .proto text as it is, Avro and JSON Schema as indented JSON."""
    from ..model.flatten import plain

    if isinstance(schema.document, str):
        return schema.document
    return json.dumps(plain(schema.document), indent=2, ensure_ascii=False, default=str)


def change_badge(severity: str) -> Markup:
    css = {"breaking": "private", "risky": "protected", "safe": "public"}.get(severity, "untiered")
    return Markup(f'<span class="smd-badge smd-{css}">{h(severity)}</span>')


def external(url: str, text: str) -> Markup:
    safe = safe_url(url)
    return Markup(f'<a href="{h(safe)}">{h(text)}</a>') if safe else h(text)


def flow_graph(flow: dict, link: Linker) -> Markup:
    """A Mermaid graph (drawn by the portal's script) and the page each node links to."""
    targets = json.dumps({k: link.url(v) for k, v in flow["targets"].items()}, ensure_ascii=False)
    return Markup(f'<div class="specmesh-flow">{html.escape(flow["graph"], quote=False)}</div>\n'
                  f'<div class="smd-graph-links" hidden data-links="{h(targets)}"></div>')


HEADING = re.compile(r"<h([1-6])>(.*?)</h\1>", re.S)
TAG = re.compile(r"<[^>]*>")
DESCRIPTION = re.compile(r'(<div class="smd-description">.*?</div>)', re.S)  # a spec's own headings stay out of the TOC


def headings(content: str) -> tuple[str, list]:
    """Ids, permalinks and the table of contents for the page's `<hN>` headings, as Python-Markdown's
    toc extension makes them (same slugs, same de-duplication), so links and themes keep working."""
    from markdown.extensions.toc import slugify, unique

    used: set[str] = set()
    flat: list[dict] = []

    def anchor(m: re.Match) -> str:
        level, inner = int(m[1]), m[2]
        name = TAG.sub("", inner).strip()
        ident = unique(slugify(html.unescape(name), "-"), used)
        flat.append({"level": level, "id": ident, "name": name, "children": []})
        return (f'<h{level} id="{ident}">{inner}<a class="headerlink" href="#{ident}" '
                f'title="Permanent link">&para;</a></h{level}>')

    parts = DESCRIPTION.split(content)  # odd parts: descriptions (markdown-it output holds no </div> of its own)
    return "".join(part if i % 2 else HEADING.sub(anchor, part) for i, part in enumerate(parts)), nest(flat)


def nest(flat: list[dict]) -> list[dict]:
    root: list[dict] = []
    stack: list[dict] = []
    for token in flat:
        while stack and stack[-1]["level"] >= token["level"]:
            stack.pop()
        (stack[-1]["children"] if stack else root).append(token)
        stack.append(token)
    return root


class Renderer:
    """Renders one page at a time (the MkDocs hook asks as it reaches each page: only one page's
    HTML is in memory beyond what MkDocs keeps)."""

    def __init__(self, known_products: set[str], overrides: str | None = None):
        self.env = environment(overrides)
        self.known = known_products
        self.templates: dict = {}

    def template(self, name: str):
        if name not in self.templates:
            self.templates[name] = self.env.get_template(name)
        return self.templates[name]

    def __call__(self, page: Page) -> Rendered:
        link = Linker(page.path)

        def product_link(domain: str) -> Markup:
            return link(product_path_of(domain), domain) if domain in self.known else h(domain)

        context = page.context() if callable(page.context) else page.context
        content = self.template(page.template).render(**context, link=link, product_link=product_link)
        content, toc = headings(content)
        return Rendered(content, toc)
