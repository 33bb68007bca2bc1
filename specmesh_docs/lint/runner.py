"""The edge of lint: find spec files, load them once, run the rules, apply suppressions.

Large sets are split across the machine's cores (fork): each worker loads its share and
runs the per-spec rules, then sends back its findings and slim products (names, access,
grants, positions) for the cross-spec rules run here.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import os
from pathlib import Path

from ..errors import Position, SpecError
from ..policy import Policy, PolicyCache, org_policy_path
from ..spec import Files, load_spec
from ..spec.refs import display, find_confinement
from .engine import LintResult, check_catalog, check_products, sort_findings

SKIP_DIRS = {".git", "node_modules", ".venv", "venv", "site", "__pycache__", ".tox", ".mypy_cache"}
PARALLEL_FROM = 48  # below this, forking costs more than it saves


def discover(paths: list[str], patterns: tuple[str, ...]) -> list[Path]:
    """Files given stay as given; directories are walked for names matching the patterns."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for folder, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
                found.extend(Path(folder) / n for n in sorted(names) if any(fnmatch.fnmatch(n, p) for p in patterns))
        else:
            found.append(path)
    return found


def load_all(files: list[Path], policies: PolicyCache, errors: list[SpecError]):
    """Products of the files that load; the rest become errors (exit 2)."""
    products = []
    shared: dict[Path, Files] = {}
    confinement: dict[Path, Path] = {}  # spec directory -> its git work tree
    for path in files:
        try:
            policy = policies.for_spec(path)
            folder = Path(os.path.abspath(path)).parent  # where the spec is found: a symlink may not move its root
            confine = confinement.get(folder) or confinement.setdefault(folder, find_confinement(folder))
            products.append(load_spec(path, files=shared.setdefault(confine, Files(confine)),
                                      principal_format=policy.principal_format))
        except SpecError as exc:
            errors.append(exc if exc.pos else SpecError(exc.message, Position(display(path))))
    return products


def slim(product):
    """What cross-spec rules read: no parsed documents, no schemas (cheap to send between processes)."""
    topics = [dataclasses.replace(t, node=None, op=None, key=None, value=None, examples=[]) for t in product.topics]
    consumed = [dataclasses.replace(c, node=None, op=None, value=None) for c in product.consumed]
    return dataclasses.replace(product, topics=topics, consumed=consumed, document=None, problems=[], notes=[])


def _check_share(reported: list[Path], context: list[Path], policies: PolicyCache):
    """Load a share of the files and run the per-spec rules on the reported ones."""
    errors: list[SpecError] = []
    products = load_all(reported, policies, errors)
    catalog = load_all(context, policies, [])  # other repos: read, not reported on
    findings = check_products(products, lambda p: policies.for_spec(Path(p.spec_file)))
    return findings, errors, [slim(p) for p in products], [slim(p) for p in catalog]


_SHARED: dict = {}  # set before fork, read by workers


def _worker(index: int):
    reported, context, policies, jobs = _SHARED["work"]
    return _check_share(reported[index::jobs], context[index::jobs], policies)


def _run(reported: list[Path], context: list[Path], policies: PolicyCache, jobs: int):
    if jobs <= 1 or len(reported) + len(context) < PARALLEL_FROM:
        return [_check_share(reported, context, policies)]
    import multiprocessing

    _SHARED["work"] = (reported, context, policies, jobs)
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
         jobs: int | None = None) -> LintResult:
    policies = PolicyCache(org_policy_path(config))
    result = LintResult()
    default = policies.for_spec(Path(paths[0]) / "x") if paths and Path(paths[0]).is_dir() else Policy()
    files = discover(paths, default.spec_patterns)
    result.files = [display(f) for f in files]
    context = catalog_files(catalog_dirs, files, default)
    findings, products, catalog = [], [], []
    for share_findings, errors, share_products, share_catalog in _run(files, context, policies, jobs or default_jobs()):
        findings += share_findings
        result.errors += errors
        products += share_products
        catalog += share_catalog
    result.findings, result.suppressed = _finish(findings, products, catalog, policies)
    return result


def catalog_files(catalog_dirs, reported: list[Path], policy: Policy) -> list[Path]:
    """Other repos' spec files, minus those already reported on."""
    seen = {f.resolve() for f in reported}
    return [f for f in discover(list(catalog_dirs), policy.spec_patterns) if f.resolve() not in seen]


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
