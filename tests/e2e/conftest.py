"""A real Apache Kafka broker (scripts/kafka-dev) for the whole test session."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import pytest


def read_properties(path: str | Path) -> dict[str, str]:
    props = {}
    for line in Path(path).read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            props[key.strip()] = value.strip()
    return props


@dataclass
class KafkaDev:
    bootstrap: str
    admin_config_path: str

    @property
    def admin_config(self) -> dict[str, str]:
        return read_properties(self.admin_config_path)

    def admin(self):
        from confluent_kafka.admin import AdminClient

        return AdminClient(self.admin_config)

    def add_principal(self, name: str) -> dict[str, str]:
        """Creates a SCRAM-SHA-512 user; returns client settings that authenticate as it."""
        from specmesh_docs.testing import create_scram_user

        password = create_scram_user(self.admin_config, name)
        return {"bootstrap.servers": self.bootstrap, "security.protocol": "SASL_PLAINTEXT",
                "sasl.mechanism": "SCRAM-SHA-512", "sasl.username": name, "sasl.password": password}


def provision_argv(command_config: str, *args: str) -> list[str]:
    """`specmesh provision` as the tests run it: with the repository's policy unless a --config is given."""
    policy = [] if "--config" in args else ["--policy-from-repo"]
    return [sys.executable, "-m", "specmesh_docs", "provision", "--command-config", command_config, *policy, *args]


def reset_domains(kafka, *domains: str, registry: str | None = None) -> None:
    """Removes what earlier tests left under these domains (topics, ACLs, subjects): the project's
    twin and SpecMesh's own spec of a scenario share names, and each run must start fresh."""
    import time

    from confluent_kafka.admin import (AclBindingFilter, AclOperation, AclPermissionType, ResourcePatternType,
                                       ResourceType)

    def ours(name: str) -> bool:
        return any(name == d or name.startswith(d + ".") or name == f"User:{d}" for d in domains)

    admin = kafka.admin()
    topics = [t for t in admin.list_topics(timeout=10).topics if ours(t)]
    for future in (admin.delete_topics(topics, operation_timeout=30) if topics else {}).values():
        future.result()
    everything = AclBindingFilter(ResourceType.ANY, None, ResourcePatternType.ANY, None, None, AclOperation.ANY,
                                  AclPermissionType.ANY)
    doomed = [AclBindingFilter(b.restype, b.name, b.resource_pattern_type, b.principal, b.host, b.operation,
                               b.permission_type)
              for b in admin.describe_acls(everything).result() if ours(b.name) or ours(b.principal)]
    for future in (admin.delete_acls(doomed) if doomed else {}).values():
        future.result()
    deadline = time.time() + 30
    while any(ours(t) for t in admin.list_topics(timeout=10).topics) and time.time() < deadline:
        time.sleep(0.2)
    if registry:
        from confluent_kafka.schema_registry import SchemaRegistryClient

        client = SchemaRegistryClient({"url": registry})
        for subject in client.get_subjects():
            if ours(subject):
                client.delete_subject(subject)
                try:
                    client.delete_subject(subject, permanent=True)
                except Exception as exc:  # Apicurio's soft delete already removes everything (404)
                    if getattr(exc, "http_status_code", None) != 404:
                        raise


def dev_script(script: str, command: str, home: Path, *args: str) -> dict[str, str]:
    """The packaged kafka-dev or registry-dev (what scripts/ and the pytest plugin run) with its state in `home`."""
    from specmesh_docs.testing import dev_script as packaged

    return packaged(script, command, home, *args)


def kafka_dev(command: str, home: Path) -> dict[str, str]:
    return dev_script("kafka-dev", command, home)


def start_broker(home: Path):
    info = kafka_dev("start", home)
    try:
        yield KafkaDev(info["bootstrap.servers"], info["admin.config"])
    finally:
        kafka_dev("stop", home)


@pytest.fixture(scope="session")
def kafka(tmp_path_factory) -> KafkaDev:
    """The broker most tests share (each test uses its own domains)."""
    yield from start_broker(tmp_path_factory.mktemp("kafka-dev"))


@pytest.fixture
def own_kafka(tmp_path_factory):
    """A broker of its own, for tests that stop it; returns (KafkaDev, its state folder)."""
    home = tmp_path_factory.mktemp("kafka-own")
    for broker in start_broker(home):
        yield broker, home


@pytest.fixture(scope="session")
def schema_registry(tmp_path_factory) -> str:
    """A real schema registry (scripts/registry-dev): its Confluent-compatible URL."""
    home = tmp_path_factory.mktemp("registry-dev")
    try:
        yield dev_script("registry-dev", "start", home)["schema.registry.url"]
    finally:
        dev_script("registry-dev", "stop", home)
