"""`specmesh diff BASE [HEAD]`: load both sides, compare, report (the thin edge around compare)."""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..errors import Position, SpecError
from .compare import Change, compare, consumers_index
from .sides import Side, Snapshots, git_log, relative, repo_root, resolve, scratch_parent

_WORD = re.compile(r"[A-Za-z0-9._-]+")


@dataclass
class DiffResult:
    base: Side
    head: Side
    changes: list[Change] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {k: sum(1 for c in self.changes if c.severity == k) for k in ("breaking", "risky", "safe", "accepted")}


def run_diff(base: str, head: str | None, catalog: list[str], config: str | None, dirs: bool = False) -> DiffResult:
    """`dirs`: BASE and HEAD are directories, never refs (`--dirs`)."""
    from ..lint.runner import catalog_files, published_products
    from ..policy import PolicyCache, org_policy_path

    cwd = Path.cwd()
    policies = PolicyCache(org_policy_path(config))
    with tempfile.TemporaryDirectory(prefix="specmesh-diff-", dir=scratch_parent()) as scratch_dir:
        scratch = Path(scratch_dir)
        base_side = resolve(base, cwd, scratch, dirs)
        head_side = resolve(head, cwd, scratch, dirs) if head else Side("working tree", repo_root(cwd) or cwd)
        old, new, unchanged = _load_changed(base_side, head_side, policies)
        _refuse_unreadable(new, head_side)
        default = policies.for_spec(head_side.root / "x.yaml")
        others = _load_files(catalog_files(catalog, [], default), policies) if catalog else []
        others += published_products(catalog, new)
        consumers = Consumers([*old, *new, *others], unchanged, lambda f: _load_files([f], policies, head_side))
        history = _History(base_side, scratch, policies)
        changes = compare(old, new, consumers, lambda p: policies.for_spec(Path(p.spec_file)), history)
        changes = [_shown(c, base_side, head_side) for c in changes]
    return DiffResult(base_side, head_side, changes)


def _load_changed(base: Side, head: Side, policies) -> tuple[list, list, list[Path]]:
    """Products of the specs that may differ (changed.py), on each side; the HEAD files of the rest."""
    from ..lint.runner import discover
    from .changed import changed_paths, files_of, may_have_changed, policy_changed

    sides = []
    for side in (base, head):
        specs = discover([str(side.root)], policies.for_spec(side.root / "x.yaml").spec_patterns)
        # named as listed (a symlink by its own name, wherever it points): loading decides what may be read
        sides.append(({Path(os.path.relpath(os.path.abspath(f), os.path.abspath(side.root))).as_posix(): f
                       for f in specs}, files_of(side.root)))
    (base_specs, base_files), (head_specs, head_files) = sides
    changed = changed_paths(base_files, head_files)
    every = policy_changed(changed)
    names = set(base_specs) | set(head_specs)
    dirty = {rel for rel in names if every
             or (rel in base_specs and may_have_changed(rel, base_files, changed, names))
             or (rel in head_specs and may_have_changed(rel, head_files, changed, names))}
    old = _load_files([f for rel, f in base_specs.items() if rel in dirty], policies, base)
    new = _load_files([f for rel, f in head_specs.items() if rel in dirty], policies, head)
    return old, new, [f for rel, f in head_specs.items() if rel not in dirty]


class Consumers:
    """topic -> domains subscribing to it: from the products read, and from the unchanged specs,
    read only when their text names the topic (a changed topic is looked up, not every one)."""

    def __init__(self, products: list, unchanged: list[Path], load):
        self.products = products
        self.known = consumers_index(products)
        self.unchanged = unchanged
        self.load = load
        self.mentions: dict[str, list[Path]] | None = None  # name-like word -> unchanged specs holding it
        self.loaded: dict[Path, list] = {}
        self.answers: dict[str, set[str]] = {}

    def _index(self) -> dict[str, list[Path]]:
        if self.mentions is None:
            self.mentions = {}
            for path in self.unchanged:
                try:
                    text = path.read_text(encoding="utf-8", errors="replace")
                except OSError:
                    continue
                for word in set(_WORD.findall(text)):
                    self.mentions.setdefault(word, []).append(path)
        return self.mentions

    def get(self, topic: str, default=()) -> set[str]:
        if topic in self.answers:
            return set(self.answers[topic]) or set(default)
        found = set(self.known.get(topic, ()))
        for path in self._index().get(topic, ()):  # a spec that reads another domain's topic names it in full
            if path not in self.loaded:
                try:
                    self.loaded[path] = self.load(path)
                except SpecError:
                    self.loaded[path] = []
            found |= {p.domain for p in self.loaded[path] for c in p.consumed if c.name == topic}
        self.answers[topic] = found
        return set(found) or set(default)

    def reads(self, topic: str) -> dict[str, list | None]:
        """Consumer domain -> the fields it declares it reads on `topic` (None: every field); a later
        spec of the same domain (HEAD after BASE) wins."""
        self.get(topic)
        out: dict[str, list | None] = {}
        for p in [*self.products, *(p for loaded in self.loaded.values() for p in loaded)]:
            for c in p.consumed:
                if c.name == topic:
                    out[p.domain] = None if c.reads is None else list(c.reads)
        return out


def _refuse_unreadable(products: list, side: Side) -> None:
    """A HEAD spec with a schema it cannot read has no verdict: exit 2, never "0 breaking"."""
    for product in products:
        if product.problems:
            first = product.problems[0]
            raise SpecError(f"{'(' + side.label + ') ' if side.commit else ''}{first.message} (no verdict on a spec "
                            "that cannot be read; `specmesh lint` lists every problem)", _position(first.pos, side))


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
    rel = relative(pos.file, side.root)
    return pos if rel is None else Position(f"{side.label}:{rel}", pos.line, pos.col)


def _shown(change: Change, base: Side, head: Side) -> Change:
    pos = _position(change.pos, base)
    return replace(change, pos=_position(pos, head))


class _History:
    """Earlier versions of a BASE product from git history (for `_TRANSITIVE` levels): the commits
    before BASE that touched the spec's folder, newest `LIMIT` of them, oldest first."""

    LIMIT = 10

    def __init__(self, side: Side, scratch: Path, policies):
        self.side = side
        root = repo_root(Path.cwd()) if side.commit else None
        self.snapshots = Snapshots(root, scratch / "history", policies) if root else None

    def __call__(self, product) -> list:
        rel = relative(product.spec_file, self.side.root) if self.snapshots else None
        if rel is None:
            return []
        commits = git_log(self.snapshots.root, f"{self.side.commit}~1", os.path.dirname(rel) or ".", self.LIMIT)
        versions = (self.snapshots.product(c, rel, product.domain) for c in reversed(commits))
        return [v for v in versions if v is not None]
