"""Escaping user text for Markdown and HTML at once, and for Mermaid labels.

Every `{{ value }}` in the templates goes through `finalize` (see render.py): unless the
value is already Markup, it is HTML-escaped and then Markdown-escaped, so a description
holding `<script>`, `[x](javascript:...)` or `**` shows as the text it is.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

from markupsafe import Markup

MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|])")  # Python-Markdown's escapable characters (| with tables)


def md(value: object) -> Markup:
    """Plain text -> safe inline Markdown+HTML (newlines become spaces: safe inside tables)."""
    if isinstance(value, Markup):
        return value
    text = " ".join(str(value).split()) if value is not None else ""
    return Markup(MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False)))


def md_block(value: object) -> Markup:
    """A description written in Markdown (AsyncAPI's CommonMark), rendered, and sanitised: raw HTML
    is shown as text, links and images only with http(s) or mailto URLs, so a spec can format its
    text (headings, lists, emphasis, code) but never script the page. The HTML is a block of its
    own, which the portal's Markdown passes through untouched."""
    text = str(value or "").strip()
    if not text:
        return Markup("")
    return Markup(f'<div class="smd-description" markdown="0">\n{_commonmark().render(text)}</div>')


def _safe_link(url: str) -> bool:
    return url.strip().lower().startswith(("https://", "http://", "mailto:"))


@lru_cache(maxsize=1)
def _commonmark():
    from markdown_it import MarkdownIt

    renderer = MarkdownIt("commonmark", {"html": False, "linkify": False})
    renderer.validateLink = _safe_link
    return renderer


def h(value: object) -> Markup:
    """For raw HTML blocks (tables with classes): HTML escaping only."""
    return value if isinstance(value, Markup) else Markup(html.escape(str(value if value is not None else ""), quote=True))


def code(text: str, lang: str = "") -> Markup:
    """A fenced code block whose fence no content can close."""
    runs = [len(m) for m in re.findall(r"`+", text)]
    fence = "`" * max(3, max(runs, default=0) + 1)
    return Markup(f"{fence}{lang}\n{text.rstrip()}\n{fence}")


def mermaid_label(text: str) -> str:
    """Mermaid label text in double quotes: entities for anything that could end or script it."""
    return "".join(f"#{ord(c)};" if not (c.isalnum() or c in " ._-/") else c for c in str(text))


def safe_url(url: str | None) -> str | None:
    """Only http(s) links from configuration, without credentials in them; anything else is dropped."""
    if not isinstance(url, str) or not re.match(r"https?://[^\s\"'<>\\`]+$", url):
        return None
    authority = url.split("://", 1)[1].split("/", 1)[0]
    return None if "@" in authority else url


_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


def link_target(url: str) -> str:
    """A URL inside a Markdown link in a table cell: what would end the link or the cell, encoded."""
    return url.replace("|", "%7C").replace("(", "%28").replace(")", "%29")


def contact_html(info: object) -> Markup:
    """`contact` as finished HTML (inside `html_block`): the same parts, escaped for HTML."""
    if not isinstance(info, dict):
        return Markup("")
    parts = [h(" ".join(str(info.get("name") or "").split()))]
    email = info.get("email")
    if isinstance(email, str) and _EMAIL.match(email.strip()):
        parts.append(Markup(f'<a href="{h("mailto:" + email.strip())}">{h(email.strip())}</a>'))
    elif email:
        parts.append(h(str(email)))
    url = safe_url(info.get("url"))
    if url:
        parts.append(Markup(f'<a href="{h(link_target(url))}">{h(url)}</a>'))
    elif info.get("url"):
        parts.append(h(str(info.get("url"))))
    return Markup(" · ").join(Markup(p) for p in parts if p)


def contact(info: object) -> Markup:
    """`info.contact` as people use it: the name, a `mailto:` link for a well-formed address, an
    https link for the URL; anything else as escaped text."""
    if not isinstance(info, dict):
        return md("")
    parts = [md(info.get("name") or "")]
    email = info.get("email")
    if isinstance(email, str) and _EMAIL.match(email.strip()):
        parts.append(Markup(f"[{md(email.strip())}]({h('mailto:' + email.strip())})"))
    elif email:
        parts.append(md(email))
    url = safe_url(info.get("url"))
    if url:
        parts.append(Markup(f"[{md(url)}]({h(link_target(url))})"))
    elif info.get("url"):
        parts.append(md(info.get("url")))
    return Markup(" · ").join(p for p in parts if p)
