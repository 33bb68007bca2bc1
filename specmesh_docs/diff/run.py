"""`specmesh diff BASE [HEAD]`: load both sides, compare, report (the thin edge around compare)."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..errors import Position, SpecError
from .compare import Change, compare, consumers_index
from .sides import Side, repo_root, resolve

FORMATS = ("text", "json", "markdown", "github")


@dataclass
class DiffResult:
    base: Side
    head: Side
    changes: list[Change] = field(default_factory=list)
    products: int = 0

    def counts(self) -> dict[str, int]:
        return {k: sum(1 for c in self.changes if c.severity == k) for k in ("breaking", "risky", "safe", "accepted")}


def run_diff(base: str, head: str | None, catalog: list[str], config: str | None) -> DiffResult:
    from ..lint.runner import catalog_files, published_products
    from ..policy import PolicyCache, org_policy_path

    cwd = Path.cwd()
    policies = PolicyCache(org_policy_path(config))
    with tempfile.TemporaryDirectory(prefix="specmesh-diff-") as scratch_dir:
        scratch = Path(scratch_dir)
        base_side = resolve(base, cwd, scratch)
        head_side = resolve(head, cwd, scratch) if head else Side("working tree", repo_root(cwd) or cwd)
        old = _load(base_side, policies)
        new = _load(head_side, policies)
        default = policies.for_spec(head_side.root / "x.yaml")
        others = _load_files(catalog_files(catalog, [], default), policies) if catalog else []
        others += published_products(catalog, new)
        consumers = consumers_index([*old, *new, *others])
        history = _History(base_side, scratch, policies)
        changes = compare(old, new, consumers, lambda p: policies.for_spec(Path(p.spec_file)), history)
        changes = [_shown(c, base_side, head_side) for c in changes]
    return DiffResult(base_side, head_side, changes, len({p.domain for p in (*old, *new)}))


def _load(side: Side, policies) -> list:
    from ..lint.runner import discover

    files = discover([str(side.root)], policies.for_spec(side.root / "x.yaml").spec_patterns)
    return _load_files(files, policies, side)


def _load_files(files: list[Path], policies, side: Side | None = None) -> list:
    from ..lint.runner import load_all

    errors: list[SpecError] = []
    products = load_all(files, policies, errors, confine=side.root if side else None)
    if errors:
        first = errors[0]
        raise SpecError(f"{'(' + side.label + ') ' if side and side.commit else ''}{first.message}",
                        _position(first.pos, side) if side else first.pos)
    return products


def _position(pos: Position | None, side: Side | None) -> Position | None:
    """A position inside an extracted ref as `REF:path/in/repo`, never the scratch directory."""
    if pos is None or side is None or side.commit is None:
        return pos
    try:
        rel = Path(os.path.abspath(pos.file)).relative_to(side.root.resolve())
    except ValueError:
        return pos
    return Position(f"{side.label}:{rel.as_posix()}", pos.line, pos.col)


def _shown(change: Change, base: Side, head: Side) -> Change:
    pos = _position(change.pos, base)
    return replace(change, pos=_position(pos, head))


class _History:
    """Earlier versions of a BASE product from git history (for `_TRANSITIVE` levels): the commits
    before BASE that touched the spec's folder, newest `LIMIT` of them, oldest first. Each commit is
    read once through `git archive`; a version that does not load is skipped."""

    LIMIT = 10

    def __init__(self, side: Side, scratch: Path, policies):
        self.side, self.scratch, self.policies = side, scratch, policies

    def __call__(self, product) -> list:
        from .sides import extract_commit, git_log

        if self.side.commit is None:
            return []
        try:
            rel = Path(os.path.abspath(product.spec_file)).relative_to(self.side.root.resolve())
        except ValueError:
            return []
        folder = rel.parent.as_posix() or "."
        versions = []
        for commit in reversed(git_log(repo_root(Path.cwd()), f"{self.side.commit}~1", folder, self.LIMIT)):
            target = self.scratch / "history" / commit[:12]
            try:
                extract_commit(repo_root(Path.cwd()), commit, target)
                errors: list[SpecError] = []
                from ..lint.runner import load_all

                loaded = load_all([target / rel], self.policies, errors, confine=target) if (target / rel).is_file() else []
            except SpecError:
                continue
            versions += [p for p in loaded if p.domain == product.domain]
        return versions
