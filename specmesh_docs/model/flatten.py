"""SpecMesh's flatten: the spec rewritten with canonical (full) topic names."""

from __future__ import annotations

from . import naming
from .model import DataProduct
from .yamlload import YMap, plain

__all__ = ["flatten", "plain"]


def flatten(product: DataProduct) -> dict:
    doc = plain(product.document)
    assert isinstance(doc, dict) and isinstance(product.document, YMap)
    channels = doc.get("channels")
    if not isinstance(channels, dict):
        return doc
    names = {t.channel: t.name for t in product.topics} | {c.channel: c.name for c in product.consumed}
    if product.major_version == 3:
        for key, chan in channels.items():
            address = chan.get("address") or key
            if address in names and isinstance(chan, dict):
                chan["address"] = names[address]
        return doc
    doc["channels"] = {names.get(k, naming.canonical_topic(k, product.domain, owned=False)) if k in names else k: v
                       for k, v in channels.items()}
    return doc
