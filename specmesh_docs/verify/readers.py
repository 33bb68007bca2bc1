"""Who reads each topic, against who may (pure). A consumer group belongs to the domain whose id
prefixes it (the GROUP ACL provisioning grants each domain: `D.`, with the policy's delimiter);
the longest known domain wins, as for topics."""

from __future__ import annotations

from dataclasses import dataclass, field

OWNER, GRANTED, PUBLIC, UNDECLARED, UNKNOWN = "owner", "granted", "public", "undeclared", "unknown"


@dataclass
class Readers:
    groups: list[dict] = field(default_factory=list)  # {"group", "domain" or None, "status"}
    undeclared: list[str] = field(default_factory=list)  # domains reading without a grant
    idle: list[str] = field(default_factory=list)  # granted or declared consumers with no group
    unknown: list[str] = field(default_factory=list)  # groups of no known domain

    def to_dict(self) -> dict:
        return {"groups": self.groups, "undeclared": self.undeclared, "idle": self.idle, "unknown": self.unknown}


def domain_of(group: str, domains: list[str], delimiter: str = ".") -> str | None:
    """The longest known domain whose prefix (`D` + delimiter) the group id starts with."""
    best = None
    for d in domains:
        if group.startswith(d + delimiter) and (best is None or len(d) > len(best)):
            best = d
    return best


def classify(topic, owner: str, groups: list[str], domains: list[str], declared: set[str],
             delimiter: str = ".") -> Readers:
    """`groups`: the groups with committed offsets on (or members assigned to) the topic;
    `declared`: domains whose specs say they consume it."""
    granted = {g for g in topic.grants if g != "_public"}
    public = topic.access == "_public" or "_public" in topic.grants
    out = Readers()
    reading: set[str] = set()
    for group in sorted(groups):
        domain = domain_of(group, domains, delimiter)
        if domain is None:
            status = UNKNOWN
            out.unknown.append(group)
        elif domain == owner:
            status = OWNER
        elif domain in granted:
            status = GRANTED
        elif public:
            status = PUBLIC
        else:
            status = UNDECLARED
            if domain not in out.undeclared:
                out.undeclared.append(domain)
        if domain is not None:
            reading.add(domain)
        out.groups.append({"group": group, "domain": domain, "status": status})
    out.idle = sorted((granted | declared) - reading - {owner})
    return out
