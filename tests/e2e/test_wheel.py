"""The adopter's path: the wheel (and sdist) built, checked, installed into a fresh venv outside the
checkout, and used from a directory that is not the repository."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, REPO

pytestmark = pytest.mark.kafka


def run(*cmd, cwd: Path, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, cwd=cwd, timeout=timeout)


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    """Built from a copy of the project's files (tracked and new, not ignored): no build leftovers such
    as an egg-info from the editable install can smuggle files into the package."""
    source = tmp_path_factory.mktemp("source")
    listed = run("git", "ls-files", "-co", "--exclude-standard", cwd=REPO)
    assert listed.returncode == 0, listed.stderr
    for name in listed.stdout.splitlines():
        if (REPO / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, source / name)
    out = tmp_path_factory.mktemp("dist")
    built = run(sys.executable, "-m", "build", "--outdir", out, source, cwd=out)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    return out


def shipped_data() -> set[str]:
    """Every file under specmesh_docs/ the package reads at run time: all tracked non-Python files."""
    listed = run("git", "ls-files", "specmesh_docs", cwd=REPO)
    assert listed.returncode == 0, listed.stderr
    files = {line for line in listed.stdout.splitlines() if not line.endswith(".py")}
    assert any(f.endswith("mkdocs.base.yml") for f in files) and any(f.endswith(".j2") for f in files)
    return files


def test_the_wheel_and_sdist_hold_every_file_the_package_reads_and_pass_twine(dist: Path):
    wheel = next(dist.glob("*.whl"))
    sdist = next(dist.glob("*.tar.gz"))
    in_wheel = set(zipfile.ZipFile(wheel).namelist())
    with tarfile.open(sdist) as tar:
        in_sdist = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
    data = shipped_data()
    assert data - in_wheel == set(), "missing from the wheel (package-data in pyproject.toml)"
    assert data - in_sdist == set(), "missing from the sdist"
    assert {"LICENSE", "THIRD_PARTY_NOTICES.md"} <= {Path(n).name for n in in_wheel if ".dist-info/licenses/" in n}
    checked = run(sys.executable, "-m", "twine", "check", "--strict", wheel, sdist, cwd=dist)
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.fixture(scope="module")
def venv(dist: Path, tmp_path_factory) -> Path:
    """A fresh venv outside the checkout with the wheel and its [all] extras."""
    venv = tmp_path_factory.mktemp("venv")
    assert run(sys.executable, "-m", "venv", venv, cwd=venv).returncode == 0
    wheel = next(dist.glob("*.whl"))
    installed = run(venv / "bin" / "pip", "install", "-q", "--disable-pip-version-check", f"{wheel}[all]", cwd=venv)
    assert installed.returncode == 0, installed.stderr[-3000:]
    return venv


def test_the_installed_wheel_works_outside_the_checkout(venv: Path, kafka, tmp_path):
    work = tmp_path / "adopter"
    shutil.copytree(EXAMPLES, work / "specs")
    specmesh = venv / "bin" / "specmesh"
    where = run(venv / "bin" / "python", "-c", "import specmesh_docs; print(specmesh_docs.__file__)", cwd=work)
    assert str(venv) in where.stdout and str(REPO) not in where.stdout, where.stdout  # the wheel, not the checkout

    lint = run(specmesh, "lint", "specs", cwd=work)
    assert lint.returncode == 0 and "5 spec(s): 0 error(s)" in lint.stderr, lint.stdout + lint.stderr
    rules = run(specmesh, "rules", cwd=work)
    assert rules.returncode == 0 and "PII-PUBLIC" in rules.stdout

    portal = run(specmesh, "portal", "build", "specs", "--out", "site", cwd=work)
    assert portal.returncode == 0, portal.stderr
    site = work / "site"
    for page in ("index.html", "access/index.html", "pii/index.html", "flows/index.html", "tags/index.html",
                 "topics/finance.campaign._public.sale/index.html", "assets/mermaid.min.js"):
        assert (site / page).is_file(), page
    catalog = json.loads((site / "catalog.json").read_text())
    assert {p["domain"] for p in catalog["products"]} >= {"finance.campaign", "health.fitness", "retail.checkout"}

    specs = sorted(str(p) for p in (work / "specs").glob("*/*-api.yaml"))
    plan = run(specmesh, "provision", *specs, "--command-config", kafka.admin_config_path, "--dry-run",
               "--config", work / "specs" / "organisation-policy.yaml", cwd=work)
    assert plan.returncode == 0, plan.stdout[-2000:] + plan.stderr[-2000:]
    assert "Plan: " in plan.stdout and "to create" in plan.stdout  # the examples may already be there


def ci_env(venv: Path) -> dict:
    import os

    return {**{k: v for k, v in os.environ.items() if not k.startswith("SPECMESH_")},
            "PATH": f"{venv / 'bin'}:{os.environ['PATH']}", "VIRTUAL_ENV": str(venv)}


def bad_spec_beside_examples(work: Path) -> None:
    from tests.unit.test_lint import PRIVATE_CONSUMER

    shutil.copytree(EXAMPLES, work)
    (work / ".git").mkdir()
    (work / "bad-api.yaml").write_text(PRIVATE_CONSUMER)


def test_the_github_action_steps_run_as_written(venv: Path, dist: Path, tmp_path):
    import re

    import yaml

    action = yaml.safe_load((REPO / "action.yml").read_text())
    inputs = {name: spec.get("default", "") for name, spec in action["inputs"].items()}
    work = tmp_path / "repo"
    bad_spec_beside_examples(work)
    source = next(dist.glob("*.tar.gz"))  # the action installs from its own checkout: the sdist's tree
    with tarfile.open(source) as tar:
        tar.extractall(tmp_path / "action", filter="data")
    action_path = next((tmp_path / "action").iterdir())
    codes = []
    for step in action["runs"]["steps"]:
        env = ci_env(venv)
        for key, value in (step.get("env") or {}).items():
            env[key] = re.sub(r"\$\{\{\s*(github\.action_path|inputs\.(\w+))\s*\}\}",
                              lambda m: str(action_path) if m.group(1) == "github.action_path" else inputs[m.group(2)],
                              value)
        assert "${{" not in step["run"], "inputs reach scripts through env, never pasted into them"
        out = subprocess.run(["bash", "-e", "-c", step["run"]], capture_output=True, text=True, cwd=work, env=env,
                             timeout=900)
        codes.append(out.returncode)
    assert codes[:-1] == [0] * (len(codes) - 1)
    assert codes[-1] == 1 and "::error file=bad-api.yaml" in out.stdout, out.stdout + out.stderr
    sarif = json.loads((work / "specmesh.sarif").read_text())
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"]


def test_the_documented_gitlab_job_runs_as_written(venv: Path, dist: Path, tmp_path):
    import re

    import yaml

    readme = (REPO / "docs" / "content" / "ci.md").read_text()
    block = re.search(r"<!-- gitlab-ci: [^>]*-->\n```yaml\n(.*?)```", readme, re.S).group(1)
    job = yaml.safe_load(block)["specmesh-lint"]
    work = tmp_path / "repo"
    bad_spec_beside_examples(work)
    env = {**ci_env(venv), **job["variables"], "SPECMESH_DOCS": str(next(dist.glob("*.whl")))}
    codes = [subprocess.run(["bash", "-e", "-c", line], capture_output=True, text=True, cwd=work, env=env,
                            timeout=900).returncode for line in job["script"]]
    assert codes == [0, 1]
    junit = (work / job["artifacts"]["reports"]["junit"]).read_text()
    assert "<testsuite" in junit and "ACCESS-PRIVATE-CONSUMED" in junit
    assert (work / "specmesh.sarif").is_file()


def test_a_teams_repo_runs_black_box_tests_with_the_installed_plugin(venv: Path, dist: Path, tmp_path):
    """A team's repository with only its spec and a test: `pip install 'specmesh_docs[testing]'`, then
    pytest starts the broker shipped in the package (no scripts/ anywhere), provisions the spec and
    produces and reads as the domain."""
    wheel = next(dist.glob("*.whl"))
    installed = run(venv / "bin" / "pip", "install", "-q", "--disable-pip-version-check", f"{wheel}[testing]", cwd=venv)
    assert installed.returncode == 0, installed.stderr[-3000:]
    team = tmp_path / "team"
    team.mkdir()
    shutil.copy(EXAMPLES / "finance-campaign" / "finance-campaign-api.yaml", team)
    shutil.copytree(EXAMPLES / "finance-campaign" / "schema", team / "schema")
    readme = (REPO / "docs" / "content" / "testing.md").read_text()
    snippet = re.search(r"<!-- plugin-example:[^>]*-->\n```python\n(.*?)```", readme, re.S).group(1)
    (team / "test_budget.py").write_text(snippet)  # the documentation's example, exactly as written
    tests = subprocess.run([str(venv / "bin" / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=team,
                           capture_output=True, text=True, timeout=600, env=ci_env(venv))
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-2000:]
    assert "1 passed" in tests.stdout


def test_the_release_workflows_build_commands_run_as_written(tmp_path):
    """`.github/workflows/release.yml`'s `run:` steps (build, twine check, install and run the wheel)
    in a copy of the project's files: what a tag will do, short of the upload."""
    import os

    import yaml

    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "release.yml").read_text())
    steps = [s["run"] for s in workflow["jobs"]["build"]["steps"] if "run" in s]
    assert any("build" in s for s in steps) and any("twine check" in s for s in steps)
    source = tmp_path / "source"
    listed = run("git", "ls-files", "-co", "--exclude-standard", cwd=REPO)
    for name in listed.stdout.splitlines():
        if (REPO / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, source / name)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    for step in steps:
        out = subprocess.run(["bash", "-e", "-c", step], cwd=source, capture_output=True, text=True, timeout=900, env=env)
        assert out.returncode == 0, (step, out.stdout[-2000:], out.stderr[-2000:])
    assert len(list((source / "dist").glob("*.whl"))) == 1 and len(list((source / "dist").glob("*.tar.gz"))) == 1
