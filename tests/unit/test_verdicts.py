"""The offline checker agrees with the verdict table (tests/verdicts.py), whose Avro and JSON
Schema rows a real registry confirms (tests/e2e/test_verdicts.py) and whose Protobuf rows buf,
run directly here, confirms."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from specmesh_docs.compat import problems
from specmesh_docs.compat.protobuf import CONFIG, buf_command
from tests.verdicts import PROTOBUF, ROWS, schemas


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r.format}: {r.name}")
def test_the_offline_checker_gives_the_tables_verdict_in_each_direction(row):
    old, new = schemas(row)
    for level, expected in (("BACKWARD", row.backward), ("FORWARD", row.forward),
                            ("FULL", row.backward and row.forward), ("NONE", True)):
        found = problems(level, [old], new)
        assert not [p for p in found if p.unchecked], found
        assert (not found) == expected, (level, [str(p) for p in found])


@pytest.mark.parametrize("row", PROTOBUF, ids=lambda r: r.name)
def test_buf_itself_gives_the_protobuf_rows_verdict(row, tmp_path: Path):
    """buf breaking NEW --against OLD with WIRE rules, run here directly: the table's source."""
    for side, text in (("old", row.old), ("new", row.new)):
        (tmp_path / side).mkdir()
        (tmp_path / side / "buf.yaml").write_text(CONFIG)
        (tmp_path / side / "order.proto").write_text(text)
    out = subprocess.run([buf_command(), "breaking", str(tmp_path / "new"), "--against", str(tmp_path / "old")],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode in (0, 100), out.stderr
    assert (out.returncode == 0) == row.backward == row.forward, out.stdout
