"""MkDocs hooks: the thin glue that makes plain `mkdocs build` / `mkdocs serve` generate the
portal. Settings live under `extra.specmesh` in mkdocs.yml (title, sources, metrics, cache).

Generated pages are finished HTML: MkDocs reads them from the generator (not from Markdown),
the theme wraps them, and an unchanged page comes from the page cache without being rendered.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from mkdocs.plugins import event_priority

_BUILDS: dict[int, object] = {}
STAMP = "<!-- specmesh:stamp -->"  # the footer's build stamp, filled in as each page is written (cached pages too)
CACHED_TEMPLATE = "specmesh-cached-page.html"  # an empty theme template: a cached page is not rendered


class Build:
    """One build's state between the hook's events."""

    def __init__(self, generated, cache):
        self.generated = generated
        self.pages = {p.path: p for p in generated.pages}
        self.cache = cache
        self.signature = ""
        self.keys: dict[str, str] = {}
        self.hits: dict[str, str] = {}
        self.files = None  # MkDocs' Files: what this build writes


def on_config(config):
    from specmesh_docs.portal.cache import PageCache
    from specmesh_docs.portal.generate import generate

    from mkdocs.exceptions import PluginError

    from specmesh_docs.errors import SpecError

    settings = dict(config.extra.get("specmesh") or {})
    base = Path(config.config_file_path).resolve().parent if config.config_file_path else Path.cwd()
    try:
        generated = generate(settings, base)
    except SpecError as exc:
        if settings.get("cli"):
            raise  # `specmesh portal build` prints it and exits 2
        raise PluginError(str(exc)) from None  # plain `mkdocs build`: one line, no traceback
    config.nav = generated.nav
    config.copyright = STAMP
    for path in generated.watch:
        if path not in config.watch:
            config.watch.append(path)
    _BUILDS[id(config)] = Build(generated, PageCache(generated.cache))
    import gc

    gc.freeze()  # the model lives until the build ends: the collector need not walk it again for every page
    return config


def on_files(files, config):
    from mkdocs.structure.files import File

    build = _BUILDS[id(config)]
    build.files = files
    for path in build.pages:
        files.append(File.generated(config, path, content=""))  # the content comes from on_pre_page's reader
    for path, markdown in build.generated.markdown.items():
        files.append(File.generated(config, path, content=markdown))
    for path, source in build.generated.files.items():
        if files.get_file_from_path(path) is None:
            files.append(File.generated(config, path, abs_src_path=str(source)))
    return files


def on_nav(nav, config, files):
    build = _BUILDS[id(config)]
    build.signature = site_signature(config, nav)
    return nav


def site_signature(config, nav) -> str:
    """What every page's HTML depends on besides its own content."""
    import importlib.metadata as meta

    from specmesh_docs import __version__

    theme = {k: config.theme[k] for k in sorted(config.theme) if k not in ("locale",)}
    custom = config.theme.custom_dir
    custom_files = sorted((str(p.relative_to(custom)), p.read_bytes().hex()) for p in Path(custom).rglob("*")
                          if p.is_file()) if custom else []
    parts = {"specmesh": __version__, "mkdocs": meta.version("mkdocs"), "material": meta.version("mkdocs-material"),
             "nav": str(nav), "theme": theme, "locale": str(config.theme.get("locale")), "custom": custom_files,
             "config": {k: config.get(k) for k in ("site_name", "site_url", "site_description", "site_author",
                                                   "repo_url", "repo_name", "edit_uri", "copyright",
                                                   "use_directory_urls", "extra_css", "extra_javascript")},
             "extra": {**config.extra, "specmesh": {k: v for k, v in (config.extra.get("specmesh") or {}).items()
                                                    if k != "in_place"}},  # how the site is written, not what
             "plugins": list(config.plugins)}
    return json.dumps(parts, sort_keys=True, default=str)


