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


def git_env(tmp_path: Path) -> dict:
    return {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}


def test_hook_fails_on_bad_spec_and_passes_on_good(tmp_path):
    work = tmp_path / "orders"
    work.mkdir()
    env = git_env(tmp_path)
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


def test_a_schema_only_commit_lints_the_specs_that_use_the_schema(tmp_path):
    """Adding PII to a _public topic's value schema, and nothing else, is blocked like a spec change."""
    import shutil

    from tests.conftest import EXAMPLES

    work = tmp_path / "health"
    shutil.copytree(EXAMPLES / "health-fitness", work)
    env = git_env(tmp_path)
    run("git", "init", "-q", cwd=work, env=env)
    run("git", "add", ".", cwd=work, env=env)
    run("git", "commit", "-qm", "base", cwd=work, env=env)
    hook = [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "specmesh-lint", "--verbose"]

    (work / "notes.yaml").write_text("unrelated: true\n")  # a file no spec reads: passes, lints nothing
    run("git", "add", "notes.yaml", cwd=work, env=env)
    unrelated = run(*hook, cwd=work, env=env)
    assert unrelated.returncode == 0, unrelated.stdout + unrelated.stderr
    run("git", "commit", "-qm", "notes", cwd=work, env=env)

    schema = work / "schema" / "health.fitness.UserHealth.avsc"
    schema.write_text(schema.read_text().replace('"doc": "Steps walked that day."',
                                                 '"doc": "Steps walked that day.", "pii": true'))
    run("git", "add", str(schema.relative_to(work)), cwd=work, env=env)
    staged = run("git", "diff", "--cached", "--name-only", cwd=work, env=env).stdout.split()
    assert staged == ["schema/health.fitness.UserHealth.avsc"]  # the spec itself is untouched
    blocked = run(*hook, cwd=work, env=env)
    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    assert "error PII-PUBLIC" in blocked.stdout and "health-fitness-api.yaml" in blocked.stdout, blocked.stdout


def test_the_breaking_change_hook_blocks_a_push_that_breaks_a_consumer(tmp_path):
    """`specmesh-breaking` from another repo, at the manual stage, against origin/main."""
    import shutil

    from tests.conftest import EXAMPLES

    env = git_env(tmp_path)
    origin = tmp_path / "origin.git"
    run("git", "init", "-q", "--bare", "-b", "main", str(origin), cwd=tmp_path, env=env)
    work = tmp_path / "fitness"
    shutil.copytree(EXAMPLES / "health-fitness", work)
    run("git", "init", "-q", "-b", "main", cwd=work, env=env)
    run("git", "remote", "add", "origin", str(origin), cwd=work, env=env)
    run("git", "add", ".", cwd=work, env=env)
    run("git", "commit", "-qm", "base", cwd=work, env=env)
    run("git", "push", "-q", "origin", "main", cwd=work, env=env)
    hook = [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "specmesh-breaking", "--hook-stage", "manual",
            "--verbose"]

    clean = run(*hook, cwd=work, env=env)
    assert clean.returncode == 0 and "0 breaking" in clean.stdout, clean.stdout + clean.stderr
    schema = work / "schema" / "health.fitness.Workout.avsc"
    schema.write_text(schema.read_text().replace('"symbols": ["RUN", "RIDE", "SWIM", "GYM"]',
                                                 '"symbols": ["RUN", "RIDE", "SWIM"]'))
    run("git", "commit", "-qam", "drop GYM", cwd=work, env=env)
    blocked = run(*hook, cwd=work, env=env)
    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    assert "SCHEMA-INCOMPATIBLE" in blocked.stdout and "MISSING_ENUM_SYMBOLS" in blocked.stdout
