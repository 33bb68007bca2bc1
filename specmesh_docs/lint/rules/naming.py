"""Naming: topic names carry ownership and access, never infrastructure."""

import re

from ...userregex import fullmatch
from ..engine import rule

MAX_TOPIC = 249


@rule("TOPIC-NAME-FORMAT", "error", "Owned topics are named <domain>.<service...>.<_public|_protected|_private>.<type>.",
      "put the access level right after the domain id and a type after it, e.g. finance.campaign._public.sale",
      bad="channels: {sale: {publish: ...}}", good="channels: {_public.sale: {publish: ...}}", kafka_only=True)
def topic_format(product, policy):
    d = policy.delimiter
    for t in product.topics:
        rest = t.name[len(product.domain) + len(d):]
        parts = rest.split(d)
        access = [i for i, p in enumerate(parts) if p in policy.access_levels]
        if not access:
            yield t.pos, f"topic {t.name} has no access level ({', '.join(policy.access_levels)})"
        elif len(access) > 1:
            yield t.pos, f"topic {t.name} has more than one access level"
        elif access[0] == len(parts) - 1 or any(p == "" for p in parts):
            yield t.pos, f"topic {t.name} needs a type after its access level, with no empty segments"


@rule("TOPIC-NAME-CHARS", "error", "Topic names use only Kafka's legal characters (or the policy's stricter set).",
      "use letters, digits, '.', '_' and '-' only",
      bad="channels: {'_public.sale events': ...}", good="channels: {_public.sale-events: ...}", kafka_only=True)
def topic_chars(product, policy):
    for t in product.topics:
        if not fullmatch(policy.topic_pattern, t.name):
            yield t.pos, f"topic {t.name!r} has characters outside {policy.topic_pattern}"


@rule("TOPIC-NAME-LENGTH", "error", "Topic names are at most 249 characters (Kafka's limit).",
      "shorten the service or type segments", kafka_only=True,
      bad='finance.campaign._public.<250 characters>', good='finance.campaign._public.sale')
def topic_length(product, policy):
    for t in product.topics:
        if len(t.name) > MAX_TOPIC:
            yield t.pos, f"topic name is {len(t.name)} characters, Kafka allows {MAX_TOPIC}"


@rule("TOPIC-NAME-INFRA", "error", "Topic names hold no infrastructure: regions, environments, clusters.",
      "drop the region/environment segment; the same spec is provisioned to every environment",
      bad="channels: {_public.eu-west-1.sale: ...}", good="channels: {_public.sale: ...}", kafka_only=True)
def topic_infra(product, policy):
    for t in product.topics:
        for segment in re.split(r"[._]", t.name[len(product.domain):]):
            if segment and policy.is_infrastructure(segment):
                yield t.pos, f"topic {t.name} names infrastructure ({segment!r})"
                break


@rule("TOPIC-NAME-COLLISION", "warning", "No two topics differ only by '.' versus '_' (they collide in Kafka metrics).",
      "rename one of the two topics", scope="catalog", kafka_only=True,
      bad='_public.sale_items and _public.sale.items', good='_public.sale-items')
def topic_collision(products, policy_of):
    seen: dict[str, str] = {}
    for p in products:
        for t in p.topics:
            key = t.name.replace(".", "_")
            other = seen.setdefault(key, t.name)
            if other != t.name:
                yield t.pos, f"topic {t.name} collides with {other} in Kafka metrics ('.' and '_' are the same there)"
