"""Access: grants and cross-domain reads that the names allow."""

import re

from ...model.naming import EVERYONE, owner_of
from ..engine import rule


GRANTEE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")  # what can follow `User:` in an ACL without quoting


@rule("GRANT-SYNTAX", "error", "`grant-access:<grantee>` tags name a domain id or principal (or `_public`).",
      "write grant-access:<other.domain.id>, e.g. grant-access:finance.billing",
      bad="tags: [{name: 'grant-access:'}]", good="tags: [{name: 'grant-access:finance.billing'}]")
def grant_syntax(product, policy):
    for t, grantee, pos in _grants(product):
        if grantee != EVERYONE and not GRANTEE.fullmatch(grantee):
            yield pos, f"grant {grantee!r} on {t.name} names no domain (letters, digits, '.', '_', '-')"


@rule("GRANT-NO-EFFECT", "warning", "Grants only change access on `_protected` topics.",
      "remove the tag, or make the topic _protected if access should be granted",
      bad="_public.sale with tags [grant-access:x]", good="_protected.sale with tags [grant-access:x]")
def grant_no_effect(product, policy):
    for t, grantee, pos in _grants(product):
        if t.access in (policy.public, policy.private):
            yield pos, f"grant to {grantee!r} has no effect on a {t.access} topic"


def _grants(product):
    """(topic, grantee, position of its tag) for every grant-access tag of the product."""
    for t in product.topics:
        for grantee, pos in zip(t.grants, t.grant_pos):
            yield t, grantee, pos


@rule("ACCESS-PRIVATE-CONSUMED", "error", "No spec consumes another domain's `_private` topic.",
      "ask the owner to publish a _public or _protected topic instead",
      bad="channels: {other.domain._private.x: {subscribe: ...}}", good="channels: {other.domain._protected.x: {subscribe: ...}}")
def private_consumed(product, policy):
    for c in product.consumed:
        if c.access == policy.private and not c.name.startswith(product.domain + policy.delimiter):
            owner = owner_of(c.name, set(), policy.delimiter) or "another domain"
            yield c.pos, f"consumes {c.name}, a _private topic of {owner}"
