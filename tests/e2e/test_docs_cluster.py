"""The documentation's command blocks that provision a local Kafka (`<!-- needs: kafka -->`), run as
written: they start the packaged broker themselves (its state in a folder of this test's own) and
stop it at the end."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.docs_blocks import blocks, run_block, scratch_checkout

pytestmark = pytest.mark.kafka

CLUSTER = [b for b in blocks() if b.needs == "kafka"]


@pytest.mark.parametrize("block", CLUSTER, ids=str)
def test_each_cluster_block_runs_as_written(block, tmp_path: Path):
    home = tmp_path / "kafka-dev"
    try:
        out = run_block(block, scratch_checkout(tmp_path / "repo"), {"KAFKA_DEV_HOME": str(home)})
        assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    finally:
        run_block(type(block)(block.page, block.line, None, [("scripts/kafka-dev stop", 0)]), tmp_path / "repo",
                  {"KAFKA_DEV_HOME": str(home)})
