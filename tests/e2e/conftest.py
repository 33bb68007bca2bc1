"""A real Apache Kafka broker (scripts/kafka-dev) for the whole test session."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO


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
        from confluent_kafka.admin import ScramCredentialInfo, ScramMechanism, UserScramCredentialUpsertion

        password = uuid.uuid4().hex
        upsert = UserScramCredentialUpsertion(name, ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), password.encode())
        admin = self.admin()  # keep the handle alive until the futures resolve
        for future in admin.alter_user_scram_credentials([upsert]).values():
            future.result(timeout=30)
        return {"bootstrap.servers": self.bootstrap, "security.protocol": "SASL_PLAINTEXT",
                "sasl.mechanism": "SCRAM-SHA-512", "sasl.username": name, "sasl.password": password}


def provision_argv(command_config: str, *args: str) -> list[str]:
    """`specmesh provision` as the tests run it: with the repository's policy unless a --config is given."""
    policy = [] if "--config" in args else ["--policy-from-repo"]
    return [sys.executable, "-m", "specmesh_docs", "provision", "--command-config", command_config, *policy, *args]


def dev_script(script: str, command: str, home: Path) -> dict[str, str]:
    """Runs scripts/kafka-dev or scripts/registry-dev with its state in `home`; the key=value lines it prints."""
    home_var = "KAFKA_DEV_HOME" if script == "kafka-dev" else "REGISTRY_DEV_HOME"
    out = subprocess.run([str(REPO / "scripts" / script), command], capture_output=True, text=True, timeout=900,
                         env=dict(os.environ, **{home_var: str(home)}))
    if out.returncode != 0:
        raise RuntimeError(f"scripts/{script} {command} failed:\n{out.stderr}")
    return dict(line.split("=", 1) for line in out.stdout.splitlines() if "=" in line)


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
