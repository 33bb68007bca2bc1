"""The verdict table (tests/verdicts.py) asked of a real registry: each Avro and JSON Schema row
registered under a subject at BACKWARD and at FORWARD, then the new version tested against it. The
table is only true while the registry says so; the unit tests hold the offline checker to it."""

from __future__ import annotations

import json
import uuid

import pytest

from specmesh_docs.compat.avro import dependency_order, references_of
from tests.verdicts import AVRO, JSON

pytestmark = pytest.mark.kafka


def registry_verdict(client, row, level: str) -> bool:
    """The registry's answer at `level`. A change inside a referenced schema is judged where the
    registry judges it: on that schema's own subject (the referencing schema's text is unchanged)."""
    from confluent_kafka.schema_registry import Schema, SchemaReference

    kind = {"avro": "AVRO", "json": "JSON"}[row.format]
    prefix = f"verdict-{uuid.uuid4().hex[:10]}"
    refs = {}
    for name in dependency_order(row.old_refs):
        subject = f"{prefix}-{name}"
        client.set_compatibility(subject, level)
        uses = [refs[u] for u in references_of(row.old_refs[name], set(row.old_refs) - {name})]
        client.register_schema(subject, Schema(json.dumps(row.old_refs[name]), kind, references=uses))
        refs[name] = SchemaReference(name, subject, client.get_latest_version(subject).version)
    verdicts = []
    for name in dependency_order(row.new_refs):
        if row.new_refs[name] != row.old_refs.get(name):
            assert not references_of(row.new_refs[name], set(row.new_refs) - {name}), "changed leaves only"
            verdicts.append(client.test_compatibility(refs[name].subject, Schema(json.dumps(row.new_refs[name]), kind)))
    if row.old != row.new or not verdicts:
        client.set_compatibility(prefix, level)
        client.register_schema(prefix, Schema(json.dumps(row.old), kind))
        verdicts.append(client.test_compatibility(prefix, Schema(json.dumps(row.new), kind)))
    return all(verdicts)


@pytest.mark.parametrize("row", AVRO + JSON, ids=lambda r: f"{r.format}: {r.name}")
def test_the_registry_gives_the_tables_verdict(schema_registry, row):
    from confluent_kafka.schema_registry import SchemaRegistryClient

    client = SchemaRegistryClient({"url": schema_registry})
    assert registry_verdict(client, row, "BACKWARD") == row.backward
    assert registry_verdict(client, row, "FORWARD") == row.forward
