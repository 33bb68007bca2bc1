"""The CLI as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import EXAMPLE_SPECS, EXAMPLES, REPO


def specmesh(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "specmesh_docs", *args], capture_output=True, text=True, cwd=REPO)


def test_version_and_help():
    assert specmesh("--version").stdout.startswith("specmesh ")
    out = specmesh("--help")
    assert out.returncode == 0 and "show" in out.stdout and "flatten" in out.stdout


def test_show_json_on_every_example():
    for spec in EXAMPLE_SPECS:
        out = specmesh("show", "--json", str(spec))
        assert out.returncode == 0, out.stderr
        doc = json.loads(out.stdout)
        assert doc["domain"] and doc["topics"] and doc["owner_principal"] == f"User:{doc['domain']}"


def test_show_text_and_flatten():
    spec = str(EXAMPLES / "finance-campaign/finance-campaign-api.yaml")
    out = specmesh("show", spec)
    assert out.returncode == 0 and "owns     finance.campaign._public.sale" in out.stdout
    flat = specmesh("flatten", spec)
    assert flat.returncode == 0 and "  finance.campaign._public.sale:" in flat.stdout


def test_loading_imports_nothing_heavy():
    code = ("import sys; from specmesh_docs.cli import main; "
            f"main(['show', '--json', {str(EXAMPLES / 'health-fitness/health-fitness-api.yaml')!r}]); "
            "heavy = [m for m in ('confluent_kafka', 'jinja2', 'mkdocs', 'jsonschema') if m in sys.modules]; "
            "print('HEAVY', heavy, file=sys.stderr)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "HEAVY []" in out.stderr, out.stderr
