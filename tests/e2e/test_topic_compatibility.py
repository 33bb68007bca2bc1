"""A topic's own compatibility level (`x-specmesh-compatibility`) on a real registry: set on the
subject and read back; a version only that level allows is registered; a new level and a version
it allows in one release (the level goes first); a re-run plans nothing."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.e2e.conftest import provision_argv, reset_domains

pytestmark = pytest.mark.kafka

DOMAIN = "levels.shop"
TOPIC = f"{DOMAIN}._public.orders"
SPEC = """asyncapi: '2.6.0'
id: 'urn:levels.shop'
info: {{title: Shop, version: '{version}', contact: {{name: Shop, email: shop@acme.example}}}}
channels:
  _public.orders:
    bindings: {{kafka: {{partitions: 1}}}}
    publish:
      operationId: publishOrder
      summary: Orders.
      message:
        schemaFormat: application/vnd.apache.avro+json;version=1.9.0
        bindings: {{kafka: {{key: {{type: string, description: Order id.}}, x-specmesh-compatibility: {level}}}}}
        payload: {{$ref: schema/order.avsc}}
"""


def order(*extra: dict) -> str:
    return json.dumps({"type": "record", "name": "Order", "namespace": "levels.shop", "fields": [
        {"name": "id", "type": "string", "doc": "Id."}, {"name": "note", "type": "string", "doc": "Note."}, *extra]})


def release(kafka, registry: str, folder: Path, level: str, schema: str, version: str, *args: str):
    (folder / "shop-api.yaml").write_text(SPEC.format(level=level, version=version))
    (folder / "schema" / "order.avsc").write_text(schema)
    return subprocess.run(provision_argv(kafka.admin_config_path, str(folder / "shop-api.yaml"), "--schema-registry",
                                         registry, *args), capture_output=True, text=True, cwd=REPO, timeout=300)


def test_a_topics_own_level_is_set_read_back_and_governs_its_versions(kafka, schema_registry, tmp_path):
    from confluent_kafka.schema_registry import SchemaRegistryClient

    reset_domains(kafka, DOMAIN, registry=schema_registry)
    (tmp_path / ".git").mkdir()
    (tmp_path / "schema").mkdir()
    client = SchemaRegistryClient({"url": schema_registry})
    subject = f"{TOPIC}-value"
    run = release(kafka, schema_registry, tmp_path, "BACKWARD", order(), "1.0.0")
    assert run.returncode == 0, run.stderr + run.stdout
    assert client.get_compatibility(subject) == "BACKWARD"  # not the policy's FULL_TRANSITIVE
    # dropping `note` (no default): BACKWARD allows it, FULL_TRANSITIVE would not
    dropped = json.dumps({**json.loads(order()), "fields": json.loads(order())["fields"][:1]})
    run = release(kafka, schema_registry, tmp_path, "BACKWARD", dropped, "2.0.0")
    assert run.returncode == 0, run.stderr + run.stdout
    assert len(client.get_versions(subject)) == 2
    # one release: FORWARD, and a field without a default that only FORWARD allows (the level goes first)
    added = json.dumps({**json.loads(dropped), "fields": [*json.loads(dropped)["fields"],
                                                          {"name": "channel", "type": "string", "doc": "Where."}]})
    run = release(kafka, schema_registry, tmp_path, "FORWARD", added, "3.0.0")
    assert run.returncode == 0, run.stderr + run.stdout
    assert client.get_compatibility(subject) == "FORWARD" and len(client.get_versions(subject)) == 3
    again = release(kafka, schema_registry, tmp_path, "FORWARD", added, "3.0.0", "--dry-run", "--detailed-exitcode")
    assert again.returncode == 0, again.stdout