def on_pre_page(page, config, files):
    build = _BUILDS.get(id(config))
    spec = build.pages.get(page.file.src_uri) if build else None
    if spec is None:
        return page  # a hand-written Markdown page: MkDocs as usual
    # Instance attributes shadow MkDocs' Markdown reader and renderer for this page only.
    page.read_source = lambda config: _read(build, page, spec)
    page.render = lambda config, files: None
    return page


def _read(build, page, spec) -> None:
    from specmesh_docs.portal.cache import digest

    rendered = build.generated.renderer(spec)
    meta = {"title": html.escape(" ".join(spec.title.split())), "search": {"exclude": True}}
    if spec.tags:
        meta["tags"] = [html.escape(" ".join(str(t).split())) for t in spec.tags]
    page.markdown = ""
    page.meta = meta
    page.content = rendered.html
    page.toc = _toc(rendered.toc)
    page.present_anchor_ids = {t["id"] for t in _flat(rendered.toc)}
    key = digest(build.signature, spec.path, json.dumps(meta, sort_keys=True), rendered.html)
    build.keys[spec.path] = key
    cached = build.cache.get(key)
    if cached is not None:
        build.hits[spec.path] = cached
        page.meta["template"] = CACHED_TEMPLATE
        page.content = ""  # not rendered again; MkDocs need not hold it


def _toc(tokens):
    from mkdocs.structure.toc import get_toc

    return get_toc(tokens)


def _flat(tokens):
    for t in tokens:
        yield t
        yield from _flat(t["children"])


def on_env(env, config, files):
    import jinja2

    env.loader = jinja2.ChoiceLoader([env.loader, jinja2.DictLoader({CACHED_TEMPLATE: ""})])
    return env


def on_post_page(output, page, config):
    build = _BUILDS.get(id(config))
    path = page.file.src_uri
    if build is not None and path in build.pages:
        if path in build.hits:
            output = build.hits.pop(path)
        else:
            build.cache.put(build.keys[path], output)
        page.content = ""  # written: a 10,000-spec estate keeps no page's HTML in memory
    return _stamped(build, output)


def on_post_template(output, template_name, config):
    return _stamped(_BUILDS.get(id(config)), output)


def _stamped(build, output: str) -> str:
    return output.replace(STAMP, html.escape(build.generated.stamp), 1) if build is not None else output


@event_priority(-100)  # after Material's search plugin has written its index
def on_post_build(config):
    from specmesh_docs.portal.search import documents, merge_into

    build = _BUILDS.pop(id(config), None)
    if build is None:
        return
    site = Path(config.site_dir)
    merge_into(site, documents(build.generated.pages))
    (site / "catalog.json").write_text(json.dumps(build.generated.catalog, ensure_ascii=False, default=str)  # unindented:
                                       + "\n", encoding="utf-8")  # the C encoder, 10x faster on 10,000 specs
    build.cache.keep_only_used()
    if (config.extra.get("specmesh") or {}).get("in_place"):
        sweep(site, {Path(f.abs_dest_path) for f in build.files} | {site / t for t in config.theme.static_templates}
              | {site / "sitemap.xml.gz", site / "search" / "search_index.json", site / "catalog.json", site / "tags.json"})


def sweep(site: Path, written: set[Path]) -> None:
    """After a build in place: what the previous build wrote and this one did not (a removed spec's
    pages) goes; hidden entries at the top stay, as MkDocs' own clean leaves them. Only folders that
    lost something are looked at again (one stat per file, not one listing per folder)."""
    import os

    touched: set[str] = set()
    for folder, dirs, names in os.walk(site, topdown=False):
        top = folder == str(site)
        for name in names:
            path = Path(folder, name)
            if not (top and name.startswith(".")) and path not in written:
                path.unlink()
                touched.add(folder)
        for name in dirs:
            path = os.path.join(folder, name)
            if path in touched and not (top and name.startswith(".")) and not os.listdir(path):
                os.rmdir(path)
                touched.add(folder)
