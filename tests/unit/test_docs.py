"""The documentation: the site builds with `mkdocs build --strict`, its generated reference
pages cover every command and rule, the README stays a front door, and every command block runs
as written (tests/docs_blocks.py)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.docs_blocks import REPO, blocks, run_block, scratch_checkout


def test_the_documentation_site_builds_strictly_with_every_command_and_rule(tmp_path):
    from specmesh_docs.lint.engine import all_rules

    site = tmp_path / "site"
    out = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(REPO / "docs" / "mkdocs.yml"),
                          "--site-dir", str(site)], capture_output=True, text=True, timeout=300,
                         env={"PATH": "/usr/bin:/bin", "NO_MKDOCS_2_WARNING": "1", "HOME": str(tmp_path)})
    assert out.returncode == 0, out.stderr[-3000:]
    rules = (site / "reference" / "rules" / "index.html").read_text()
    for rule in all_rules().values():
        assert f'id="{rule.id.lower()}"' in rules and rule.bad and rule.good, rule.id
    commands = (site / "reference" / "commands" / "index.html").read_text()
    for name in ("show", "lint", "diff", "provision", "export", "catalog", "sample", "storage", "portal", "rules"):
        assert f"specmesh {name}" in commands
    assert "exit codes:" in commands


def test_the_readme_is_a_front_door_whose_links_lead_somewhere():
    text = (REPO / "README.md").read_text()
    assert len(text.splitlines()) <= 250
    assert text.startswith("# specmesh_docs\n\n```bash\nscripts/demo ") and "\nscripts/test " in text
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text):
        if not target.startswith("http"):
            assert (REPO / target).exists(), target


OFFLINE = [b for b in blocks() if b.needs is None]


def test_there_are_command_blocks_to_run():
    assert len(OFFLINE) >= 4 and any(b.page == "README.md" for b in OFFLINE)
    assert any(b.needs == "kafka" for b in blocks())


@pytest.mark.parametrize("block", OFFLINE, ids=str)
def test_each_command_block_runs_as_written(block, tmp_path: Path):
    out = run_block(block, scratch_checkout(tmp_path / "repo"))
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]


def test_the_readmes_complete_spec_lints_clean_as_written(tmp_path):
    text = (REPO / "README.md").read_text()
    block = re.search(r"<!-- complete-spec:[^>]*-->\n```yaml\n(.*?)```", text, re.S).group(1)
    (tmp_path / ".git").mkdir()
    (tmp_path / "orders-api.yaml").write_text(block)
    import shutil

    shutil.copytree(REPO / "tests" / "fixtures" / "complete-spec" / "schema", tmp_path / "schema")
    out = subprocess.run([sys.executable, "-m", "specmesh_docs", "lint", ".", "--fail-on", "warning"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert out.returncode == 0 and "0 error(s), 0 warning(s)" in out.stderr, out.stdout + out.stderr
