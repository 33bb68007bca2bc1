"""Each data product's history from git: its spec at the last N commits of its source that touched
its folder, each compared with the commit before by `specmesh diff`'s engine (the same rules,
the same schema verdicts). A source outside git has no history."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..diff.sides import Snapshots, git_output, relative, repo_root, scratch_parent

DEFAULT_COMMITS = 20


@dataclass
class Entry:
    commit: str
    date: str  # ISO 8601, the committer's
    version: str  # info.version at that commit ("" when the spec was removed)
    changes: list = field(default_factory=list)  # diff.compare.Change, breaking first

    @property
    def breaking(self) -> bool:
        return any(c.severity == "breaking" for c in self.changes)


class Memo:
    """Entries of earlier builds, by commit: what a commit changed in a spec, compared with its
    parent under a given policy, never changes. A portal rebuilt after a merge compares only the
    new commits. Kept in the page cache's folder as JSON; an unreadable file is an empty memo."""

    def __init__(self, path: Path | None):
        self.path = path
        self.known: dict[str, dict] = {}
        self.used: dict[str, dict] = {}
        if path is None:
            return
        from ..errors import SpecError
        from ..jsondoc import read_json

        try:
            data = read_json(path, "history memo") if path.is_file() else {}
        except SpecError:  # too large, too deep, not JSON: compared again, and rewritten
            data = {}
        if isinstance(data, dict) and data.get("specmesh") == _version() and isinstance(data.get("entries"), dict):
            self.known = data["entries"]

    def get(self, key: str, commit: str, date: str) -> Entry | None:
        from ..diff.compare import Change

        raw = self.known.get(key)
        try:
            entry = Entry(commit, date, str(raw["version"]), [Change(str(c["severity"]), str(c["rule"]), str(c["domain"]),
                                                                     str(c["message"])) for c in raw["changes"]])
        except (TypeError, KeyError):
            return None
        self.used[key] = raw
        return entry

    def put(self, key: str, entry: Entry) -> None:
        self.used[key] = {"version": entry.version, "changes": [
            {"severity": c.severity, "rule": c.rule, "domain": c.domain, "message": c.message} for c in entry.changes]}

    def save(self) -> None:
        """Only this build's entries stay: the memo is the size of the window, not of all history."""
        from ..writing import write_whole

        if self.path is None:
            return
        try:
            write_whole(self.path, json.dumps({"specmesh": _version(), "entries": self.used}))
        except OSError:
            pass


def _version() -> str:
    from .. import __version__

    return __version__


def histories(source: Path, products: list, policies, limit: int = DEFAULT_COMMITS,
              memo: Memo | None = None) -> dict[str, list[Entry]]:
    """spec_file -> its entries, newest first; {} when the source is not in a git work tree."""
    root = repo_root(source)
    if root is None or not products or limit <= 0:
        return {}
    log = _log(root, limit)
    if not log:
        return {}
    with tempfile.TemporaryDirectory(prefix="specmesh-history-", dir=scratch_parent()) as scratch:
        reader = Snapshots(root, Path(scratch), policies)
        out: dict[str, list[Entry]] = {}
        for product in products:
            rel = relative(product.spec_file, root)
            if rel is None:
                continue
            folder = os.path.dirname(rel)
            entries = []
            for commit, date, changed in log:
                if not any(f == rel or f.startswith(folder + "/") or not folder for f in changed):
                    continue
                key = "\t".join((commit, rel, product.domain, repr(policies.for_spec(Path(product.spec_file)))))
                entry = memo.get(key, commit, date) if memo else None
                if entry is None:
                    after = reader.product(commit, rel, product.domain)
                    before = reader.product(f"{commit}^", rel, product.domain)
                    entry = Entry(commit, date, after.info.version if after else "", _changes(before, after, policies))
                    if memo:
                        memo.put(key, entry)
                entries.append(entry)
            out[product.spec_file] = entries
        return out


_SHARED: dict = {}  # set before the fork, read by the worker


def in_background(jobs: list[tuple[Path, list]], policies, limit: int, memo_path: Path | None = None):
    """Histories of several sources [(source, products)] on another core while the caller goes on
    (loading, linting and rendering need none of it); returns a function that waits for them. Inline
    on one core, or when threads run (`portal serve`): forking a threaded process is not safe."""
    import threading

    from ..lint.runner import default_jobs

    def compute() -> dict[str, list[Entry]]:
        memo = Memo(memo_path)
        out: dict[str, list[Entry]] = {}
        for source, products in jobs:
            out.update(histories(source, products, policies, limit, memo))
        memo.save()
        return out

    if limit <= 0 or not jobs or default_jobs() < 2 or threading.active_count() > 1:
        done = compute()
        return lambda: done
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
    _SHARED["compute"] = compute
    try:
        pending = pool.submit(_compute)  # forks here: the worker has its own copy of the products
    finally:
        _SHARED.clear()

    def wait() -> dict[str, list[Entry]]:
        try:
            return pending.result()  # a worker that dies raises BrokenProcessPool, never hangs
        finally:
            pool.shutdown(cancel_futures=True)
    return wait


def _compute():
    return _SHARED["compute"]()


def recent(history: dict[str, list[Entry]], products: list, count: int = 50) -> list[tuple]:
    """(entry, product, change) across the estate, newest first, breaking first within a commit."""
    by_spec = {p.spec_file: p for p in products}
    rows = [(e, by_spec[spec], c) for spec, entries in history.items() for e in entries for c in e.changes]
    rows.sort(key=lambda r: (r[0].date, r[2].severity == "breaking"), reverse=True)
    return rows[:count]


def _changes(before, after, policies) -> list:
    from ..diff.compare import compare

    if before is None and after is None:
        return []
    return compare([before] if before else [], [after] if after else [], {},
                   lambda p: policies.for_spec(Path(p.spec_file)))


def _log(root: Path, limit: int) -> list[tuple[str, str, list[str]]]:
    """(commit, date, files it changed), newest first."""
    text = git_output(root, "log", f"-n{limit}", "--format=%x00%H%x09%cI", "--name-only")
    out = []
    for block in text.split("\x00")[1:]:
        lines = [line for line in block.splitlines() if line.strip()]
        if not lines or "\t" not in lines[0]:
            continue
        commit, date = lines[0].split("\t", 1)
        out.append((commit, date, lines[1:]))
    return out
