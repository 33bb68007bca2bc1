"""Topic naming: the one place that knows `[domain].[service].[access].[type]`.

SpecMesh canonicalisation of a channel name, in order: a leading `/` (legacy form) is
dropped and `/` becomes `.`; a name already starting with the domain id is kept; an owned
(published) channel is prefixed with the domain id; a consumed one is kept as written.
A leading delimiter on a consumed name (`.london...`, seen in SpecMesh's own specs) is
dropped: Kafka would otherwise see a different topic than the author meant.
"""

from __future__ import annotations

from dataclasses import dataclass

PUBLIC, PROTECTED, PRIVATE = "_public", "_protected", "_private"
ACCESS_LEVELS = (PUBLIC, PROTECTED, PRIVATE)
DELIMITER = "."
GRANT_PREFIX = "grant-access:"
WRITE_PREFIX = "grant-write:"
EVERYONE = "_public"  # the grantee meaning every principal


def domain_from_id(spec_id: str) -> str | None:
    """`urn:a.b:c` -> `a.b.c`; None when the id is not a URN."""
    if not isinstance(spec_id, str) or not spec_id.startswith("urn:") or len(spec_id) <= 4:
        return None
    return spec_id[4:].replace(":", ".")


def canonical_topic(channel: str, domain: str, owned: bool, delimiter: str = DELIMITER) -> str:
    if channel.startswith("/"):
        return channel[1:].replace("/", delimiter)
    if channel.startswith(domain + delimiter) or channel == domain:
        return channel
    if owned:
        return f"{domain}{delimiter}{channel}"
    return channel.lstrip(delimiter)


def access_of(topic: str, delimiter: str = DELIMITER, levels: tuple[str, ...] = ACCESS_LEVELS) -> str | None:
    """The access level written in the name, or None for an untiered name."""
    for part in topic.split(delimiter):
        if part in levels:
            return part
    return None


def is_owned_by(topic: str, domain: str, delimiter: str = DELIMITER) -> bool:
    return topic.startswith(domain + delimiter)


def grantee_of(tag_name: object) -> str | None:
    """`grant-access:other.domain` -> `other.domain` (may be empty: lint reports that)."""
    if isinstance(tag_name, str) and tag_name.startswith(GRANT_PREFIX):
        return tag_name[len(GRANT_PREFIX):].strip()
    return None


def write_grantee_of(tag_name: object) -> str | None:
    """`grant-write:other.domain` -> `other.domain`: that domain may produce to the topic."""
    if isinstance(tag_name, str) and tag_name.startswith(WRITE_PREFIX):
        return tag_name[len(WRITE_PREFIX):].strip()
    return None


@dataclass(frozen=True, slots=True)
class TopicName:
    """A topic name split for display: `finance.campaign._public.sale`."""

    full: str
    prefix: str  # everything before the access segment (owner domain id for owned topics)
    access: str | None
    type: str  # everything after the access segment

    @property
    def domain(self) -> str:
        return self.prefix.split(DELIMITER, 1)[0]

    @property
    def service(self) -> str:
        return self.prefix.partition(DELIMITER)[2]

    @classmethod
    def parse(cls, name: str, delimiter: str = DELIMITER) -> "TopicName":
        parts = name.split(delimiter)
        for i, part in enumerate(parts):
            if part in ACCESS_LEVELS:
                return cls(name, delimiter.join(parts[:i]), part, delimiter.join(parts[i + 1:]))
        return cls(name, delimiter.join(parts[:-1]), None, parts[-1])


def owner_of(topic: str, known_domains: set[str], delimiter: str = DELIMITER) -> str | None:
    """The longest known domain id that prefixes `topic`, else the prefix before its access segment."""
    best = None
    for domain in known_domains:
        if topic.startswith(domain + delimiter) and (best is None or len(domain) > len(best)):
            best = domain
    if best is None:
        parsed = TopicName.parse(topic, delimiter)
        best = parsed.prefix if parsed.access else None
    return best


DOMAIN_SOURCES = ("id", "x-domain", "title", "path")


def fallback_domain(doc, shown: str, source: str) -> str:
    """A domain for a spec without a URN id, so an estate can be linted and shown before it is
    renamed: from `x-domain`, the info title, or the file's path (the policy's `domain_from`)."""
    import re
    from pathlib import PurePath

    def slug(text: str) -> str:
        text = re.sub(r"[^a-z0-9._-]+", "-", str(text).lower())
        return re.sub(r"[-.]{2,}", "-", text).strip("-._")

    if source == "x-domain" and isinstance(doc.get("x-domain"), str) and slug(doc["x-domain"]):
        return slug(doc["x-domain"])
    info = doc.get("info")
    if source == "title" and hasattr(info, "get") and isinstance(info.get("title"), str) and slug(info["title"]):
        return slug(info["title"])
    path = PurePath(shown)
    stem = re.sub(r"(^asyncapi[-_.]?|[-_.]?(asyncapi|api)$)", "", path.stem.lower())
    return slug(stem) or slug(path.parent.name) or "unnamed"
