"""Access: grants and cross-domain reads that the names allow."""

import re

from ...model.naming import EVERYONE, owner_of
from ..engine import rule


GRANTEE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")  # what can follow `User:` in an ACL without quoting


@rule("GRANT-SYNTAX", "error", "`grant-access:<grantee>` and `grant-write:<grantee>` tags name a domain id or "
      "principal (`grant-access:_public` only for reading).",
      "write grant-access:<other.domain.id>, e.g. grant-access:finance.billing",
      bad="tags: [{name: 'grant-access:'}]", good="tags: [{name: 'grant-access:finance.billing'}]")
def grant_syntax(product, policy):
    for t, grantee, pos in _grants(product):
        if grantee != EVERYONE and not GRANTEE.fullmatch(grantee):
            yield pos, f"grant {grantee!r} on {t.name} names no domain (letters, digits, '.', '_', '-')"
    for t, grantee, pos in _write_grants(product):
        if grantee == EVERYONE or not GRANTEE.fullmatch(grantee):
            yield pos, f"write grant {grantee!r} on {t.name} names no domain (letters, digits, '.', '_', '-'; " \
                       "everyone may never write)"


@rule("GRANT-WRITE-PRIVATE", "error", "No domain but the owner writes to a `_private` topic.",
      "make the topic _protected to let another domain produce to it, or drop the grant-write tag",
      bad="_private.commands with tags [grant-write:acme.ops]", good="_protected.commands with tags [grant-write:acme.ops]")
def grant_write_private(product, policy):
    for t, grantee, pos in _write_grants(product):
        if t.access == policy.private:
            yield pos, f"{t.name} is _private: {grantee} may not be granted WRITE (provisioning will not)"


@rule("GRANT-WRITE-PUBLIC", "warning", "A `_public` topic written by other domains has more than one owner of its data.",
      "prefer a _protected input topic that the granted domains write and the owner republishes",
      bad="_public.sale with tags [grant-write:acme.shop]", good="_protected.sale-input with tags [grant-write:acme.shop]")
def grant_write_public(product, policy):
    for t, grantee, pos in _write_grants(product):
        if t.access == policy.public:
            yield pos, f"{grantee} may write to {t.name}, which everyone reads as {product.domain}'s data"


@rule("GRANT-EXPIRING", "warning", "A grant ends within the policy's `grant_expiry_warning_days` (default 14).",
      "renew it (a later x-expires, reviewed like the grant), or let it end: provisioning revokes it after its last day",
      bad="tags: [{name: 'grant-access:acme.audit', x-expires: <in 3 days>}]",
      good="tags: [{name: 'grant-access:acme.audit', x-expires: <months ahead>}]")
def grant_expiring(product, policy):
    from datetime import date

    from ...clock import now

    today = now().date()
    for t in product.topics:
        for key, last in t.expires.items():
            kind, grantee = key.split(":", 1)
            left = (date.fromisoformat(last) - today).days
            if left <= policy.grant_expiry_warning_days:
                places = t.grant_pos[t.grants.index(grantee)] if kind == "read" else \
                    t.write_grant_pos[t.write_grants.index(grantee)]
                when = "today" if left == 0 else "tomorrow" if left == 1 else f"in {left} days"
                yield places, f"the {kind} grant to {grantee} on {t.name} ends {when} (x-expires: {last})"


@rule("GRANT-EXPIRED", "warning", "A grant whose `x-expires` day has passed is not in force: provisioning revokes it.",
      "remove the tag (or renew it with a later x-expires)",
      bad="tags: [{name: 'grant-access:acme.audit', x-expires: 2020-01-31}]", good="tags: []")
def grant_expired(product, policy):
    for t in product.topics:
        for kind, grantee, last, pos in t.expired:
            yield pos, f"the {kind} grant to {grantee} on {t.name} ended after {last}: it is revoked"


@rule("GRANT-NO-EFFECT", "warning", "Grants only change access on `_protected` topics.",
      "remove the tag, or make the topic _protected if access should be granted",
      bad="_public.sale with tags [grant-access:x]", good="_protected.sale with tags [grant-access:x]")
def grant_no_effect(product, policy):
    for t, grantee, pos in _grants(product):
        if t.access in (policy.public, policy.private):
            yield pos, f"grant to {grantee!r} has no effect on a {t.access} topic"


def _grants(product, write: bool = False):
    """(topic, grantee, position of its tag) for every grant-access (or grant-write) tag in force."""
    for t in product.topics:
        for grantee, pos in zip(*((t.write_grants, t.write_grant_pos) if write else (t.grants, t.grant_pos))):
            yield t, grantee, pos


def _write_grants(product):
    return _grants(product, write=True)


@rule("ACCESS-PRIVATE-CONSUMED", "error", "No spec consumes another domain's `_private` topic.",
      "ask the owner to publish a _public or _protected topic instead",
      bad="channels: {other.domain._private.x: {subscribe: ...}}", good="channels: {other.domain._protected.x: {subscribe: ...}}")
def private_consumed(product, policy):
    for c in product.consumed:
        if c.access == policy.private and not c.name.startswith(product.domain + policy.delimiter):
            owner = owner_of(c.name, set(), policy.delimiter) or "another domain"
            yield c.pos, f"consumes {c.name}, a _private topic of {owner}"
