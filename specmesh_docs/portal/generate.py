"""Sources -> estate -> pages (rendered as MkDocs reaches them), navigation and catalog (what the
MkDocs hook serves)."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Position, SpecError
from ..jsondoc import read_json
from .pages import build_pages, product_pages, domain_path, separate_collisions, slug

ASSETS = Path(__file__).resolve().parent / "assets"
METRIC_KINDS = {"specmesh-storage": "storage", "specmesh-consumption": "consumption"}


TAGS_PAGE = "---\ntitle: Tags\n---\n# Tags\n\nMessage and channel tags of every topic.\n\n<!-- material/tags -->\n"


@dataclass
class Generated:
    pages: list  # pages.Page: rendered to HTML by `renderer` when MkDocs reads them
    renderer: object  # render.Renderer
    nav: list
    markdown: dict[str, str] = field(default_factory=dict)  # docs path -> Markdown (the Tags page)
    files: dict[str, Path] = field(default_factory=dict)  # docs path -> file to copy (assets, spec downloads)
    catalog: dict = field(default_factory=dict)
    watch: list[str] = field(default_factory=list)
    stamp: str = ""  # the footer: when, by which version, from which commit of each source
    cache: Path | None = None  # the page cache's folder (pages, history memo)


def in_repo_terms(error: SpecError, repo: Path) -> tuple[str, SpecError]:
    """An unreadable spec as the portal shows it: paths relative to its repository, never the
    build machine's (`../checkouts/x/...`)."""
    from ..model.refs import display

    prefixes = sorted({str(repo.resolve()) + os.sep, display(repo) + os.sep, str(repo) + os.sep}, key=len, reverse=True)

    def local(text: str) -> str:
        for prefix in prefixes:
            text = text.replace(prefix, "")
        return text

    pos = error.pos
    where = local(os.path.abspath(pos.file) + os.sep).rstrip(os.sep) if pos else "(unknown file)"
    where = f"{where}:{pos.line}:{pos.col}" if pos and pos.line else where
    return where, SpecError(local(error.message))


def read_metrics(paths: list[str], base: Path) -> dict:
    metrics = {}
    for raw in paths:
        path = base / raw
        doc = read_json(path, "metrics file")
        kind = METRIC_KINDS.get(doc.get("kind")) if isinstance(doc, dict) else None
        if kind is None or not _metrics_shape_ok(doc):
            raise SpecError("not the output of `specmesh storage` or `specmesh consumption`", Position(str(path), 1, 1))
        metrics[kind] = doc
    return metrics


def _metrics_shape_ok(doc: dict) -> bool:
    """The parts the portal reads: products[].topics[] with a name, whole-number counts, named groups."""
    def count(value) -> bool:
        return value is None or (isinstance(value, int) and not isinstance(value, bool))

    products = doc.get("products")
    if not isinstance(products, list):
        return False
    for product in products:
        topics = product.get("topics") if isinstance(product, dict) else None
        if not isinstance(topics, list):
            return False
        for t in topics:
            if not (isinstance(t, dict) and isinstance(t.get("name"), str)
                    and all(count(t.get(k)) for k in ("bytes", "records", "lag"))):
                return False
            groups = t.get("consumer_groups", [])
            if not (isinstance(groups, list) and all(isinstance(g, dict) and isinstance(g.get("group"), str) for g in groups)):
                return False
    return True


@dataclass
class Loaded:
    """The sources of a portal.yaml or a command line, read: what the portal and `catalog export` share."""

    sources: list  # sources.Source
    products: list
    source_of: dict  # spec file -> its Source
    unreadable: list  # (spec as its repository names it, error)
    policies: object
    estate: object


def load_sources(settings: dict, base: Path, on_loaded=None, command: str = "portal") -> Loaded:
    """Every source's specs loaded, linted and joined into one estate; an unreadable spec is listed
    (and printed), not fatal. `on_loaded(source, products)` runs as each source is read."""
    from ..catalog import build_estate
    from ..lint.runner import discover, load_all, lint_products
    from ..policy import PolicyCache
    from .sources import normalize, resolve

    sources = [resolve(normalize(raw, base)) for raw in settings.get("sources") or []]
    if not sources:
        raise SpecError(f"the {command} has no sources: give directories or git URLs (or `sources:` in portal.yaml)")
    policies = PolicyCache()
    unreadable: list[tuple[str, SpecError]] = []
    products, source_of = [], {}
    for source in sources:
        files = discover([str(source.path)], policies.for_spec(source.path / "x").spec_patterns)
        errors: list[SpecError] = []
        loaded = load_all(files, policies, errors, confine=source.path)  # a source is a whole repository
        for product in loaded:
            products.append(product)
            source_of[product.spec_file] = source
        unreadable += [in_repo_terms(e, source.path) for e in errors]
        if on_loaded is not None:
            on_loaded(source, loaded)
    for where, error in unreadable:
        listed = " (listed on the Problems page)" if command == "portal" else ""
        print(f"specmesh: {command}: {where}: {error.message}{listed}", file=sys.stderr)
    estate = build_estate(products, lint_products(products, policies), read_metrics(settings.get("metrics") or [], base))
    separate_collisions(estate.products)
    return Loaded(sources, products, source_of, unreadable, policies, estate)


