"""`specmesh verify`: the run. Specs -> owned topics -> the tail of each partition, checked as it
arrives (nothing is held but counts and the first violations) -> consumer groups against grants
-> one report document (version 1, kind `specmesh-verify`; docs/content/verify.md)."""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass, field

from ..errors import SpecError
from .checks import RoleCheck, WriterSchema, role_check
from .readers import classify

KEPT = 20  # violations listed per topic (every one is counted)


@dataclass
class Options:
    specs: list[str]
    bootstrap: str | None = None
    command_config: str | None = None
    schema_registry: str | None = None
    records: int = 100
    topics: list[str] = field(default_factory=list)
    timeout: float = 60.0
    connect_timeout: float | None = None
    max_record_bytes: int = 8 * 1024 * 1024
    config: str | None = None  # the policy file (delimiter), as lint finds it when None


class RegistryWriters:
    """checks.Writers from the real registry: each id and subject asked once, and no question asked
    after the run's deadline (a registry answering slowly cannot stretch the run)."""

    def __init__(self, registry, deadline: float = float("inf")):
        self.registry, self.deadline = registry, deadline
        self._schemas: dict[int, WriterSchema | None] = {}
        self._ids: dict[str, set[int]] = {}

    def _in_time(self) -> None:
        from ..provision.kafka import ClusterError

        if time.monotonic() > self.deadline:
            raise ClusterError(f"schema registry at {self.registry.url}: no complete answer within the run's "
                               "--timeout", kind="unreachable")

    def schema(self, schema_id: int) -> WriterSchema | None:
        if schema_id not in self._schemas:
            self._in_time()
            found = self.registry.schema_by_id(schema_id)
            self._schemas[schema_id] = None if found is None else self._parsed(schema_id, *found)
        return self._schemas[schema_id]

    def ids(self, subject: str) -> set[int]:
        if subject not in self._ids:
            self._in_time()
            self._ids[subject] = self.registry.ids_of(subject)
        return self._ids[subject]

    def _parsed(self, schema_id: int, schema_type: str, text: str, named: dict[str, str]) -> WriterSchema:
        from ..jsondoc import parse_json
        from ..provision.kafka import ClusterError

        kind = str(schema_type).upper()
        if kind == "PROTOBUF":
            return WriterSchema(kind, text)
        try:
            return WriterSchema(kind, parse_json(text, f"the registry's schema {schema_id}", self.registry.url),
                                {n: parse_json(t, f"the registry's schema {n}", self.registry.url) for n, t in named.items()})
        except SpecError as exc:
            raise ClusterError(f"schema registry at {self.registry.url}: {exc.message}", kind="unreachable") from None


@dataclass
class TopicResult:
    topic: object  # model.Topic
    exists: bool = True
    partitions: int | None = None
    read: int = 0
    valid: int = 0
    invalid: int = 0
    unchecked: int = 0
    too_large: int = 0
    complete: bool = True
    rules: Counter = field(default_factory=Counter)
    violations: list[dict] = field(default_factory=list)
    readers: dict = field(default_factory=dict)
    checks: dict[str, RoleCheck | None] = field(default_factory=dict)

    def record(self, message, max_bytes: int) -> None:
        self.read += 1
        key, value = message.key(), message.value()
        if len(key or b"") + len(value or b"") > max_bytes:
            self.too_large += 1
            self.unchecked += 1
            return
        if not any(self.checks.values()):
            self.unchecked += 1
            return
        found = [(role, v) for role, check in self.checks.items() if check is not None
                 for v in check.check(key if role == "key" else value)]
        if not found:
            self.valid += 1
            return
        self.invalid += 1
        for role, v in found:
            self.rules[v.rule] += 1
            if len(self.violations) < KEPT:
                self.violations.append({"partition": message.partition(), "offset": message.offset(), "role": role,
                                        "rule": v.rule, "path": v.path, "schema_id": v.schema_id, "detail": v.detail})

    def to_dict(self) -> dict:
        return {"name": self.topic.name, "access": self.topic.access, "exists": self.exists,
                "partitions": self.partitions, "complete": self.complete,
                "records": {"read": self.read, "valid": self.valid, "invalid": self.invalid,
                            "unchecked": self.unchecked, "too_large": self.too_large},
                "rules": dict(sorted(self.rules.items())), "violations": self.violations, "readers": self.readers}


def load(opts: Options):
    """The specs as lint reads them (each with its policy); the delimiter of the first."""
    from pathlib import Path

    from ..model import load_spec
    from ..policy import PolicyCache, org_policy_path

    policies = PolicyCache(org_policy_path(opts.config))
    products, delimiter = [], "."
    for i, spec in enumerate(opts.specs):
        policy = policies.for_spec(Path(spec))
        delimiter = policy.delimiter if i == 0 else delimiter
        products.append(load_spec(spec, principal_format=policy.principal_format, domain_from=policy.domain_from,
                                  v2_operations=policy.v2_operations))
    return products, delimiter


