"""What changed between two sets of data products, and what it breaks (pure).

Products are matched by domain (their `id`), not by file, so a moved spec is not "removed and
added". Topics are matched by their name without the access level, so `_public.sale` becoming
`_protected.sale` is an access change, not a removal. Each change is `breaking`, `risky` or
`safe`, with the consumers it affects (from the catalogue and the specs themselves).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import Position
from ..compat import problems, same_schema

RANK = {"breaking": 0, "risky": 1, "safe": 2, "accepted": 3}
ACCESS_RANK = {"_private": 0, "_protected": 1, None: 1, "_public": 2}


@dataclass
class Change:
    severity: str  # breaking | risky | safe | accepted (breaking or risky, with a reason in the spec)
    rule: str
    domain: str
    message: str
    pos: Position | None = None  # in HEAD, or in BASE for what was removed
    topic: str | None = None
    affected: list[str] = field(default_factory=list)  # consumer domains
    reason: str | None = None  # why it was accepted

    def to_dict(self) -> dict:
        return {"severity": self.severity, "rule": self.rule, "domain": self.domain, "topic": self.topic,
                "message": self.message, "position": str(self.pos) if self.pos else None,
                "affected": self.affected, "accepted_because": self.reason}


def topic_type(topic, domain: str, delimiter: str = ".") -> str:
    """The topic's name without its domain and access level: what identifies it across access changes."""
    rest = topic.name[len(domain) + len(delimiter):] if topic.name.startswith(domain + delimiter) else topic.name
    if topic.access and rest.startswith(topic.access + delimiter):
        rest = rest[len(topic.access) + len(delimiter):]
    return rest


def consumers_index(products) -> dict[str, set[str]]:
    """topic name -> domains whose specs subscribe to it."""
    out: dict[str, set[str]] = {}
    for p in products:
        for c in p.consumed:
            out.setdefault(c.name, set()).add(p.domain)
    return out


def compare(base: list, head: list, consumers: dict[str, set[str]], policy_for, history=lambda product: []) -> list[Change]:
    """`history(product)`: earlier versions of a BASE product, oldest first (for `_TRANSITIVE` levels)."""
    out: list[Change] = []
    old_by, new_by = {p.domain: p for p in base}, {p.domain: p for p in head}
    for domain in sorted(old_by.keys() - new_by.keys()):
        old = old_by[domain]
        users = sorted({u for t in old.topics for u in consumers.get(t.name, ()) if u != domain})
        out.append(Change("breaking", "PRODUCT-REMOVED", domain, f"data product {domain} removed with its "
                          f"{len(old.topics)} topic(s)", old.pos, affected=users))
    for domain in sorted(new_by.keys() - old_by.keys()):
        out.append(Change("safe", "PRODUCT-ADDED", domain, f"data product {domain} added", new_by[domain].pos))
    for domain in sorted(old_by.keys() & new_by.keys()):
        if old_by[domain] is new_by[domain]:
            continue  # the same spec and files on both sides (read once): nothing changed
        policy = policy_for(new_by[domain])
        transitive = any(level.endswith("_TRANSITIVE") for level in (
            policy.schema_compatibility, *(t.compatibility or "" for t in new_by[domain].topics)))
        earlier = _Lazy(lambda p=old_by[domain]: history(p) if transitive else [])
        found = compare_product(old_by[domain], new_by[domain], consumers, policy, earlier)
        out += version_check(old_by[domain], new_by[domain], found, policy)
    return sorted(accept(out, head), key=lambda c: (c.domain, RANK[c.severity], c.topic or "", c.rule))


class _Lazy:
    """Earlier versions are read from git only when a schema actually changed."""

    def __init__(self, load):
        self.load, self.value = load, None

    def __call__(self) -> list:
        if self.value is None:
            self.value = list(self.load())
        return self.value


