"""The time, injectable: `SPECMESH_NOW` (an ISO date or date-time, UTC unless it says otherwise)
stands in for the clock, so tests and reproducible runs can say when "now" is."""

from __future__ import annotations

import os
from datetime import datetime, timezone

from .errors import SpecError


def now(environ=os.environ) -> datetime:
    given = environ.get("SPECMESH_NOW", "").strip()
    if not given:
        return datetime.now(timezone.utc)
    return parse_time(given, "SPECMESH_NOW")


def parse_time(text: str, what: str) -> datetime:
    """An ISO 8601 date or date-time as an aware UTC datetime; a SpecError naming `what` otherwise."""
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise SpecError(f"{what}: {text[:40]!r} is not an ISO 8601 date or date-time (2027-03-31, "
                        "2027-03-31T12:00:00Z)") from None
    return (when if when.tzinfo else when.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


def iso(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
