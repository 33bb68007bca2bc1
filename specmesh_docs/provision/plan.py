"""The plan: a pure diff of desired against observed state, and its text and JSON forms.

The spec is the truth for access: a binding in the domain's scope that the spec does not
imply is revoked by the plan (kept, and shown as drift, with `keep_acls`). A key removed from
a spec's configs is removed from the topic too (the broker default applies again): the plan
shows it as `key: old -> (default)`. Topics are deleted only when asked. Whatever the cluster
has and the spec does not declare is listed as drift, fixed by the plan or not; changes a
Kafka engineer would comment on come with warnings, which never block.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from .state import Acl, Desired, Observed

PLAN_VERSION = 1
DELETABLE = ("topics", "acls", "schemas")  # "acls": accepted, implied (undeclared bindings are revoked)


@dataclass
class Change:
    action: str  # create | update | delete
    kind: str  # topic | acl
    domain: str
    name: str  # topic name, or the ACL in words
    before: dict | None = None
    after: dict | None = None

    def to_dict(self) -> dict:
        return {"action": self.action, "kind": self.kind, "domain": self.domain, "name": self.name,
                "before": self.before, "after": self.after}

    @property
    def acl(self) -> Acl:
        return Acl(**(self.after or self.before))


@dataclass
class Drift:
    """Something the cluster has that the spec does not declare, and what this plan does about it."""

    domain: str
    kind: str  # topic | config | acl | schema
    name: str
    outcome: str  # e.g. "revoked by this plan", "kept: --keep-undeclared-acls"

    def to_dict(self) -> dict:
        return {"domain": self.domain, "kind": self.kind, "name": self.name, "outcome": self.outcome}


@dataclass
class Plan:
    changes: list[Change] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # refusals: nothing is applied
    unchanged: list[tuple[str, str, int]] = field(default_factory=list)  # (domain, subject, version): schemas
    drift: list[Drift] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # never block

    def counts(self) -> dict[str, int]:
        return {a: sum(1 for c in self.changes if c.action == a) for a in ("create", "update", "delete")}


def foreign_namespaces(desired: Desired, observed: Observed, known_domains: set[str] = frozenset()) -> set[str]:
    """Prefixes inside this domain's namespace that belong to another domain: known ones (the
    run and the catalog), and those the cluster shows (another principal's PREFIXED topic ACL
    below our prefix, other than our own access-level prefixes)."""
    prefix, owner = desired.scope.prefix, desired.scope.owner
    delimiter = prefix[len(desired.scope.domain):]
    found = {d + delimiter for d in known_domains if d != desired.scope.domain and (d + delimiter).startswith(prefix)}
    ours = {a.name for a in desired.acls if a.pattern == "PREFIXED"}
    found |= {a.name for a in observed.acls
              if a.resource_type == "TOPIC" and a.pattern == "PREFIXED" and a.name.startswith(prefix)
              and a.name not in ours and a.principal not in (owner, "User:*")}
    return found


def diff(desired: Desired, observed: Observed, clean: bool = False, allow_delete: frozenset = frozenset(),
         known_domains: set[str] = frozenset(), keep_acls: bool = False) -> Plan:
    plan = Plan()
    domain = desired.scope.domain
    foreign = sorted(foreign_namespaces(desired, observed, known_domains))
    for prefix in foreign:
        plan.errors.append(f"{domain}: its namespace {desired.scope.prefix} covers {prefix}, which another domain "
                           "owns; a domain may not own another's namespace (rename one of them)")

    def ours(name: str) -> bool:
        return not any(name.startswith(f) for f in foreign)
    for name, want in sorted(desired.topics.items()):
        have = observed.topics.get(name)
        if have is None:
            if want.replicas and observed.brokers and want.replicas > observed.brokers:
                plan.errors.append(f"{name}: replication factor {want.replicas} needs {want.replicas} brokers; "
                                   f"the cluster has {observed.brokers}")
                continue
            plan.changes.append(Change("create", "topic", domain, name, None, want.to_dict()))
            continue
        _topic_update(plan, domain, want, have, observed.dynamic_configs.get(name, set()), name in desired.keyed)
    for acl in sorted(desired.acls - observed.acls):
        plan.changes.append(Change("create", "acl", domain, str(acl), None, acl.to_dict()))
    for acl in sorted(a for a in observed.acls - desired.acls if ours(a.name)):
        if keep_acls and (acl.name, acl.principal) not in desired.ended:  # an ended grant goes even then
            plan.drift.append(Drift(domain, "acl", str(acl), "kept: --keep-undeclared-acls"))
        else:
            plan.changes.append(Change("delete", "acl", domain, str(acl), acl.to_dict(), None))
            ended = desired.ended.get((acl.name, acl.principal))
            plan.drift.append(Drift(domain, "acl", str(acl), f"revoked: {ended}" if ended else "revoked by this plan"))
            if ended and f"{acl.name}: {ended}: its ACLs are revoked" not in plan.warnings:
                plan.warnings.append(f"{acl.name}: {ended}: its ACLs are revoked")
    deleting = clean and "topics" in allow_delete
    for name in sorted(n for n in observed.topics.keys() - desired.topics.keys() if ours(n)):
        if deleting:
            plan.changes.append(Change("delete", "topic", domain, name, observed.topics[name].to_dict(), None))
        plan.drift.append(Drift(domain, "topic", name, "deleted by this plan" if deleting else
                                "kept: --clean-unspecified --allow-delete topics deletes it"))
    return plan


def _topic_update(plan: Plan, domain: str, want, have, dynamic: set[str], keyed: bool) -> None:
    name = want.name
    if want.replicas is not None and have.replicas is not None and want.replicas != have.replicas:
        plan.errors.append(f"{name}: replication factor {have.replicas} -> {want.replicas} is not changed by "
                           "provisioning (reassign partitions by hand)")
    before, after = {}, {}
    if want.partitions < have.partitions:
        plan.errors.append(f"{name}: partitions cannot decrease ({have.partitions} -> {want.partitions}); "
                           "Kafka would have to drop data")
    elif want.partitions > have.partitions:
        before["partitions"], after["partitions"] = have.partitions, want.partitions
        if keyed:
            plan.warnings.append(f"{name}: partitions {have.partitions} -> {want.partitions} on a keyed topic: keys move "
                                 "to other partitions, so per-key ordering breaks between old and new records and "
                                 "consumers that rely on key placement (joins, state stores) must be re-partitioned")
    config_before, config_after = {}, {}
    for key, value in sorted(want.configs.items()):
        if have.configs.get(key) != value:
            config_before[key], config_after[key] = have.configs.get(key), value
    for key in sorted(dynamic - want.configs.keys()):
        config_before[key], config_after[key] = have.configs.get(key), None
        plan.drift.append(Drift(domain, "config", f"{name} {key}={have.configs.get(key)}",
                                "set on the broker, not in the spec: reset to the default by this plan"))
    if config_after:
        before["configs"], after["configs"] = config_before, config_after
        plan.warnings.extend(config_warnings(name, config_before, config_after))
    if after:
        plan.changes.append(Change("update", "topic", domain, name, before, after))


def config_warnings(name: str, before: dict, after: dict) -> list[str]:
    """What a reviewer should hear about a config change before it is applied."""
    out = []
    if "retention.ms" in after and _retention(after["retention.ms"]) < _retention(before.get("retention.ms")):
        out.append(f"{name}: retention.ms {before.get('retention.ms') or '(default)'} -> {after['retention.ms'] or '(default)'}: "
                   "records older than the new retention are deleted soon after the change")
    if "cleanup.policy" in after and before.get("cleanup.policy") != after["cleanup.policy"]:
        out.append(f"{name}: cleanup.policy {before.get('cleanup.policy') or '(default)'} -> "
                   f"{after['cleanup.policy'] or '(default)'}: compaction keeps only the latest record per key, "
                   "deletion drops old records whatever their key; consumers that rebuild state from the topic change behaviour")
    return out


def _retention(value: str | None) -> float:
    """retention.ms as a number; -1 (keep for ever) and unknown count as infinite."""
    try:
        number = int(value) if value is not None else -1
    except ValueError:
        return float("inf")
    return float("inf") if number < 0 else float(number)


def merge(plans: list[Plan]) -> Plan:
    return Plan([c for p in plans for c in p.changes], [e for p in plans for e in p.errors],
                [u for p in plans for u in p.unchanged], [d for p in plans for d in p.drift],
                [w for p in plans for w in p.warnings])


def observed_digest(observed: dict[str, Observed], registry: dict | None = None) -> str:
    """What a saved plan was made against (cluster and registry); applying it refuses if this changed."""
    doc = {domain: {"topics": {n: [t.partitions, t.replicas, {k: t.configs.get(k) for k in sorted(o.dynamic_configs.get(n, ()))}]
                               for n, t in sorted(o.topics.items())},
                    "acls": sorted(map(list, o.acls))}
           for domain, o in sorted(observed.items())}
    if registry:
        doc["(schema registry)"] = registry
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


# --- rendering ---------------------------------------------------------------------------

SIGN = {"create": "+", "update": "~", "delete": "-"}
VERB = {("delete", "acl"): "revoke"}  # an ACL deletion takes access away: say so


def _topic_words(t: dict) -> str:
    replicas = t.get("replicas") or "default"
    configs = " ".join(f"{k}={v}" for k, v in sorted((t.get("configs") or {}).items()))
    return f"partitions={t['partitions']} replicas={replicas}" + (f" {configs}" if configs else "")


def _update_words(before: dict, after: dict) -> str:
    parts = []
    if "partitions" in after:
        parts.append(f"partitions {before['partitions']} -> {after['partitions']}")
    for key, value in (after.get("configs") or {}).items():
        old = before["configs"].get(key)
        parts.append(f"{key} {'(default)' if old is None else old} -> {'(default)' if value is None else value}")
    return "; ".join(parts)


def _schema_words(c: Change) -> str:
    if c.action == "delete":
        return "soft delete: its versions stay readable by id; registering again restores it"
    if "schema" not in c.after:
        return (f"compatibility {c.before.get('compatibility') or '(registry default)'} -> {c.after['compatibility']} "
                "(the policy's schema_compatibility)")
    if c.action == "create":
        return f"{c.after['type']}, new subject, compatibility {c.after['compatibility']}"
    return f"{c.after['type']}, new version after {c.before['version']} (compatible)"


ACL_NOTE = ("  note: `+ create acl` lines are bindings the spec implies that the cluster lacks (the owner's on its "
            "prefix, its groups and transactional ids, public reads, grants); a cluster built by hand rarely has all")


def render_text(plan: Plan, header: dict[str, str] | None = None) -> str:
    lines: list[str] = []
    domain = None
    noted: set[str] = set()
    for c in plan.changes:
        if c.domain != domain:
            domain = c.domain
            lines.append(f"# {domain}" + (f"  ({header[domain]})" if header and domain in header else ""))
        if c.kind == "acl" and c.action == "create" and domain not in noted:
            noted.add(domain)  # what a first plan on a hand-built cluster adds, and why, said once per product
            lines.append(ACL_NOTE)
        if c.kind == "topic" and c.action == "create":
            detail = _topic_words(c.after)
        elif c.kind == "topic" and c.action == "update":
            detail = _update_words(c.before, c.after)
        elif c.kind == "schema":
            detail = _schema_words(c)
        else:
            detail = ""
        verb = VERB.get((c.action, c.kind), c.action)
        lines.append(f"  {SIGN[c.action]} {verb} {c.kind} {c.name}" + (f"  {detail}" if detail else ""))
    for domain_, subject, version in plan.unchanged:
        lines.append(f"  = unchanged schema {subject} (version {version})")
    for warning in plan.warnings:
        lines.append(f"  ! warning: {warning}")
    for error in plan.errors:
        lines.append(f"  ! refused: {error}")
    if plan.drift:
        lines.append("Drift (on the cluster, not in the spec):")
        lines += [f"  {d.domain}: {d.kind} {d.name}: {d.outcome}" for d in plan.drift]
    n = plan.counts()
    lines.append(f"Plan: {n['create']} to create, {n['update']} to update, {n['delete']} to delete")
    return "\n".join(lines) + "\n"


def plan_document(plan: Plan, specs: list[dict], digest: str, bootstrap: str, extra: dict | None = None) -> dict:
    return {"version": PLAN_VERSION, "kind": "specmesh-plan", "bootstrap": bootstrap, "specs": specs,
            "observed_digest": digest, "summary": plan.counts(), "errors": plan.errors,
            "changes": [c.to_dict() for c in plan.changes],
            "warnings": plan.warnings, "drift": [d.to_dict() for d in plan.drift],
            "unchanged_schemas": [{"domain": d, "subject": s, "version": v} for d, s, v in plan.unchanged],
            **(extra or {})}
