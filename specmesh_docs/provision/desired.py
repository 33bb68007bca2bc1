"""Desired state of one data product (pure): its topics and exactly the ACLs the spec promises.

ACL model (SpecMesh's, with the trailing-delimiter fix of SpecMesh #564: every PREFIXED
name ends with the delimiter, so `acme.user` gets nothing on `acme.userprops.*`):

| resource | pattern | name | principal | operations |
| TOPIC | PREFIXED | D. | owner | DESCRIBE, READ, WRITE, DELETE |
| TOPIC | PREFIXED | D._public. | User:* | DESCRIBE, READ |
| TOPIC | LITERAL | each _protected topic, per grant | User:<grantee> | DESCRIBE, READ |
| TOPIC | PREFIXED | D._private. | owner | CREATE (policy: private_create_acl) |
| GROUP | PREFIXED | D. | owner | READ, DELETE |
| TRANSACTIONAL_ID | PREFIXED | D. | owner | DESCRIBE, WRITE |
| CLUSTER | LITERAL | kafka-cluster | owner | IDEMPOTENT_WRITE |
| TOPIC | LITERAL | an untiered topic with a grant tag | User:<grantee> or User:* | DESCRIBE, READ |
| TOPIC | LITERAL | each topic but a _private one, per write grant | User:<grantee> | DESCRIBE, WRITE |

A grant whose `x-expires` day has passed is not in the model's grants (the loader sets it
aside): the plan revokes its ACLs like any binding no spec asks for.
"""

from __future__ import annotations

from ..errors import SpecError
from ..policy import Policy, is_concrete_principal
from ..model.naming import EVERYONE
from .state import Acl, Desired, Scope, TopicState

CLUSTER = "kafka-cluster"


def check_factor(factor: float) -> float:
    if not 0 < factor <= 1:
        raise SpecError(f"--partition-count-factor must be in (0, 1], not {factor}")
    return factor


def grantee_principal(grantee: str, policy: Policy) -> str:
    return "User:*" if grantee == EVERYONE else concrete(policy.principal_format.format(domain=grantee), grantee)


def concrete(principal: str, source: str) -> str:
    """Every principal we grant to by name must be one principal: a '*' would hand it to everyone."""
    if not is_concrete_principal(principal):
        raise SpecError(f"{source!r} gives the principal {principal!r}, which is not one concrete principal "
                        "('Type:name', no '*')")
    return principal


def desired_state(product, policy: Policy, owner_principal: str | None = None, factor: float = 1.0) -> Desired:
    check_factor(factor)
    d = policy.delimiter
    owner = owner_principal or product.owner_principal
    if owner and ":" not in owner:
        owner = f"User:{owner}"
    if owner:
        concrete(owner, owner_principal or product.domain)
    scope = Scope(product.domain, product.domain + d, owner)
    desired = Desired(scope, product.spec_file)
    for t in product.topics:
        if not t.kafka:
            continue  # an MQTT or WebSocket channel: not ours to create
        configs = dict(t.configs)
        if t.pii:
            cap = policy.pii_max_retention_ms
            current = configs.get("retention.ms")
            if current is None or _int(current) is None or not 0 <= _int(current) <= cap:
                configs["retention.ms"] = str(cap)
        partitions = max(1, int((t.partitions or 1) * factor))
        desired.topics[t.name] = TopicState(t.name, partitions, t.replicas, configs)
        if t.key is not None:
            desired.keyed.add(t.name)
    desired.acls = owner_acls(scope, policy) | grant_acls(product, policy)
    for t in product.topics:
        for kind, grantee, last, _ in t.expired:
            if grantee != EVERYONE:
                principal = policy.principal_format.format(domain=grantee)
                desired.ended[(t.name, principal)] = f"the {kind} grant to {grantee} ended after {last} (x-expires)"
    from .schemas import registrations

    desired.schemas = registrations(product, policy)
    desired.compatibility = policy.schema_compatibility
    return desired


def _int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def owner_acls(scope: Scope, policy: Policy) -> set[Acl]:
    p, o = scope.prefix, scope.owner
    acls = {Acl("TOPIC", p, "PREFIXED", o, op) for op in ("DESCRIBE", "READ", "WRITE", "DELETE")}
    acls |= {Acl("TOPIC", p + policy.public + policy.delimiter, "PREFIXED", "User:*", op) for op in ("DESCRIBE", "READ")}
    if policy.private_create_acl:
        acls.add(Acl("TOPIC", p + policy.private + policy.delimiter, "PREFIXED", o, "CREATE"))
    acls |= {Acl("GROUP", p, "PREFIXED", o, op) for op in ("READ", "DELETE")}
    acls |= {Acl("TRANSACTIONAL_ID", p, "PREFIXED", o, op) for op in ("DESCRIBE", "WRITE")}
    acls.add(Acl("CLUSTER", CLUSTER, "LITERAL", o, "IDEMPOTENT_WRITE"))
    return acls


def grant_acls(product, policy: Policy) -> set[Acl]:
    """Grants count on _protected topics and on untiered ones (SpecMesh's grant-tag-only mode)."""
    acls: set[Acl] = set()
    for t in product.topics:
        if not t.kafka or t.access not in (policy.protected, None):
            continue
        for grantee in t.grants:
            principal = grantee_principal(grantee, policy)
            acls |= {Acl("TOPIC", t.name, "LITERAL", principal, op) for op in ("DESCRIBE", "READ")}
    for t in product.topics:  # write grants: any topic but a _private one (lint refuses those)
        if not t.kafka or t.access == policy.private:
            continue
        for grantee in (g for g in t.write_grants if g != EVERYONE):  # everyone never writes (lint: GRANT-SYNTAX)
            principal = concrete(policy.principal_format.format(domain=grantee), grantee)
            acls |= {Acl("TOPIC", t.name, "LITERAL", principal, op) for op in ("DESCRIBE", "WRITE")}
    return acls
