"""The edge of lint: find spec files, load them once, run the rules, apply suppressions.

Large sets are split across the machine's cores (fork): each worker loads its share and
runs the per-spec rules, then sends back its findings and slim products (names, access,
grants, positions) for the cross-spec rules run here.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import os
import re
from pathlib import Path

from ..errors import Position, SpecError
from ..policy import Policy, PolicyCache, org_policy_path
from ..model import Files, load_spec
from ..model.refs import display, file_key, find_confinement
from .engine import LintResult, check_catalog, check_products, sort_findings

SKIP_DIRS = {".git", "node_modules", ".venv", "venv", "site", "__pycache__", ".tox", ".mypy_cache"}
PARALLEL_FROM = 48  # below this, forking costs more than it saves


def discover(paths: list[str], patterns: tuple[str, ...], skipped: list[Path] | None = None) -> list[Path]:
    """Files given stay as given; directories are walked for names matching the patterns, and a
    match that is not an AsyncAPI document (no top-level `asyncapi` key: an Avro schema named
    `asyncapi-avro-x.json`, say) is skipped, and listed in `skipped`."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for folder, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
                for name in sorted(names):
                    if any(fnmatch.fnmatch(name, p) for p in patterns):
                        candidate = Path(folder) / name
                        if declares_asyncapi(candidate):
                            found.append(candidate)
                        elif skipped is not None:
                            skipped.append(candidate)
        else:
            found.append(path)
    return found


_ASYNCAPI_KEY = re.compile(rb'(?m)^["\']?asyncapi["\']?[ \t]*:|"asyncapi"\s*:')


def declares_asyncapi(path: Path) -> bool:
    """The first 64 KiB hold the top-level `asyncapi` key (where every real document puts it)."""
    try:
        with open(path, "rb") as handle:
            return _ASYNCAPI_KEY.search(handle.read(65536)) is not None
    except OSError:
        return True  # unreadable: loading reports it, positioned


SCHEMA_SUFFIXES = (".avsc", ".proto", ".json", ".yaml", ".yml")


def is_spec_file(path: Path, patterns: tuple[str, ...]) -> bool:
    """A spec by name, or a YAML/JSON file that starts like one (`asyncapi:`, `id:`, `channels:` at the top)."""
    if any(fnmatch.fnmatch(path.name, p) for p in patterns):
        return True
    if path.suffix.lower() not in (".yaml", ".yml", ".json"):
        return False
    try:
        with open(path, "rb") as handle:
            head = handle.read(4096)
    except OSError:
        return True  # let loading report it, positioned
    return re.search(rb'(^|\n)\s*"?(asyncapi|id|channels)"?\s*:', head) is not None


def specs_using(changed: list[Path], patterns: tuple[str, ...]) -> list[Path]:
    """The specs that read any of `changed` (schema files), directly or through other schema files.

    A pre-commit hook is handed only what a commit touched; a schema-only commit must still lint
    the specs it changes. Specs are searched in each file's git work tree; a cheap text scan first
    skips trees where no file even mentions the changed names (an unrelated file costs nothing).
    """
    wanted: dict[Path, set[Path]] = {}
    for path in changed:
        if path.suffix.lower() in SCHEMA_SUFFIXES and path.is_file():
            real = file_key(path)
            wanted.setdefault(find_confinement(real.parent), set()).add(real)
    users: list[Path] = []
    for root, reals in wanted.items():
        names = {r.name for r in reals} | {r.stem for r in reals} | {r.stem.rpartition(".")[2] for r in reals}
        if not _mentioned(root, names, reals):
            continue
        for spec in discover([str(root)], patterns):
            files = Files(root)
            try:
                load_spec(spec, files=files)
            except SpecError:
                users.append(spec)  # broken: linting it reports why
                continue
            if reals & files.read_paths:
                users.append(spec)
    return users


def _mentioned(root: Path, names: set[str], skip: set[Path]) -> bool:
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.startswith(".")]
        for name in files:
            path = Path(folder) / name
            if path.suffix.lower() in SCHEMA_SUFFIXES and file_key(path) not in skip:
                try:
                    text = path.read_text(encoding="utf-8", errors="replace")
                except OSError:
                    continue
                if any(n in text for n in names):
                    return True
    return False


def load_all(files: list[Path], policies: PolicyCache, errors: list[SpecError], root: Path | None = None,
             confine: Path | None = None):
    """Products of the files that load; the rest become errors (exit 2). `root`, like `show --root`:
    where `/`-refs start and the boundary no ref may cross (default: each spec's git work tree);
    `confine` only moves the boundary (a portal source: the whole repository)."""
    products = []
    shared: dict[Path, Files] = {}
    confinement: dict[Path, Path] = {}  # spec directory -> its git work tree
    for path in files:
        try:
            policy = policies.for_spec(path)
            folder = Path(os.path.abspath(path)).parent  # where the spec is found: a symlink may not move its root
            boundary = (root or confine).resolve() if (root or confine) else (
                confinement.get(folder) or confinement.setdefault(folder, find_confinement(folder)))
            products.append(load_spec(path, root=root, files=shared.setdefault(boundary, Files(boundary)),
                                      principal_format=policy.principal_format, domain_from=policy.domain_from,
                                      v2_operations=policy.v2_operations))
        except SpecError as exc:
            errors.append(exc if exc.pos else SpecError(exc.message, Position(display(path))))
    return products