def compare_product(old, new, consumers: dict[str, set[str]], policy, earlier=lambda: []) -> list[Change]:
    d = policy.delimiter
    domain = new.domain

    def older(key: str) -> list:
        versions = [{topic_type(t, domain, d): t for t in p.topics if t.kafka} for p in earlier()]
        return [v[key].value for v in versions if key in v and v[key].value is not None]

    old_topics = {topic_type(t, domain, d): t for t in old.topics if t.kafka}
    new_topics = {topic_type(t, domain, d): t for t in new.topics if t.kafka}
    out: list[Change] = []
    for key in sorted(old_topics.keys() - new_topics.keys()):
        t = old_topics[key]
        users = sorted(consumers.get(t.name, set()) - {domain})
        out.append(Change("breaking", "TOPIC-REMOVED", domain, f"topic {t.name} removed"
                          + (f"; {len(users)} consumer(s) read it" if users else ""), t.pos, t.name, users))
    for key in sorted(new_topics.keys() - old_topics.keys()):
        t = new_topics[key]
        out.append(Change("safe", "TOPIC-ADDED", domain, f"topic {t.name} added", t.pos, t.name))
    for key in sorted(old_topics.keys() & new_topics.keys()):
        out += compare_topic(old_topics[key], new_topics[key], domain, consumers, policy, lambda k=key: older(k))
    return out


def compare_topic(old, new, domain: str, consumers: dict[str, set[str]], policy, older=lambda: []) -> list[Change]:
    out: list[Change] = []
    users = sorted(consumers.get(old.name, set()) | consumers.get(new.name, set()) - {domain})

    def add(severity: str, rule: str, message: str, affected: list[str] | None = None, pos=None) -> None:
        out.append(Change(severity, rule, domain, message, pos or new.pos, new.name, users if affected is None else affected))

    _access(old, new, consumers, add)
    if old.partitions and new.partitions and new.partitions < old.partitions:
        add("breaking", "PARTITIONS-DECREASED", f"{new.name}: partitions {old.partitions} -> {new.partitions} "
            "(Kafka cannot remove partitions; provisioning refuses it)")
    elif old.partitions and new.partitions and new.partitions > old.partitions and new.key is not None:
        add("risky", "PARTITIONS-INCREASED-KEYED", f"{new.name}: partitions {old.partitions} -> {new.partitions} on "
            "a keyed topic: keys move to other partitions, per-key ordering breaks between old and new records")
    old_policy, new_policy = old.configs.get("cleanup.policy", "delete"), new.configs.get("cleanup.policy", "delete")
    if old_policy != new_policy:
        add("breaking", "CLEANUP-POLICY-CHANGED", f"{new.name}: cleanup.policy {old_policy} -> {new_policy}: "
            "consumers that rebuild state from the topic change behaviour")
    if _retention(new.configs.get("retention.ms")) < _retention(old.configs.get("retention.ms")):
        add("risky", "RETENTION-LOWERED", f"{new.name}: retention.ms {old.configs.get('retention.ms', '(default)')} -> "
            f"{new.configs.get('retention.ms', '(default)')}: consumers have less time to catch up or replay")
    if _key_changed(old.key, new.key):
        add("breaking", "KEY-SCHEMA-CHANGED", f"{new.name}: key schema {_schema_words(old.key)} -> "
            f"{_schema_words(new.key)}: keys hash to other partitions and joins by key break")
    _schema_change("value", old.value, new.value, new, policy, add, older, _readers(consumers, new.name, domain))
    _pii(old, new, add)
    return out


def _readers(consumers, topic: str, owner: str) -> dict[str, list | None]:
    """Consumer domain -> the value fields it declares it reads (None: all of them), from whatever
    knows declarations (`diff.run.Consumers`); a plain index knows none: everyone reads everything."""
    known = consumers.reads(topic) if hasattr(consumers, "reads") else {d: None for d in consumers.get(topic, ())}
    return {d: reads for d, reads in known.items() if d != owner}


