"""Which topics of a cluster become which data product (pure).

The rule for `--all`, in order:
1. a principal owns a domain when it holds WRITE on a PREFIXED topic binding `D.` (what
   `specmesh provision` grants an owner): D is a domain, whatever its topics are called;
2. a topic named `D.<access>.<rest>` (access `_public`, `_protected` or `_private`) makes D a
   domain.
A topic belongs to the longest domain that prefixes it. Names starting with `_` are internal
(`__consumer_offsets`, `_schemas`) and skipped; every other topic that fits no domain is
reported with the reason, never dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..model.naming import EVERYONE
from ..policy import Policy
from ..provision.desired import CLUSTER, owner_acls
from ..provision.state import Acl, Reading, Scope, TopicState

OWNER_OPERATIONS = {"WRITE", "ALL"}


@dataclass
class DomainExport:
    domain: str
    owner: str  # the owner principal found on the cluster, else the policy's
    topics: list[TopicState] = field(default_factory=list)
    dynamic: dict[str, set[str]] = field(default_factory=dict)  # configs set on the topic (differ from the defaults)
    grants: dict[str, list[str]] = field(default_factory=dict)  # topic -> grantee domains (or _public)
    write_grants: dict[str, list[str]] = field(default_factory=dict)  # topic -> domains that may produce
    notes: list[str] = field(default_factory=list)  # what the spec cannot say, for the report


@dataclass
class Unfit:
    topic: str
    reason: str


@dataclass
class Sorting:
    domains: dict[str, DomainExport] = field(default_factory=dict)
    unfit: list[Unfit] = field(default_factory=list)
    internal: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # asked for with --domain, nothing on the cluster


def is_internal(name: str) -> bool:
    return name.startswith("_")


def owners_from_acls(acls: list[Acl], policy: Policy) -> dict[str, str]:
    """domain -> principal, from PREFIXED WRITE bindings on `D.` (the longest-held wins ties by name)."""
    d = policy.delimiter
    found: dict[str, str] = {}
    for acl in sorted(acls):
        if (acl.resource_type == "TOPIC" and acl.pattern == "PREFIXED" and acl.permission == "ALLOW"
                and acl.operation in OWNER_OPERATIONS and acl.name.endswith(d) and len(acl.name) > 1
                and acl.principal != "User:*" and not is_internal(acl.name)):
            found.setdefault(acl.name[:-1], acl.principal)
    return found


def domain_in_name(name: str, policy: Policy) -> str | None:
    parts = name.split(policy.delimiter)
    for i, part in enumerate(parts):
        if part in policy.access_levels:
            return policy.delimiter.join(parts[:i]) or None
    return None


def why_unfit(name: str, policy: Policy) -> str:
    d = policy.delimiter
    levels = ", ".join(policy.access_levels)
    if d not in name:
        return (f"one segment: a data product's topic is <domain>{d}<access>{d}<name> (access {levels}), "
                "and no principal owns a prefix of it")
    if domain_in_name(name, policy) is None and any(p in policy.access_levels for p in name.split(d)):
        return "its access segment comes first: there is no domain before it"
    return f"no access segment ({levels}) and no principal owns a prefix of it (a PREFIXED WRITE binding)"


def sort_topics(reading: Reading, policy: Policy, wanted: list[str] | None) -> Sorting:
    """Topics into domains: the ones asked for (`wanted`), or every domain the rule finds."""
    d = policy.delimiter
    owners = owners_from_acls(reading.acls, policy)
    if wanted is None:
        names = set(owners) | {dom for n in reading.topics if not is_internal(n)
                               for dom in [domain_in_name(n, policy)] if dom}
    else:
        names = set(wanted)
    sorting = Sorting()
    for name in sorted(reading.topics):
        if is_internal(name):
            sorting.internal.append(name)
            continue
        home = max((dom for dom in names if name.startswith(dom + d)), key=len, default=None)
        if home is None:
            if wanted is None:
                sorting.unfit.append(Unfit(name, why_unfit(name, policy)))
            continue
        export = sorting.domains.get(home) or sorting.domains.setdefault(
            home, DomainExport(home, owners.get(home) or policy.principal_format.format(domain=home)))
        export.topics.append(reading.topics[name])
        export.dynamic[name] = reading.dynamic.get(name, set())
    for name in sorted(set(owners) & names):  # owns a prefix, no topic under it: a consumer-only data product
        if name not in sorting.domains:
            sorting.domains[name] = DomainExport(name, owners[name], notes=[
                "no topic on the cluster: a data product that only consumes (what it reads is not on the cluster: "
                "add its subscriptions)"])
    sorting.missing = sorted(n for n in names if n not in sorting.domains) if wanted is not None else []
    for export in sorting.domains.values():
        _grants_and_notes(export, reading.acls, policy, owners)
    return sorting


def _grants_and_notes(export: DomainExport, acls: list[Acl], policy: Policy, owners: dict[str, str]) -> None:
    """`grant-access:` tags from LITERAL READ bindings on _protected (and untiered) topics,
    `grant-write:` tags from LITERAL WRITE bindings of other domains on any topic but a _private
    one; every other binding in the domain's scope that a spec cannot express is noted:
    provisioning the exported spec would revoke it (unless --keep-undeclared-acls)."""
    d = policy.delimiter
    principal_of = {v: k for k, v in owners.items()}
    topics = {t.name: t for t in export.topics}
    scope = Scope(export.domain, export.domain + d, export.owner)
    implied = owner_acls(scope, policy)
    for acl in sorted(acls):
        in_scope = (acl.name.startswith(scope.prefix) or acl.name == export.domain if acl.resource_type != "CLUSTER"
                    else acl.principal == export.owner)
        if not in_scope or acl in implied:
            continue
        topic = topics.get(acl.name)
        access = next((p for p in acl.name.split(d) if p in policy.access_levels), None)
        literal = topic is not None and acl.resource_type == "TOPIC" and acl.pattern == "LITERAL" \
            and acl.permission == "ALLOW"
        if literal and acl.operation in ("READ", "DESCRIBE") and access in (policy.protected, None):
            grantee = _grantee(acl.principal, policy, principal_of)
            if grantee is not None:
                if acl.operation == "READ" and grantee not in export.grants.setdefault(acl.name, []):
                    export.grants[acl.name].append(grantee)
                continue
        if literal and acl.operation in ("WRITE", "DESCRIBE") and access != policy.private:
            grantee = _grantee(acl.principal, policy, principal_of)
            if grantee is not None and grantee != EVERYONE:
                if acl.operation == "WRITE" and grantee not in export.write_grants.setdefault(acl.name, []):
                    export.write_grants[acl.name].append(grantee)
                continue
        if acl.resource_type == "CLUSTER" and acl.name == CLUSTER and acl.operation == "IDEMPOTENT_WRITE":
            continue
        export.notes.append(f"binding {acl} cannot be written in a spec: provisioning the exported spec revokes it "
                            "(or keep it with --keep-undeclared-acls)")
    for grantees in (*export.grants.values(), *export.write_grants.values()):
        grantees.sort()


def _grantee(principal: str, policy: Policy, principal_of: dict[str, str]) -> str | None:
    """The domain a principal stands for: the one it owns, else the policy's format read backwards."""
    if principal == "User:*":
        return EVERYONE
    if principal in principal_of:
        return principal_of[principal]
    head, _, tail = policy.principal_format.partition("{domain}")
    if principal.startswith(head) and principal.endswith(tail) and len(principal) > len(head) + len(tail):
        return principal[len(head):len(principal) - len(tail)]
    return None
