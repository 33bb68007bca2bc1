"""The portal's page cache and in-place rebuilds: whatever was reused, the site is the one a cold
build makes (byte for byte), and a change reaches every page it touches."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, REPO

EPOCH = {"SOURCE_DATE_EPOCH": "1700000000"}  # the footer's build time, fixed: builds are comparable


def build(sources: list[Path], out: Path, *extra: str) -> None:
    run = subprocess.run([sys.executable, "-m", "specmesh_docs", "portal", "build", *map(str, sources), "--out", str(out),
                          *extra], cwd=REPO, capture_output=True, text=True, timeout=300, env={**os.environ, **EPOCH})
    assert run.returncode == 0, run.stderr


def tree(site: Path) -> dict[str, bytes]:
    """Every file and folder (an empty folder a rebuild left behind counts), hidden ones aside."""
    return {str(p.relative_to(site)): p.read_bytes() if p.is_file() else b"(folder)"
            for p in sorted(site.rglob("*")) if not p.relative_to(site).parts[0].startswith(".")}


def assert_same_site(a: Path, b: Path) -> None:
    left, right = tree(a), tree(b)
    assert sorted(left) == sorted(right), set(left) ^ set(right)
    differ = [name for name in left if left[name] != right[name]]
    assert not differ, differ[:10]


@pytest.fixture
def estate(tmp_path) -> Path:
    copy = tmp_path / "estate"
    shutil.copytree(EXAMPLES, copy)
    return copy


def test_a_rebuild_after_changes_is_byte_identical_to_a_cold_build(estate, tmp_path):
    cache = tmp_path / "cache"
    build([estate], tmp_path / "site", "--cache", str(cache))
    spec = estate / "finance-campaign" / "finance-campaign-api.yaml"
    spec.write_text(spec.read_text().replace("  description: |\n", "  description: |\n    Changed for the test.\n", 1))
    (estate / "health-fitness" / "health-fitness-api.yaml").unlink()
    build([estate], tmp_path / "site", "--cache", str(cache))  # in place, from the cache
    build([estate], tmp_path / "cold", "--no-cache")
    assert_same_site(tmp_path / "site", tmp_path / "cold")
    page = (tmp_path / "site" / "products" / "finance.campaign" / "index.html").read_text()
    assert "Changed for the test." in page


def test_unchanged_pages_come_from_the_cache_and_the_cache_holds_one_site(estate, tmp_path):
    cache = tmp_path / "cache"
    build([estate], tmp_path / "site", "--cache", str(cache))
    entries = sorted((cache / "pages").rglob("*"))
    entries = [p for p in entries if p.is_file()]
    pages = sum(1 for _ in (tmp_path / "site").rglob("index.html")) - 1  # all but the Tags page (Markdown)
    assert len(entries) == pages
    poisoned = next(p for p in entries if "<title>finance.campaign._public.sale " in p.read_text())
    poisoned.write_text(poisoned.read_text().replace("Impact of a change", "Poisoned cache entry"))
    for out in ("again", "site"):  # into an empty folder, and in place
        build([estate], tmp_path / out, "--cache", str(cache))
        topic = (tmp_path / out / "topics" / "finance.campaign._public.sale" / "index.html").read_text()
        assert "Poisoned cache entry" in topic, f"{out}: an unchanged page is copied from the cache, not rendered"
    shutil.rmtree(cache)  # the user may delete it: the next build is cold and right
    build([estate], tmp_path / "after", "--cache", str(cache))
    assert "Poisoned cache entry" not in (tmp_path / "after" / "topics" / "finance.campaign._public.sale"
                                          / "index.html").read_text()


def test_a_template_change_reaches_the_pages_it_touches(estate, tmp_path):
    cache = tmp_path / "cache"
    overrides = tmp_path / "overrides"
    overrides.mkdir()
    template = overrides / "topic.html.j2"
    template.write_text('{% extends "specmesh/topic.html.j2" %}{% block access_request %}<p>Ask v1.</p>{% endblock %}')
    build([estate], tmp_path / "site", "--cache", str(cache), "--templates", str(overrides))
    template.write_text('{% extends "specmesh/topic.html.j2" %}{% block access_request %}<p>Ask v2.</p>{% endblock %}')
    build([estate], tmp_path / "site", "--cache", str(cache), "--templates", str(overrides))
    topic = (tmp_path / "site" / "topics" / "finance.campaign._public.sale" / "index.html").read_text()
    assert "Ask v2." in topic and "Ask v1." not in topic
    build([estate], tmp_path / "cold", "--no-cache", "--templates", str(overrides))
    assert_same_site(tmp_path / "site", tmp_path / "cold")


def test_a_folder_this_command_did_not_build_is_emptied_first(estate, tmp_path):
    site = tmp_path / "site"
    (site / "topics" / "stale").mkdir(parents=True)
    (site / "topics" / "stale" / "index.html").write_text("old")
    (site / ".git").mkdir()
    build([estate], site, "--no-cache")
    assert not (site / "topics" / "stale").exists() and (site / ".git").is_dir()
    assert (site / ".specmesh-portal").is_file(), "the next build may go in place"


def test_search_holds_each_topics_fields_and_tags_from_the_model(tmp_path):
    import json

    build([EXAMPLES], tmp_path / "site", "--no-cache")
    index = json.loads((tmp_path / "site" / "search" / "search_index.json").read_text())
    doc = next(d for d in index["docs"] if d["location"] == "topics/finance.campaign._public.sale/")
    assert doc["title"] == "finance.campaign._public.sale"
    assert "sale_id" in doc["text"].split() and "sales" in doc["tags"]
    assert not any(d["location"].startswith(("access/", "flows/")) for d in index["docs"]), "matrices and graphs are not searched"
