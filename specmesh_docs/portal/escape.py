"""Escaping user text for the portal's HTML, and for Mermaid labels.

Pages are finished HTML rendered by Jinja2 with autoescape: every `{{ value }}` is HTML-escaped
unless it is Markup built by a helper here or in render.py (links, badges, code blocks). Markdown
never sees a generated page, so there is no second syntax to escape for.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

from markupsafe import Markup


def h(value: object) -> Markup:
    """Plain text -> HTML text (quotes escaped too: safe in attributes)."""
    return value if isinstance(value, Markup) else Markup(html.escape(str(value if value is not None else ""), quote=True))


def one_line(value: object) -> str:
    """Whitespace runs (newlines included) as one space: a value in a table cell or a heading."""
    return " ".join(str(value).split()) if value is not None else ""


def md_block(value: object) -> Markup:
    """A description written in Markdown (AsyncAPI's CommonMark), rendered, and sanitised: raw HTML
    is shown as text, links and images only with http(s) or mailto URLs, so a spec can format its
    text (headings, lists, emphasis, code) but never script the page."""
    text = str(value or "").strip()
    if not text:
        return Markup("")
    return Markup(f'<div class="smd-description">\n{_commonmark().render(text)}</div>')


def _safe_link(url: str) -> bool:
    return url.strip().lower().startswith(("https://", "http://", "mailto:"))


@lru_cache(maxsize=1)
def _commonmark():
    from markdown_it import MarkdownIt

    renderer = MarkdownIt("commonmark", {"html": False, "linkify": False})
    renderer.validateLink = _safe_link
    return renderer


def code(text: str, lang: str = "") -> Markup:
    """A code block: the text escaped, the language as a class (Material styles and copies it)."""
    css = f' class="language-{h(lang)}"' if lang else ""
    return Markup(f"<pre><code{css}>{html.escape(str(text).rstrip(), quote=False)}\n</code></pre>")


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


def contact(info: object) -> Markup:
    """`info.contact` as people use it: the name, a `mailto:` link for a well-formed address, an
    http(s) link for the URL; anything else as escaped text."""
    if not isinstance(info, dict):
        return Markup("")
    parts = [h(one_line(info.get("name") or ""))]
    email = info.get("email")
    if isinstance(email, str) and _EMAIL.match(email.strip()):
        parts.append(Markup(f'<a href="{h("mailto:" + email.strip())}">{h(email.strip())}</a>'))
    elif email:
        parts.append(h(one_line(email)))
    url = safe_url(info.get("url"))
    if url:
        parts.append(Markup(f'<a href="{h(url)}">{h(url)}</a>'))
    elif info.get("url"):
        parts.append(h(one_line(info.get("url"))))
    return Markup(" · ").join(p for p in parts if p)
