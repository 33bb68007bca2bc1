"""Page contexts -> Markdown through the Jinja2 templates in `site_templates/`.

Escaping is on by default: every `{{ value }}` is escaped for HTML and Markdown unless the
value is Markup built by a helper here (links, badges, code blocks).
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from markupsafe import Markup

from .escape import code, contact, contact_html, h, link_target, md, md_block, safe_url
from .sources import shown_path
from .pages import Linker, Page, badge, domain_path, human_bytes, human_ms, product_path, product_path_of, slug, topic_path

TEMPLATES = Path(__file__).resolve().parent.parent / "site_templates"
PII_BADGE = Markup('<span class="smd-badge smd-pii">PII</span>')


def environment(overrides: str | None = None):
    """The packaged templates, behind an organisation's overrides when given. Packaged ones are
    also reachable as `specmesh/NAME`, so an override can extend the page it replaces. Escaping
    (autoescape, and `finalize` for Markdown) holds for overrides too: it lives here, not in them."""
    import jinja2

    packaged = jinja2.FileSystemLoader(str(TEMPLATES))
    loaders = ([jinja2.FileSystemLoader(overrides)] if overrides else []) + [packaged]
    loader = jinja2.ChoiceLoader([jinja2.PrefixLoader({"specmesh": packaged}), *loaders])
    env = jinja2.Environment(loader=loader, autoescape=True, trim_blocks=True,
                             lstrip_blocks=True, keep_trailing_newline=True, undefined=jinja2.StrictUndefined,
                             finalize=md)
    env.filters["yaml"] = front_matter
    env.filters["repo_path"] = repo_path
    env.filters["repo_text"] = lambda text: re.sub(r"(?:\.\./)+", "", shown_path(text))  # no build-machine paths
    env.globals.update(badge=badge, change_badge=change_badge, raw_schema=raw_schema, code=code, contact=contact, contact_html=contact_html, h=h, md_block=md_block, human_ms=human_ms, human_bytes=human_bytes, slug=slug,
                       topic_path=topic_path, product_path=product_path, domain_path=domain_path,
                       pii_badge=PII_BADGE, external=external, to_json=lambda v: json.dumps(v, indent=2, ensure_ascii=False, default=str))
    return env


def repo_path(path: str) -> str:
    """A spec path without the build machine's leading `../` hops, a git source named as given."""
    parts = shown_path(Path(str(path)).as_posix()).split("/")
    while parts and parts[0] in ("..", "."):
        parts.pop(0)
    return "/".join(parts)


def raw_schema(schema) -> Markup:
    """The schema's source in a closed "Raw schema" box: plain escaped text in the page (cheap to
    build and to index: 2,000 topic pages), coloured by the portal's script when opened; kept out
    of the search index (the field table above is indexed)."""
    lang = "protobuf" if schema.format == "protobuf" else "json"
    where = f" ({h(repo_path(schema.file))})" if schema.file else ""
    text = html.escape(schema_source(schema), quote=False)  # element text: quotes need no escape, and JSON is full of them
    return Markup(f'<details class="smd-raw" data-search-exclude>\n<summary>Raw schema{where}</summary>\n'
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


def front_matter(value: object) -> Markup:
    """A front-matter value (title, tag). MkDocs and Material print these into HTML unescaped
    (page titles, nav labels, the tags plugin, the search index), so they are HTML-escaped here;
    as a JSON string they are also a safe YAML scalar."""
    return Markup(json.dumps(html.escape(" ".join(str(value).split()), quote=True)))


def external(url: str, text: str) -> Markup:
    safe = safe_url(url)
    return Markup(f"[{md(text)}]({h(link_target(safe))})") if safe else md(text)


class Blocks:
    """Finished HTML that Markdown need not parse: a template wraps it in `{% call html_block() %}`,
    the page's Markdown holds a paragraph with a token, and the MkDocs hook puts the HTML back
    (`on_page_content`). Python-Markdown spends most of a topic page's time on its tables; this
    skips that. Tokens carry a random per-build nonce, so no spec text can name one."""

    def __init__(self):
        import secrets

        self.nonce = secrets.token_hex(8)
        self.html: dict[str, str] = {}

    def __call__(self, caller) -> Markup:
        token = f"smd-block-{self.nonce}-{len(self.html)}"
        self.html[token] = str(caller())
        return Markup(f"\n\n{token}\n\n")

    def put_back(self, page_html: str) -> str:
        if "smd-block-" not in page_html:
            return page_html
        return re.sub(rf"<p>(smd-block-{self.nonce}-\d+)</p>", lambda m: self.html.get(m[1], m[0]), page_html)


def render_pages(pages: list[Page], known_products: set[str], overrides: str | None = None,
                 blocks: Blocks | None = None) -> dict[str, str]:
    """docs-relative path -> Markdown (HTML blocks collected in `blocks`)."""
    env = environment(overrides)
    env.globals["html_block"] = blocks if blocks is not None else (lambda caller: caller())
    templates = {}
    out = {}
    for page in pages:
        link = Linker(page.path)

        def product_link(domain: str, link=link) -> Markup:
            return link(product_path_of(domain), domain) if domain in known_products else md(domain)

        template = templates.get(page.template) or templates.setdefault(page.template, env.get_template(page.template))
        out[page.path] = template.render(**page.context, link=link, product_link=product_link,
                                         link_urls=lambda targets, link=link: {k: link.url(v) for k, v in targets.items()})
    return out
