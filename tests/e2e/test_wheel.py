"""The adopter's path: the wheel (and sdist) built, checked, installed into a fresh venv outside the
checkout, and used from a directory that is not the repository."""

from __future__ import annotations

import json
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


def test_the_installed_wheel_works_outside_the_checkout(dist: Path, kafka, tmp_path):
    venv = tmp_path / "venv"
    assert run(sys.executable, "-m", "venv", venv, cwd=tmp_path).returncode == 0
    wheel = next(dist.glob("*.whl"))
    installed = run(venv / "bin" / "pip", "install", "-q", "--disable-pip-version-check", f"{wheel}[all]", cwd=tmp_path)
    assert installed.returncode == 0, installed.stderr[-3000:]
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
    assert "+ create topic finance.campaign._public.sale" in plan.stdout or "= " in plan.stdout
    assert "Plan: " in plan.stdout
