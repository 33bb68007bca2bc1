"""Schema compatibility, offline, at a registry compatibility level: the one layer `diff` and
`provision` both ask (Avro, JSON Schema, Protobuf).

Levels mean what they mean for a Confluent-compatible registry: BACKWARD, the new schema reads
data written with the old one ("new reads old"); FORWARD, the old schema reads data written with
the new one ("old reads new"); FULL, both; the `_TRANSITIVE` levels check against every earlier
version given; NONE checks nothing.

- Avro: the Apache Avro library's reader/writer checker gives the verdict; each problem is then
  named with its rule (the registry's names: TYPE_MISMATCH, READER_FIELD_MISSING_DEFAULT_VALUE,
  MISSING_ENUM_SYMBOLS, MISSING_UNION_BRANCH, NAME_MISMATCH, FIXED_SIZE_MISMATCH) and field path.
- JSON Schema: `$ref`s resolved (the loader's limits), then the rule set in `json_schema`.
- Protobuf: `buf breaking` with its WIRE rules, always new against old. Those rules say whether
  the new file can replace the old one on the wire, which is both directions at once; running
  buf with the sides swapped does not give "old reads new" (an added field looks deleted).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model.schemas import COMPATIBILITY_LEVELS as LEVELS

NEW_READS_OLD, OLD_READS_NEW = "new reads old", "old reads new"
UNCHECKED = "UNCHECKED"  # the rule of a problem that says why no verdict could be given


@dataclass(frozen=True)
class Problem:
    """One incompatibility: the rule (as a registry or buf names it), the field, and which way it breaks."""

    rule: str
    path: str  # field path, `order.lines[].sku`; "" for the whole schema
    detail: str
    direction: str = ""  # new reads old | old reads new | both (Protobuf's wire rules)

    @property
    def unchecked(self) -> bool:
        return self.rule == UNCHECKED

    def __str__(self) -> str:
        where = f" at {self.path}" if self.path else ""
        way = f" ({self.direction})" if self.direction else ""
        return f"{self.rule}{where}: {self.detail}{way}"


def directions(level: str) -> list[str]:
    """Which way data must be readable at `level`."""
    base = level.upper().replace("_TRANSITIVE", "")
    return {"BACKWARD": [NEW_READS_OLD], "FORWARD": [OLD_READS_NEW], "FULL": [NEW_READS_OLD, OLD_READS_NEW]}.get(base, [])


def problems(level: str, olds: list, new) -> list[Problem]:
    """Every problem of `new` at `level`, one per rule, field and direction; empty when compatible.
    `olds` is the previous version (one) or, for a transitive level, every earlier one."""
    if new is None or not olds:
        return []
    if not level.upper().endswith("_TRANSITIVE"):
        olds = olds[-1:]
    ways = directions(level)
    out: list[Problem] = []
    for old in olds:
        if old is None or old.format != new.format or not ways:
            continue
        if new.format == "protobuf":  # buf's wire rules: new against old, holding both ways
            from .protobuf import protobuf_problems

            found = [Problem(rule, path, detail, "" if rule == UNCHECKED else " and ".join(ways))
                     for rule, path, detail in protobuf_problems(old, new)]
        else:
            found = [Problem(rule, path, detail, way) for way in ways
                     for rule, path, detail in _check(*((new, old) if way == NEW_READS_OLD else (old, new)))]
        out += [p for p in found if p not in out]
    return out


def _check(reader, writer) -> list[tuple[str, str, str]]:
    if reader.format == "avro":
        from .avro import avro_problems

        return avro_problems(reader, writer)
    if reader.format == "json":
        from .json_schema import json_problems

        return json_problems(reader, writer)
    return []


def same_schema(a, b) -> bool:
    """The same schema on both sides, everything it references included (no check needed)."""
    from .json_schema import fingerprint
    from ..model.yamlload import plain

    if a.format != b.format:
        return False
    if a.format == "json":
        return fingerprint(resolved(a)) == fingerprint(resolved(b))
    return plain(a.document) == plain(b.document) and \
        {k: plain(v) for k, v in (a.named or {}).items()} == {k: plain(v) for k, v in (b.named or {}).items()}


def canonical(text: str, schema_type: str) -> object:
    """A schema's content without its layout: parsed JSON for Avro and JSON Schema, the .proto's
    tokens for Protobuf."""
    import json
    import re

    if (schema_type or "AVRO").upper() == "PROTOBUF":
        without_comments = re.sub(r"//[^\n]*|/\*.*?\*/", " ", text or "", flags=re.S)
        return re.findall(r'"(?:[^"\\]|\\.)*"|[A-Za-z0-9_.]+|[^\sA-Za-z0-9_.]', without_comments)
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return text


def resolved(schema) -> object:
    """A JSON schema with its `$ref`s followed (from the loader), else its document as written."""
    from ..model.yamlload import plain

    return schema.resolved if getattr(schema, "resolved", None) is not None else plain(schema.document)
