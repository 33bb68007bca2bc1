"""The edge of lint: find spec files, load them once, run the rules."""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path

from ..errors import Position, SpecError
from ..policy import Policy, PolicyCache
from ..spec import Files, load_spec
from ..spec.refs import display, find_confinement
from .engine import LintResult, apply_rules

SKIP_DIRS = {".git", "node_modules", ".venv", "venv", "site", "__pycache__", ".tox", ".mypy_cache"}


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


def load_all(files: list[Path], policies: PolicyCache, result: LintResult):
    products = []
    shared: dict[Path, Files] = {}
    for path in files:
        try:
            policy = policies.for_spec(path)
            confine = find_confinement(path.resolve().parent)
            products.append(load_spec(path, files=shared.setdefault(confine, Files(confine)),
                                      principal_format=policy.principal_format))
        except SpecError as exc:
            result.errors.append(exc if exc.pos else SpecError(exc.message, Position(display(path))))
    return products


def lint(paths: list[str], catalog_dirs: list[str] = (), config: str | None = None) -> LintResult:
    policies = PolicyCache(Path(config) if config else None)
    result = LintResult()
    default = policies.for_spec(Path(paths[0]) / "x") if paths and Path(paths[0]).is_dir() else Policy()
    files = discover(paths, default.spec_patterns)
    result.files = [display(f) for f in files]
    products = load_all(files, policies, result)
    catalog_files = [f for f in discover(list(catalog_dirs), default.spec_patterns)
                     if f.resolve() not in {p.resolve() for p in files}]
    catalog = load_all(catalog_files, policies, LintResult())  # other repos: read, not reported on
    by_file = {p.spec_file: policies.for_spec(Path(p.spec_file)) for p in [*products, *catalog]}
    result.findings = apply_rules(products, catalog, lambda p: by_file[p.spec_file])
    return result