def generate(settings: dict, base: Path) -> Generated:
    from ..catalog import catalog_document
    from .render import Renderer
    from .history import DEFAULT_COMMITS, in_background
    from .sources import shown_document

    title = str(settings.get("title") or "Data products")
    history_jobs: list = []
    loaded = load_sources(settings, base, lambda source, products: history_jobs.append((source.path, products)))
    sources, products, source_of, unreadable, estate = (loaded.sources, loaded.products, loaded.source_of,
                                                        loaded.unreadable, loaded.estate)
    if settings.get("verify"):
        from ..clock import now
        from ..verify.report import read_report
        from .verification import MAX_AGE_DAYS, per_topic

        estate.verification = per_topic(read_report(Path(settings["verify"])), list(estate.topics), now(),
                                        float(settings.get("verify_max_age_days") or MAX_AGE_DAYS))
    estate.levels = {p.spec_file: loaded.policies.for_spec(Path(p.spec_file)).schema_compatibility for p in products}
    commits = settings.get("history_commits")
    cache = cache_folder(settings)
    history = in_background(history_jobs, loaded.policies, DEFAULT_COMMITS if commits is None else int(commits),
                            cache / "history.json" if cache else None)
    repo_links, downloads, files = {}, {}, {}
    for p in products:
        spec = Path(p.spec_file).resolve()
        source = source_of[p.spec_file]
        if source.link:
            repo_links[p.spec_file] = source.link + spec.relative_to(source.path).as_posix()
        target = f"specs/{slug(p.domain)}{p.page_suffix}/{slug(spec.name)}"
        downloads[p.spec_file] = target
        files[target] = spec
    templates = settings.get("templates")
    if templates:  # mkdocs.yml's `extra.specmesh.templates` counts from the mkdocs.yml
        from .sources import templates_dir

        templates = templates_dir(str(base / templates))
    renderer = Renderer({p.domain for p in products}, templates)
    requests = {p.spec_file: source_of[p.spec_file].request_url for p in products if source_of[p.spec_file].request_url}
    pages = build_pages(estate, title, unreadable, requests) + product_pages(estate, repo_links, downloads, history)
    files.update({f"assets/{name}": ASSETS / name for name in ("mermaid.min.js", "specmesh.css", "specmesh.js")})
    nav = [{"Home": "index.md"},
           {"Domains": [{d: domain_path(d)} for d in estate.by_domain]},
           {"Access matrix": "access.md"}, {"PII map": "pii.md"}, {"Flow graph": "flows.md"},
           {"Owners": "owners.md"}, {"Recent changes": "changes.md"}, {"Tags": "tags.md"}, {"Problems": "problems.md"}]
    if estate.metrics:
        nav.append({"Chargeback": "chargeback.md"})
    if estate.verification:
        nav.append({"Verification": "verification.md"})
    return Generated(pages, renderer, nav, {"tags.md": TAGS_PAGE}, files, shown_document(catalog_document(estate)),
                     [str(s.path) for s in sources], build_stamp(sources), cache)


def cache_folder(settings: dict) -> Path | None:
    """`cache: false` (`--no-cache`): none; a folder given; else one per estate in the user's cache."""
    from .cache import default_folder

    folder = settings.get("cache")
    return None if folder is False else Path(folder) if folder else default_folder(settings)


def build_stamp(sources) -> str:
    """`Built 2026-11-29 03:20 UTC by specmesh 0.2.0 from examples@3f2a9c1d0e4b`. The time is
    $SOURCE_DATE_EPOCH when set (reproducible builds); a source outside git has no commit."""
    import time
    from datetime import datetime, timezone

    from .. import __version__
    from ..diff.sides import git_output

    try:
        epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "")) if os.environ.get("SOURCE_DATE_EPOCH") else int(time.time())
    except ValueError:
        epoch = int(time.time())
    when = datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    parts = []
    for source in sources:
        commit = git_output(source.path, "rev-parse", "--short=12", "HEAD").strip()
        name = source.name or (source.link or "").rstrip("/").split("/blob/")[0].rsplit("/", 1)[-1] or source.path.name
        parts.append(f"{name}@{commit}" if commit else name)
    return f"Built {when} by specmesh {__version__} from {', '.join(parts)}"
