"""Field paths a consumer declares it reads (`x-specmesh-reads`), against the owner's schema (pure).

The grammar is the model's flattened field names, the same everywhere (lint, diff, portal,
catalogues): `order_id`; `customer.address.country` (records, objects, nested messages);
`lines[].sku` (array items, repeated fields); `attributes{}.value` (map values); a union's or a
oneof's branches are transparent (`payment.card_last4`). A key field is prefixed `key:`
(`key:order_id`). A path names a field and everything under it: `customer` reads all of it."""

from __future__ import annotations

KEY = "key:"


def ancestors(path: str) -> list[str]:
    """`lines[].sku` -> [`lines[]`, `lines`]: the paths a field sits under."""
    out, cut = [], path
    while True:
        at = max(cut.rfind("."), cut.rfind("[]") if cut.endswith("[]") else -1, cut.rfind("{}") if cut.endswith("{}") else -1)
        if cut.endswith("[]") or cut.endswith("{}"):
            cut = cut[:-2]
        elif at > 0:
            cut = cut[:at]
        else:
            return out
        if cut:
            out.append(cut)


def field_paths(topic) -> dict[str, bool]:
    """Every path a consumer may declare on `topic`: its fields and what they sit under (key fields
    with `key:`) -> whether that field, or one under it, is PII."""
    out: dict[str, bool] = {}
    for prefix, schema in (("", topic.value), (KEY, topic.key)):
        for f in (schema.fields if schema is not None else []):
            for path in (f.name, *ancestors(f.name)):
                out[prefix + path] = out.get(prefix + path, False) or f.pii
    return out


def overlaps(read: str, changed: str) -> bool:
    """A change at `changed` touches what `read` names: the same field, one under it, or one it sits
    under. An empty `changed` is the whole schema."""
    if not changed or read == changed:
        return True
    return any(read.startswith(changed + sep) or changed.startswith(read + sep) for sep in (".", "[]", "{}"))


def readers_of(field: str, consumers: list, role: str = "value") -> list[str]:
    """Domains reading `field`: those whose declaration covers it, and those that declare nothing."""
    name = field if role == "value" else KEY + field
    return sorted({p.domain for p, c in consumers
                   if c.reads is None or any(overlaps(r, name) for r in c.reads)})