def attribute(path: str, readers: dict[str, list | None]) -> tuple[list[str], list[str]]:
    """(domains a change at `path` breaks, domains that declare no reads): a declared reader is
    broken when what it reads overlaps the changed field."""
    from ..model.reads import overlaps

    undeclared = sorted(d for d, reads in readers.items() if reads is None)
    hit = sorted(d for d, reads in readers.items() if reads is not None and any(overlaps(r, path) for r in reads))
    return sorted({*undeclared, *hit}), undeclared


def _access(old, new, consumers, add) -> None:
    was, now = ACCESS_RANK.get(old.access, 1), ACCESS_RANK.get(new.access, 1)
    if now < was:
        add("breaking", "ACCESS-NARROWED", f"{old.name} -> {new.name}: access {old.access} -> {new.access}; "
            "consumers outside the new access lose it")
        return
    if now > was:
        pii = [f.name for f in new.pii_fields]
        add("risky", "ACCESS-WIDENED", f"{old.name} -> {new.name}: access {old.access} -> {new.access}"
            + (f"; PII becomes readable by more: {', '.join(pii)}" if pii else "; every field becomes readable by more"))
        return
    if new.access in ("_protected", None):
        for grantee in sorted(set(old.grants) - set(new.grants)):
            reads = grantee in consumers.get(old.name, set())
            add("breaking" if reads else "risky", "GRANT-REMOVED",
                f"{new.name}: grant to {grantee} removed" + (" while it subscribes" if reads else ""), [grantee])
        for grantee in sorted(set(new.grants) - set(old.grants)):
            pii = [f.name for f in new.pii_fields]
            add("risky", "GRANT-ADDED", f"{new.name}: {grantee} may now read it"
                + (f", PII first: {', '.join(pii)}" if pii else ""), [])
    for grantee in sorted(set(old.write_grants) - set(new.write_grants)):
        add("breaking", "GRANT-WRITE-REMOVED", f"{new.name}: {grantee} may no longer produce to it (its producer "
            "breaks)", [grantee])
    for grantee in sorted(set(new.write_grants) - set(old.write_grants)):
        add("risky", "GRANT-WRITE-ADDED", f"{new.name}: {grantee} may now produce to it", [])


def _schema_change(role: str, before, after, topic, policy, add, older, readers=None) -> None:
    if before is None or after is None or same_schema(before, after):
        return
    level = topic.compatibility or policy.schema_compatibility
    if before.format != after.format:
        add("breaking", "SCHEMA-FORMAT-CHANGED", f"{topic.name}: {role} schema {before.format} -> {after.format}")
        return
    found = problems(level, [*(older() if level.endswith("_TRANSITIVE") else []), before], after)
    checked = [p for p in found if not p.unchecked]
    if found and not checked:
        add("risky", "SCHEMA-UNCHECKED", f"{topic.name}: {role} schema changed and could not be checked: {found[0].detail}",
            pos=after.pos)
        return
    for problem in checked:  # one line per problem: its rule, its field, its direction
        path = _field_path(problem.path, after)
        broken, undeclared = attribute(path, readers or {})
        if broken or not readers:
            declared = len(undeclared) < len(readers or {})  # someone says what it reads: name whom this breaks
            who = (f" (breaks {', '.join(broken)}" + (f"; {', '.join(undeclared)}: no x-specmesh-reads, so every field"
                                                       if undeclared else "") + ")") if broken and declared else ""
            add("breaking", "SCHEMA-INCOMPATIBLE", f"{topic.name}: {role} schema incompatible under {level}: "
                f"{problem}{who}", broken if readers else None, pos=after.pos)
        else:  # every consumer declares what it reads, and none reads this field
            add("risky", "SCHEMA-INCOMPATIBLE-UNREAD", f"{topic.name}: {role} schema incompatible under {level}: "
                f"{problem}; no consumer reads {path or 'it'} ({', '.join(sorted(readers))} would break if they "
                f"did); the registry still checks the version at {level}", [], pos=after.pos)
    if not found:
        add("safe", "SCHEMA-COMPATIBLE", f"{topic.name}: {role} schema changed, compatible under {level}", pos=after.pos)


