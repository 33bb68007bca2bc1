"""Apply a plan: batched and ordered (topics, then ACLs, deletions last), one result per change.

A phase whose requests fail (broker gone) marks its changes failed and the later phases
are still tried; the report says exactly what was and was not applied, and a re-run plans
only what is left.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .kafka import ClusterError
from .plan import Change
from .state import TopicState


@dataclass
class Result:
    change: Change
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self) -> dict:
        return {**self.change.to_dict(), "ok": self.ok, "error": self.error}


def _phase(changes: list[Change], run: Callable[[], dict], key: Callable[[Change], object]) -> list[Result]:
    if not changes:
        return []
    try:
        outcome = run()
    except ClusterError as exc:
        return [Result(c, exc.message) for c in changes]
    return [Result(c, outcome.get(key(c), "no result from the broker")) for c in changes]


def apply_plan(cluster, changes: list[Change], progress: Callable[[list[Result]], None] = lambda r: None) -> list[Result]:
    def pick(action: str, kind: str) -> list[Change]:
        return [c for c in changes if c.action == action and c.kind == kind]

    by_name = lambda c: c.name  # noqa: E731
    creates = pick("create", "topic")
    updates = pick("update", "topic")
    grows = [c for c in updates if "partitions" in c.after]
    alters = [c for c in updates if "configs" in c.after]
    phases = [
        (creates, lambda: cluster.create_topics([TopicState(**c.after) for c in creates]), by_name),
        (grows, lambda: cluster.grow_partitions({c.name: c.after["partitions"] for c in grows}), by_name),
        (alters, lambda: cluster.alter_configs({c.name: c.after["configs"] for c in alters}), by_name),
        (pick("create", "acl"), lambda: cluster.create_acls([c.acl for c in pick("create", "acl")]), lambda c: c.acl),
        (pick("delete", "acl"), lambda: cluster.delete_acls([c.acl for c in pick("delete", "acl")]), lambda c: c.acl),
        (pick("delete", "topic"), lambda: cluster.delete_topics([c.name for c in pick("delete", "topic")]), by_name),
    ]
    results: list[Result] = []
    for items, run, key in phases:
        done = _phase(items, run, key)
        results.extend(done)
        if done:
            progress(done)
    return _merge_topic_updates(results)


def _merge_topic_updates(results: list[Result]) -> list[Result]:
    """A topic update with partitions and configs ran in two phases: one result, failed if either failed."""
    merged: dict[int, Result] = {}
    for r in results:
        seen = merged.get(id(r.change))
        merged[id(r.change)] = r if seen is None or seen.ok else seen
    return list(merged.values())