def slim(product):
    """What cross-spec rules read: no parsed documents, schemas reduced to their field list (the paths
    consumers declare they read); cheap to send between processes."""
    topics = [dataclasses.replace(t, node=None, op=None, key=_fields_only(t.key), value=_fields_only(t.value),
                                  examples=[]) for t in product.topics]
    consumed = [dataclasses.replace(c, node=None, op=None, value=None) for c in product.consumed]
    return dataclasses.replace(product, topics=topics, consumed=consumed, document=None, problems=[], notes=[],
                               resolve=None)


def _fields_only(schema):
    from ..model.schemas import Schema

    return None if schema is None else Schema(schema.format, list(schema.fields), schema.type, full_name=schema.full_name)


def _check_share(reported: list[Path], context: list[Path], policies: PolicyCache, root: Path | None = None):
    """Load a share of the files and run the per-spec rules on the reported ones."""
    errors: list[SpecError] = []
    products = load_all(reported, policies, errors, root)
    catalog = load_all(context, policies, [])  # other repos: read, not reported on
    findings = check_products(products, lambda p: policies.for_spec(Path(p.spec_file)))
    return findings, errors, [slim(p) for p in products], [slim(p) for p in catalog]


_SHARED: dict = {}  # set before fork, read by workers


def _worker(index: int):
    reported, context, policies, jobs, root = _SHARED["work"]
    return _check_share(reported[index::jobs], context[index::jobs], policies, root)


def _run(reported: list[Path], context: list[Path], policies: PolicyCache, jobs: int, root: Path | None = None):
    if jobs <= 1 or len(reported) + len(context) < PARALLEL_FROM:
        return [_check_share(reported, context, policies, root)]
    import multiprocessing

    _SHARED["work"] = (reported, context, policies, jobs, root)
    try:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            return pool.map(_worker, range(jobs))
    finally:
        _SHARED.clear()


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def lint(paths: list[str], catalog_dirs: list[str] = (), config: str | None = None, *,
         jobs: int | None = None, root: str | None = None) -> LintResult:
    policies = PolicyCache(org_policy_path(config))
    result = LintResult()
    default = policies.for_spec(Path(paths[0]) / "x") if paths and Path(paths[0]).is_dir() else Policy()
    given = [Path(p) for p in paths]
    others = [p for p in given if p.is_file() and not is_spec_file(p, default.spec_patterns)]
    skipped: list[Path] = []
    files = discover([str(p) for p in given if p not in others], default.spec_patterns, skipped)
    result.skipped = [display(s) for s in skipped]
    known = {file_key(f) for f in files}
    files += [s for s in specs_using(others, default.spec_patterns) if file_key(s) not in known and not known.add(file_key(s))]
    result.files = [display(f) for f in files]
    result.patterns = default.spec_patterns
    context = catalog_files(catalog_dirs, files, default)
    findings, products, catalog = [], [], []
    for share_findings, errors, share_products, share_catalog in _run(files, context, policies, jobs or default_jobs(),
                                                                           Path(root) if root else None):
        findings += share_findings
        result.errors += errors
        products += share_products
        catalog += share_catalog
    catalog += published_products(catalog_dirs, products)
    result.findings, result.suppressed = _finish(findings, products, catalog, policies)
    return result


def published_products(sources, reported) -> list:
    """Products from `--catalog` sources that are catalog.json files or URLs, minus the domains being
    reported on (a published catalogue also holds this repo's own, older, spec)."""
    from ..published import is_published, read_published

    mine = {p.domain for p in reported}
    return [p for s in sources if is_published(s) for p in read_published(s) if p.domain not in mine]


def catalog_files(catalog_dirs, reported: list[Path], policy: Policy) -> list[Path]:
    """Other repos' spec files (the directory sources), minus those already reported on."""
    from ..published import is_published

    seen = {file_key(f) for f in reported}
    dirs = [d for d in catalog_dirs if not is_published(d)]
    for d in dirs:
        if not Path(d).is_dir():
            raise SpecError(f"--catalog {d}: not a directory, a catalog.json file or an https:// URL")
    return [f for f in discover(dirs, policy.spec_patterns) if file_key(f) not in seen]


def _finish(findings: list, products, catalog, policies: PolicyCache) -> tuple[list, int]:
    """The end of every lint run: cross-spec rules, inline suppressions, a stable order."""
    from .suppress import apply_suppressions

    findings = findings + check_catalog(products, catalog, lambda p: policies.for_spec(Path(p.spec_file)))
    findings, suppressed = apply_suppressions(findings)
    return sort_findings(findings), suppressed


def lint_products(products, policies: PolicyCache, catalog=()) -> list:
    """All rules over already loaded products (the portal and provisioning use these)."""
    findings = check_products(products, lambda p: policies.for_spec(Path(p.spec_file)))
    return _finish(findings, products, list(catalog), policies)[0]
