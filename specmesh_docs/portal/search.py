"""The search index of the generated pages, from the model (title, description, topic names,
fields, tags) in the format Material's search reads, instead of Material re-parsing every page's
HTML: faster to build, and smaller for the browser to load."""

from __future__ import annotations

import html
import json
from pathlib import Path

from .pages import Page, directory_url


def documents(pages: list[Page]) -> list[dict]:
    docs = []
    for page in pages:
        if page.search is None:
            continue
        url = directory_url(page.path)
        doc = {"location": f"{url}/" if url else "", "title": html.escape(" ".join(page.title.split())),
               "text": html.escape(" ".join(page.search.split()))}
        if page.tags:
            doc["tags"] = [html.escape(" ".join(str(t).split())) for t in page.tags]
        docs.append(doc)
    return docs


def merge_into(site_dir: Path, docs: list[dict]) -> None:
    """Add the generated pages to the index Material wrote for the hand-written ones."""
    path = site_dir / "search" / "search_index.json"
    if not path.is_file():  # the search plugin is off
        return
    index = json.loads(path.read_text(encoding="utf-8"))
    index["docs"] = [*index.get("docs", []), *docs]
    path.write_text(json.dumps(index, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