def chosen_topics(products, names: list[str]) -> list[tuple[object, object]]:
    """(product, topic) of every owned Kafka topic, or of the ones `--topic` names."""
    owned = [(p, t) for p in products for t in p.topics if t.kafka]
    if not names:
        return owned
    known = {t.name for _, t in owned}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise SpecError(f"--topic {unknown[0]}: not a Kafka topic the specs own")
    return [(p, t) for p, t in owned if t.name in names]


def verify(opts: Options, now: str) -> dict:
    from ..provision.chargeback import group_offsets, offsets, partition_counts, readers_of
    from ..provision.client import client_settings
    from ..provision.kafka import Cluster
    from ..provision.registry import Registry, registry_settings
    from .tail import consumer_settings, plan, read_tails

    started = time.monotonic()
    deadline = started + opts.timeout
    products, delimiter = load(opts)
    chosen = chosen_topics(products, opts.topics)
    settings = client_settings(opts.bootstrap, opts.command_config)
    conf = registry_settings(opts.schema_registry, settings, os.environ)
    registry = None
    if conf is not None:
        conf.setdefault("timeout", max(1, min(30, int(opts.timeout))))
        registry = Registry(conf)
        registry.check_root()
    writers = RegistryWriters(registry, deadline) if registry else None
    results: dict[str, TopicResult] = {}
    for _, t in chosen:
        result = results[t.name] = TopicResult(t)
        for role in ("key", "value"):
            result.checks[role] = _check_for(t, role, writers)
    cluster = Cluster(settings, min(opts.timeout, 30.0), opts.connect_timeout)
    counts = partition_counts(cluster, list(results))
    earliest, latest = offsets(cluster, counts)
    for name, result in results.items():
        result.exists, result.partitions = name in counts, counts.get(name)
    ranges = plan(counts, earliest, latest, opts.records)
    prefix = (products[0].domain + delimiter) if products else ""
    unread = read_tails(consumer_settings(settings, opts.max_record_bytes, prefix), ranges, deadline,
                        lambda m: results[m.topic()].record(m, opts.max_record_bytes), cluster.principal)
    for name, _ in unread:
        results[name].complete = False
    _, described, committed = group_offsets(cluster, set(results))
    domains = sorted({p.domain for p in products} | {g for p in products for t in p.topics for g in t.grants
                                                     if g != "_public"})
    declared: dict[str, set[str]] = {}
    for p in products:
        for c in p.consumed:
            declared.setdefault(c.name, set()).add(p.domain)
    owner_of = {t.name: p.domain for p, t in chosen}
    for name, result in results.items():
        groups = readers_of(name, described, committed)
        result.readers = classify(result.topic, owner_of[name], groups, domains, declared.get(name, set()),
                                  delimiter).to_dict()
    elapsed = time.monotonic() - started
    return document(products, chosen, results, opts, now, cluster, registry, len(committed), elapsed)


def _check_for(topic, role: str, writers) -> RoleCheck | None:
    from ..provision.schemas import registrable

    schema = topic.key if role == "key" else topic.value
    if registrable(schema) and writers is None:
        raise SpecError(f"{topic.name} has a {role} schema to check records against: give --schema-registry "
                        "(or schema.registry.url in --command-config)")
    try:
        return role_check(topic, role, writers, topic.reject_unknown_fields)
    except Exception as exc:  # a Protobuf schema buf cannot compile, an Avro schema fastavro refuses
        raise SpecError(f"{topic.name}: the {role} schema cannot be used to read records: {exc}",
                        schema.pos if schema else topic.pos) from None


def document(products, chosen, results, opts: Options, now: str, cluster, registry, groups_seen: int,
             elapsed: float) -> dict:
    from ..output import redact_url

    out_products = []
    for p in products:
        rows = [results[t.name].to_dict() for q, t in chosen if q is p]
        if rows:
            out_products.append({"domain": p.domain, "spec": p.spec_file, "topics": rows})
    rows = [r for p in out_products for r in p["topics"]]
    read = sum(r["records"]["read"] for r in rows)
    totals = {"topics": len(rows), "missing_topics": sum(not r["exists"] for r in rows),
              "incomplete_topics": sum(not r["complete"] for r in rows),
              "records_read": read, "records_valid": sum(r["records"]["valid"] for r in rows),
              "records_invalid": sum(r["records"]["invalid"] for r in rows),
              "records_unchecked": sum(r["records"]["unchecked"] for r in rows),
              "undeclared_readers": sum(len(r["readers"].get("undeclared", [])) for r in rows),
              "unknown_groups": sum(len(r["readers"].get("unknown", [])) for r in rows)}
    return {"version": 1, "kind": "specmesh-verify", "verified_at": now, "bootstrap": cluster.bootstrap,
            "principal": cluster.principal, "schema_registry": redact_url(registry.url) if registry else None,
            "records_per_topic": opts.records, "consumer_groups_seen": groups_seen,
            "elapsed_seconds": round(elapsed, 3), "records_per_second": round(read / elapsed, 1) if elapsed else None,
            "products": out_products, "totals": totals}