def _field_path(path: str, schema) -> str:
    """A problem's field as consumers name it: buf says `Message.field`, the model `field`. A field of
    a nested message type (`Line.sku`) could sit at any place that uses the type: "" (the whole
    schema), so every reader counts as affected rather than none."""
    if schema.format != "protobuf":
        return path
    top = (schema.full_name or "").rpartition(".")[2]
    return path[len(top) + 1:] if top and path.startswith(top + ".") and path.count(".") == 1 else ""


def _pii(old, new, add) -> None:
    was = {f.name for f in old.pii_fields}
    now = {f.name for f in new.pii_fields}
    for path in sorted(now - was):
        add("risky", "PII-ADDED", f"{new.name}: field {path} is now PII (retention and access rules apply)")
    for path in sorted(was - now):
        add("risky", "PII-REMOVED", f"{new.name}: field {path} is no longer marked PII")


def version_check(old, new, found: list[Change], policy) -> list[Change]:
    """A breaking change needs a major version bump of `info.version` (policy `require_major_bump`)."""
    if not getattr(policy, "require_major_bump", True) or not any(c.severity == "breaking" for c in found):
        return found
    if _major(new.info.version) > _major(old.info.version):
        return found
    return found + [Change("breaking", "VERSION-NOT-BUMPED", new.domain,
                           f"breaking changes without a major version bump of info.version "
                           f"({old.info.version or '(none)'} -> {new.info.version or '(none)'})", new.pos)]


UNAPPLIABLE = {  # breaking changes no release can apply: accepting them would turn the gate green for nothing
    "PARTITIONS-DECREASED": "Kafka cannot remove partitions and provisioning refuses it; create a new topic instead",
    "SCHEMA-INCOMPATIBLE": "the registry refuses an incompatible version at the subject's level and so does "
                           "provisioning; add a new topic or version the schema instead",
}


def accept(changes: list[Change], head: list) -> list[Change]:
    """`x-specmesh-accept-breaking: [{rule, reason, topic?}]` in the HEAD spec turns a matching breaking
    or risky change into `accepted`, reviewed in the same pull request. No reason, no effect; a change
    no release can apply (UNAPPLIABLE) stays breaking, and says why."""
    accepted: dict[str, list[dict]] = {}
    for p in head:
        entries = p.document.get("x-specmesh-accept-breaking") if hasattr(p.document, "get") else None
        accepted[p.domain] = [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []
    for c in changes:
        if c.severity not in ("breaking", "risky"):
            continue
        for entry in accepted.get(c.domain, []):
            reason = entry.get("reason")
            if entry.get("rule") == c.rule and isinstance(reason, str) and reason.strip() \
                    and entry.get("topic") in (None, c.topic):
                if c.rule in UNAPPLIABLE:
                    c.message += f" (x-specmesh-accept-breaking cannot accept it: {UNAPPLIABLE[c.rule]})"
                else:
                    c.severity, c.reason = "accepted", reason.strip()
                break
    return changes


def _major(version: str) -> int:
    head = (version or "0").lstrip("vV").split(".")[0]
    return int(head) if head.isdigit() else 0


def _retention(value: str | None) -> float:
    try:
        number = int(value) if value is not None else -2
    except ValueError:
        return float("inf")
    if number == -2:
        return 604800000.0  # the broker default, 7 days
    return float("inf") if number < 0 else float(number)


def _schema_words(schema) -> str:
    if schema is None:
        return "(none)"
    return f"{schema.format} {schema.full_name or schema.type}"


def _key_changed(before, after) -> bool:
    if before is None or after is None:
        return (before is None) != (after is None)
    return not same_schema(before, after)
