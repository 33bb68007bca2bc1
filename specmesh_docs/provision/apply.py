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


def apply_plan(cluster, changes: list[Change], progress: Callable[[str, list[Result]], None] = lambda p, r: None,
               registry=None) -> list[Result]:
    def pick(action: str, kind: str) -> list[Change]:
        return [c for c in changes if c.action == action and c.kind == kind]

    by_name = lambda c: c.name  # noqa: E731
    creates = pick("create", "topic")
    updates = pick("update", "topic")
    grows = [c for c in updates if "partitions" in c.after]
    alters = [c for c in updates if "configs" in c.after]
    phases = [
        ("topics", creates, lambda: cluster.create_topics([TopicState(**c.after) for c in creates]), by_name),
        ("partitions", grows, lambda: cluster.grow_partitions({c.name: c.after["partitions"] for c in grows}), by_name),
        ("configs", alters, lambda: cluster.alter_configs({c.name: c.after["configs"] for c in alters}), by_name),
        ("ACLs", pick("create", "acl"), lambda: cluster.create_acls([c.acl for c in pick("create", "acl")]), lambda c: c.acl),
        ("ACL deletions", pick("delete", "acl"), lambda: cluster.delete_acls([c.acl for c in pick("delete", "acl")]), lambda c: c.acl),
        ("topic deletions", pick("delete", "topic"), lambda: cluster.delete_topics([c.name for c in pick("delete", "topic")]), by_name),
    ]
    results: list[Result] = []
    schemas = [c for c in changes if c.kind == "schema"]
    for label, items, run, key in phases:
        if label == "ACLs" and schemas:  # order: topics, schemas, ACLs
            done = registry.apply(schemas) if registry is not None else [
                Result(c, "no --schema-registry given") for c in schemas]
            results.extend(done)
            progress("schemas", done)
        done = _phase(items, run, key)
        results.extend(done)
        if done:
            progress(label, done)
    return _merge_topic_updates(results)


def visible(change: Change, observed) -> bool:
    """Whether the cluster already shows an applied change (metadata reaches brokers asynchronously)."""
    if change.kind == "schema":
        return True  # the registry answers synchronously
    if change.kind == "acl":
        return (change.acl in observed.acls) == (change.action == "create")
    topic = observed.topics.get(change.name)
    if change.action == "delete":
        return topic is None
    if topic is None:
        return False
    after = change.after
    configs = after.get("configs") or {}
    set_ok = all(topic.configs.get(k) == v for k, v in configs.items() if v is not None)
    removed_ok = all(k not in observed.dynamic_configs.get(change.name, set()) for k, v in configs.items() if v is None)
    return topic.partitions >= after.get("partitions", 0) and set_ok and removed_ok


def wait_seconds(results: list[Result]) -> float:
    """How long the cluster may take to serve a change of this size: KRaft accepts 2,000 topics in
    about 2 s and serves them about 40 s later on a small broker."""
    return 30.0 + 0.05 * len(results)


def await_visible(cluster, scopes, results: list[Result], timeout: float) -> list[Change]:
    """Read-your-writes: wait until every applied change shows; the changes that still do not."""
    import time

    pending = [r.change for r in results if r.ok]
    deadline = time.monotonic() + timeout
    pause = 0.2
    while pending:
        try:
            observed = cluster.observe(scopes)
        except ClusterError:
            if time.monotonic() > deadline:
                raise  # a node may be restarting: ask again until the wait is over
            time.sleep(pause)
            pause = min(pause * 1.5, 2.0)
            continue
        pending = [c for c in pending if not visible(c, observed[c.domain])]
        if not pending or time.monotonic() > deadline:
            break
        time.sleep(pause)
        pause = min(pause * 1.5, 2.0)
    return pending


def _merge_topic_updates(results: list[Result]) -> list[Result]:
    """A topic update with partitions and configs ran in two phases: one result, failed if either failed."""
    merged: dict[int, Result] = {}
    for r in results:
        seen = merged.get(id(r.change))
        merged[id(r.change)] = r if seen is None or seen.ok else seen
    return list(merged.values())
