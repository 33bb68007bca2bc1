"""Hostile input on every path, one class at a time: whatever it is given, each command ends with a
code from the exit-code table, never 70 or a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def specmesh(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "specmesh_docs", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env={"PATH": "/usr/bin:/bin", "HOME": str(cwd)})


@pytest.mark.parametrize("args, codes", [
    (["lint", "."], (2,)),
    (["show", "a-api.yaml"], (2,)),
    (["diff", ".", ".", "--dirs"], (2,)),
    (["portal", "build", ".", "--out", "site"], (0,)),
    (["catalog", "export", ".", "--format", "json", "--out", "cat"], (0,)),
])
def test_a_symlink_loop_among_specs_is_named_never_a_crash(tmp_path, args, codes):
    (tmp_path / "a-api.yaml").symlink_to("b-api.yaml")
    (tmp_path / "b-api.yaml").symlink_to("a-api.yaml")
    out = specmesh(*args, cwd=tmp_path)
    assert out.returncode in codes and "internal error" not in out.stderr and "Traceback" not in out.stderr, out.stderr
    assert "symlink loop" in out.stderr


DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize("args", [
    ["lint", "spec-api.yaml", "--catalog", "deep.json"],
    ["lint", "spec-api.yaml", "--baseline", "deep.json"],
    ["provision", "--plan", "deep.json", "--policy-from-repo"],
    ["portal", "build", ".", "--out", "site", "--metrics", "deep.json"],
    ["diff", ".", ".", "--dirs", "--catalog", "deep.json"],
])
def test_deeply_nested_json_is_bad_input_on_every_path_that_reads_json(tmp_path, args):
    from tests.conftest import EXAMPLES

    (tmp_path / "deep.json").write_text(DEEP)
    import shutil

    (tmp_path / "spec-api.yaml").write_text((EXAMPLES / "retail-checkout" / "retail-checkout-api.yaml").read_text())
    shutil.copytree(EXAMPLES / "retail-checkout" / "schema", tmp_path / "schema")
    out = specmesh(*args, cwd=tmp_path)
    assert out.returncode == 2 and "nests deeper than" in out.stderr, out.stderr[-2000:]
