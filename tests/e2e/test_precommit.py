"""The hook as other repos use it: real `pre-commit try-repo` against this checkout."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO
from tests.unit.test_lint import PRIVATE_CONSUMER
from tests.unit.test_rules import BASE

GOOD = BASE  # passes every rule


def run(*args: str, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def test_hook_fails_on_bad_spec_and_passes_on_good(tmp_path):
    work = tmp_path / "orders"
    work.mkdir()
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    run("git", "init", "-q", cwd=work, env=env)
    (work / "bad-api.yaml").write_text(PRIVATE_CONSUMER)
    (work / "good-api.yaml").write_text(GOOD.replace("urn:acme.orders", "urn:acme.shop"))
    run("git", "add", ".", cwd=work, env=env)
    hook = [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "specmesh-lint", "--verbose"]

    bad = run(*hook, "--files", "bad-api.yaml", cwd=work, env=env)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "Failed" in bad.stdout
    line = PRIVATE_CONSUMER.splitlines().index("  acme.billing._private.invoices:") + 1
    assert f"bad-api.yaml:{line}:3: error ACCESS-PRIVATE-CONSUMED" in bad.stdout

    good = run(*hook, "--files", "good-api.yaml", cwd=work, env=env)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Passed" in good.stdout
