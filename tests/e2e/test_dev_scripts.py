"""Two checkouts each run `kafka-dev start` and `stop` with the default state folder: each gets a
broker of its own, and stopping one leaves the other running (the state was machine-wide)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.kafka


def dev(copy: Path, command: str, tmp: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KAFKA_DEV_HOME", "REGISTRY_DEV_HOME"))}
    env["TMPDIR"] = str(tmp)  # the default state lands in this test's temp dir, named per copy of the script
    return subprocess.run(["bash", str(copy / "kafka-dev"), command], capture_output=True, text=True, env=env,
                          timeout=300)


def test_two_checkouts_never_share_or_stop_each_others_broker(tmp_path: Path):
    copies = []
    for name in ("a", "b"):
        target = tmp_path / name / "specmesh_docs" / "testing"
        target.parent.mkdir(parents=True)
        shutil.copytree(REPO / "specmesh_docs" / "testing", target, ignore=shutil.ignore_patterns("__pycache__"))
        copies.append(target)
    (tmp_path / "tmp").mkdir()
    a, b = copies
    try:
        first, second = dev(a, "start", tmp_path / "tmp"), dev(b, "start", tmp_path / "tmp")
        assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
        servers = [next(l for l in out.stdout.splitlines() if l.startswith("bootstrap.servers=")) for out in (first, second)]
        assert servers[0] != servers[1]
        assert dev(a, "stop", tmp_path / "tmp").returncode == 0
        assert dev(a, "status", tmp_path / "tmp").returncode == 1
        still = dev(b, "status", tmp_path / "tmp")
        assert still.returncode == 0 and servers[1] in still.stdout
    finally:
        for copy in copies:
            dev(copy, "stop", tmp_path / "tmp")
