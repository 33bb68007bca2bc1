"""What `specmesh verify` found, per topic, as the portal shows it (pure). A topic is green only
when a report covers it, is recent, and found nothing: a missing or stale report is said to be
one, never shown as conforming."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

# worst first: the estate page sorts by this
RANK = {"violations": 0, "missing": 1, "undeclared": 2, "incomplete": 3, "stale": 4, "not verified": 5, "empty": 6,
        "conforming": 7}
CSS = {"violations": "pii", "missing": "pii", "undeclared": "pii", "incomplete": "protected", "stale": "protected",
       "not verified": "untiered", "empty": "untiered", "conforming": "public"}
MAX_AGE_DAYS = 7


@dataclass
class Verified:
    status: str  # a key of RANK
    verified_at: str = ""
    age_days: float | None = None
    read: int = 0
    valid: int = 0
    invalid: int = 0
    rules: dict = field(default_factory=dict)
    undeclared: list = field(default_factory=list)
    idle: list = field(default_factory=list)
    unknown: list = field(default_factory=list)
    groups: list = field(default_factory=list)

    @property
    def css(self) -> str:
        return CSS[self.status]

    @property
    def rank(self) -> tuple:
        return RANK[self.status], -(self.invalid / max(1, self.read)), -len(self.undeclared)


def per_topic(report: dict | None, topic_names: list[str], now: datetime, max_age_days: float = MAX_AGE_DAYS) -> dict:
    """topic name -> Verified, for every topic of the estate (empty when no report was given)."""
    from ..clock import parse_time

    if not report:
        return {}
    when = parse_time(report["verified_at"], "verified_at")
    age = (now - when).total_seconds() / 86400
    rows = {t["name"]: t for p in report["products"] for t in p["topics"]}
    out = {}
    for name in topic_names:
        row = rows.get(name)
        if row is None:
            out[name] = Verified("not verified")
            continue
        r, readers = row["records"], row["readers"]
        status = ("missing" if not row["exists"] else "violations" if r["invalid"] else
                  "undeclared" if readers.get("undeclared") else "incomplete" if not row["complete"] else
                  "stale" if age > max_age_days else "empty" if not r["read"] else "conforming")
        groups = [g for g in readers.get("groups", []) if isinstance(g, dict) and isinstance(g.get("group"), str)]
        rules = {str(k): v for k, v in (row.get("rules") or {}).items() if isinstance(v, int)} \
            if isinstance(row.get("rules"), dict) else {}
        out[name] = Verified(status, report["verified_at"], age, r["read"], r["valid"], r["invalid"], rules,
                             list(readers.get("undeclared", [])), list(readers.get("idle", [])),
                             list(readers.get("unknown", [])), groups)
    return out
