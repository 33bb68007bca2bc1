"""`specmesh export` with names from the cluster and the registry that would be paths: a PREFIXED
binding on `../../x/pwn.` or `/abs/pwn.`, a registry reference named `../../x/ref`. Nothing is
written outside --out; each is reported and skipped."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.e2e.conftest import reset_domains

pytestmark = pytest.mark.kafka


def test_names_that_would_be_paths_are_skipped_and_said(kafka, schema_registry, tmp_path: Path):
    from confluent_kafka.admin import (AclBinding, AclOperation, AclPermissionType, NewTopic, ResourcePatternType,
                                       ResourceType)
    from confluent_kafka.schema_registry import Schema, SchemaReference, SchemaRegistryClient

    reset_domains(kafka, "hostile.names", registry=schema_registry)
    admin = kafka.admin()
    bindings = [AclBinding(ResourceType.TOPIC, name, ResourcePatternType.PREFIXED, "User:evil", "*",
                           AclOperation.WRITE, AclPermissionType.ALLOW) for name in ("../../x/pwn.", "/abs/pwn.")]
    for future in admin.create_acls(bindings).values():
        future.result(timeout=30)
    topic = "hostile.names._public.orders"
    for future in admin.create_topics([NewTopic(topic, 1, 1)]).values():
        future.result(timeout=30)
    client = SchemaRegistryClient({"url": schema_registry})
    client.register_schema("hostile.names.Ref", Schema(json.dumps(
        {"type": "record", "name": "Ref", "namespace": "hostile.names", "fields": [{"name": "x", "type": "string"}]}), "AVRO"))
    ref = SchemaReference("../../x/ref", "hostile.names.Ref", 1)
    registered = True
    try:
        client.register_schema(f"{topic}-value", Schema(json.dumps(
            {"type": "record", "name": "Order", "namespace": "hostile.names",
             "fields": [{"name": "r", "type": "hostile.names.Ref"}]}), "AVRO", references=[ref]))
    except Exception:  # a registry that checks reference names against the schema: the binding cases still run
        registered = False
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    out = subprocess.run([sys.executable, "-m", "specmesh_docs", "export", "--all", "--out", str(work / "out"),
                          "--command-config", kafka.admin_config_path, "--schema-registry", schema_registry],
                         capture_output=True, text=True, cwd=REPO, timeout=300)
    try:
        assert out.returncode in (0, 1), out.stderr
        assert "internal error" not in out.stderr and "Traceback" not in out.stderr
        written = {p for p in tmp_path.rglob("*") if p.is_file()}
        assert all(p.is_relative_to(work / "out") for p in written), written
        assert not Path("/abs").exists()
        assert "skipped: domain '../../x/pwn'" in out.stderr and "skipped: domain '/abs/pwn'" in out.stderr, out.stderr
        assert not registered or "'schema/../../x/ref.avsc' is not a safe file name" in out.stderr, out.stderr
    finally:
        from confluent_kafka.admin import AclBindingFilter

        admin.delete_acls([AclBindingFilter(ResourceType.TOPIC, name, ResourcePatternType.PREFIXED, "User:evil", "*",
                                            AclOperation.WRITE, AclPermissionType.ALLOW)
                           for name in ("../../x/pwn.", "/abs/pwn.")])
        reset_domains(kafka, "hostile.names", registry=schema_registry)
