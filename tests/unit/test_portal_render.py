"""What the portal's pages say, read from the built HTML: links that are links, headings that are
headings, contacts that can be clicked, types that say what they are."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from specmesh_docs.portal.escape import contact
from specmesh_docs.portal.pages import Linker
from tests.conftest import EXAMPLES, REPO


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("portal") / "site"
    metrics = tmp_path_factory.mktemp("metrics") / "storage.json"
    metrics.write_text(json.dumps({"version": 1, "kind": "specmesh-storage", "bytes_include_replicas": True, "products": [
        {"domain": "finance.campaign", "spec": "", "topics": [{"name": "finance.campaign._public.sale", "exists": True,
                                                               "partitions": 1, "bytes": 1536, "records": 3}],
         "totals": {"bytes": 1536, "records": 3, "topics": 1}}], "totals": {"bytes": 1536, "records": 3, "topics": 1}}))
    run = subprocess.run([sys.executable, "-m", "specmesh_docs", "portal", "build", str(EXAMPLES), "--out", str(out),
                          "--metrics", str(metrics)], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    return out


def test_access_matrix_headers_are_links_to_the_topic_pages(site):
    overview = (site / "access" / "index.html").read_text()
    assert re.search(r'<a href="finance/">finance</a>', overview), "the overview links each domain's matrix"
    page = (site / "access" / "finance" / "index.html").read_text()
    assert "](" not in re.sub(r"<[^>]+>", "", page.split('class="md-content"')[1])  # no raw Markdown left
    href = re.search(r'<th><a href="([^"]+)">finance\.campaign\._public\.sale</a></th>', page).group(1)
    assert href == "../../topics/finance.campaign._public.sale/"
    assert (site / "access" / "finance" / href / "index.html").resolve().is_file()


def test_chargeback_gives_each_product_its_heading_and_readable_sizes(site):
    page = (site / "chargeback" / "index.html").read_text()
    headings = re.findall(r'<h2 id="[^"]*">.*?</h2>', page)
    assert len(headings) >= 2 and any("health.fitness" in h for h in headings), headings
    assert '<span title="1536 bytes">1.5 KiB</span>' in page


def test_product_pages_have_a_breadcrumb_and_clickable_contacts(site):
    page = (site / "products" / "finance.campaign" / "index.html").read_text()
    assert re.search(r'<a href="\.\./\.\./">Home</a> › <a href="\.\./\.\./domains/finance/">finance</a>', page), page[:0]
    assert re.search(r'<a href="mailto:[^"]+@acme\.example">', page)


def test_the_topic_page_names_the_business_domain_and_the_product(site):
    page = (site / "topics" / "finance.campaign._public.sale" / "index.html").read_text()
    facts = re.search(r"Domain <a href=\"[^\"]*domains/finance/\">finance</a> · data product "
                      r"<a href=\"[^\"]*products/finance\.campaign/\">finance\.campaign</a>", page)
    assert facts, "the business domain and the data product, each a link"


@pytest.mark.parametrize("info, expected", [
    ({"name": "Ops", "email": "ops@acme.example"}, 'Ops · <a href="mailto:ops@acme.example">ops@acme.example</a>'),
    ({"email": 'x@y.example" | <script>'}, "x@y.example&quot; | &lt;script&gt;"),
    ({"url": 'https://acme.example/a|b(c)'}, '<a href="https://acme.example/a|b(c)">https://acme.example/a|b(c)</a>'),
    ({"url": 'https://acme.example/"><script>'}, "https://acme.example/&quot;&gt;&lt;script&gt;"),
    ({"url": "javascript:alert(1)"}, "javascript:alert(1)"),
])
def test_contacts_link_only_mailto_and_https_and_escape_the_rest(info, expected):
    assert str(contact(info)) == expected


@pytest.mark.parametrize("page, target, url", [
    ("access.md", "topics/a.b.md", "../topics/a.b/"),
    ("index.md", "topics/a.md", "topics/a/"),
    ("products/x.md", "index.md", "../../"),
    ("products/x.md", "products/x.md", "./"),
])
def test_raw_html_links_use_the_site_urls(page, target, url):
    assert Linker(page).url(target) == url


def test_all_of_types_are_named_not_any(tmp_path):
    from specmesh_docs.model.schemas import json_schema_fields
    from specmesh_docs.errors import Position

    doc = {"type": "object", "properties": {"address": {"allOf": [{"type": "object", "properties": {"city": {"type": "string"}}},
                                                                  {"required": ["city"]}]}}}
    fields, _ = json_schema_fields(doc, lambda n: n, Position("x"))
    assert {f.name: f.type for f in fields}["address"] == "object"


def test_every_page_says_when_and_from_which_commit_it_was_built(site):
    import subprocess

    commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=EXAMPLES, capture_output=True,
                            text=True).stdout.strip()
    for page in ("index.html", "access/index.html", "products/finance.campaign/index.html"):
        footer = (site / page).read_text().split('class="md-copyright"')[1]
        assert re.search(r"Built \d{4}-\d\d-\d\d \d\d:\d\d UTC by specmesh [0-9.]+\S* from examples@" + commit, footer), footer[:300]


def test_the_owners_page_lists_each_owner_with_products_pii_and_problems(site):
    page = (site / "owners" / "index.html").read_text()
    rows = re.findall(r"<tr>\s*<td>(.*?)</td>\s*<td>(.*?)</td>\s*<td>(.*?)</td>\s*<td>(\d+)</td>\s*<td>(\d+)</td>", page, re.S)
    assert len(rows) >= 4, page[:500]
    assert all("mailto:" in contact_cell or "https://" in contact_cell or not contact_cell.strip()
               for _, contact_cell, _, _, _ in rows)
    assert any("products/finance.campaign/" in products for _, _, products, _, _ in rows)
    assert any(int(pii) > 0 for *_, pii in rows)


def test_an_owner_from_x_owner_wins_and_is_escaped(tmp_path):
    import shutil

    (tmp_path / ".git").mkdir()
    shutil.copytree(EXAMPLES / "finance-campaign", tmp_path / "fc")
    spec = tmp_path / "fc" / "finance-campaign-api.yaml"
    spec.write_text(spec.read_text().replace("info:\n", "x-owner: '<img src=x onerror=alert(1)> Payments'\ninfo:\n", 1))
    out = tmp_path / "site"
    run = subprocess.run([sys.executable, "-m", "specmesh_docs", "portal", "build", str(tmp_path), "--out", str(out)],
                         cwd=REPO, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    page = (out / "owners" / "index.html").read_text()
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert\\(1\\)&gt; Payments" not in page
    assert "&lt;img src=x onerror=alert(1)&gt; Payments" in page


def test_a_topic_page_says_who_a_change_would_break(site):
    page = (site / "topics" / "finance.campaign._public.sale" / "index.html").read_text()
    section = page.split('id="impact-of-a-change"')[1].split("<h2")[0]
    assert "Read today by 2 subscribing data product(s)" in section, section[:400]
    assert "products/health.life_enhancer/" in section and "products/retail.checkout/" in section
    assert "<strong>all subscribers</strong>" in section


def build(sources: list[str], out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "specmesh_docs", "portal", "build", *sources, "--out", str(out), *extra],
                          cwd=REPO, capture_output=True, text=True, timeout=300)


def test_the_repos_site_templates_override_one_page_and_keep_the_rest(tmp_path):
    run = build([str(EXAMPLES)], tmp_path / "site", "--templates", str(REPO / "site_templates"))
    assert run.returncode == 0, run.stderr
    protected = (tmp_path / "site" / "topics" / "finance.campaign._protected.campaign-budget" / "index.html").read_text()
    public = (tmp_path / "site" / "topics" / "finance.campaign._public.sale" / "index.html").read_text()
    assert "Questions about access to finance.campaign" in protected  # the override's line
    assert "specmesh request-access finance.campaign._protected.campaign-budget --for DOMAIN" in protected  # super()
    assert "Questions about access" not in public and "Request access" not in public
    assert 'id="impact-of-a-change"' in public  # the rest: packaged


def test_an_overridden_template_still_escapes_hostile_values(tmp_path):
    overrides = tmp_path / "overrides"
    overrides.mkdir()
    (overrides / "product.html.j2").write_text(
        '{% extends "specmesh/product.html.j2" %}{% block nothing %}{% endblock %}')
    (overrides / "domain.html.j2").write_text(
        "<h1>Team page</h1>\n{% for p in products %}"
        "<p title=\"{{ p.info.title }}\">Owner says: {{ p.info.title }} / {{ p.info.description }}</p>\n{% endfor %}\n")
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "evil-api.yaml").write_text(
        "asyncapi: '2.6.0'\nid: 'urn:evil.corp'\ninfo:\n  title: '<script>window.__pwned=1</script>'\n"
        "  version: '1'\n  description: '[x](javascript:alert(1)) <img src=x onerror=alert(2)>'\nchannels: {}\n")
    run = build([str(repo)], tmp_path / "site", "--templates", str(overrides))
    assert run.returncode == 0, run.stderr
    page = (tmp_path / "site" / "domains" / "evil" / "index.html").read_text()
    assert "Team page" in page
    assert "<script>window.__pwned" not in page and "<img src=x" not in page and 'href="javascript' not in page
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page


def test_a_markdown_template_of_the_old_contract_is_refused_by_name(tmp_path):
    overrides = tmp_path / "overrides"
    overrides.mkdir()
    (overrides / "topic.md.j2").write_text('{% extends "specmesh/topic.md.j2" %}')
    run = build([str(EXAMPLES)], tmp_path / "site", "--templates", str(overrides))
    assert run.returncode == 2 and "Traceback" not in run.stderr, run.stderr
    assert f"{overrides / 'topic.md.j2'}:1:1:" in run.stderr and "topic.html.j2" in run.stderr
    assert not (tmp_path / "site").exists()


def test_templates_in_portal_yaml_count_from_the_file_and_a_missing_directory_is_positioned(tmp_path):
    config = tmp_path / "portal.yaml"
    config.write_text(f"sources: [{EXAMPLES}]\ntemplates: overrides\n")
    run = build([], tmp_path / "site", "--config", str(config))
    assert run.returncode == 2 and f"{config}:2:" in run.stderr and "templates directory" in run.stderr
    (tmp_path / "overrides").mkdir()
    (tmp_path / "overrides" / "topic.html.j2").write_text((REPO / "site_templates" / "topic.html.j2").read_text())
    run = build([], tmp_path / "site", "--config", str(config))
    assert run.returncode == 0, run.stderr
    assert "Questions about access" in (tmp_path / "site" / "topics" / "finance.campaign._protected.campaign-budget"
                                        / "index.html").read_text()


@pytest.mark.parametrize("as_url", [False, True], ids=["directory", "git URL"])
def test_a_git_source_gives_each_product_its_history_and_the_estate_recent_changes(tmp_path, monkeypatch, as_url):
    """Three commits: the spec, a topic added, an incompatible schema; the same rules as `specmesh diff`.
    The same for the repository given as a directory and as a `file://` git URL (cloned: a shallow
    clone showed one row)."""
    from tests.unit.test_diff import ORDER, commit, git, write

    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    write(repo)
    commit(repo, "first")
    write(repo, extra="  _public.refund:\n    bindings: {kafka: {partitions: 1}}\n    publish:\n      operationId: "
                      "publishRefund\n      summary: Refunds.\n      message: {payload: {type: object}}\n", version="1.1.0")
    commit(repo, "add refunds")
    write(repo, version="1.2.0", schema={**ORDER, "fields": ORDER["fields"] + [{"name": "branch", "type": "string"}]})
    commit(repo, "branch without a default")
    if as_url:
        monkeypatch.setenv("SPECMESH_CACHE", str(tmp_path / "cache"))
        monkeypatch.setenv("SPECMESH_GIT_ALLOW_FILE", "1")
    run = build([f"file://{repo}" if as_url else str(repo)], tmp_path / "site")
    assert run.returncode == 0, run.stderr
    product = (tmp_path / "site" / "products" / "acme.orders" / "index.html").read_text()
    history = re.sub(r"<[^>]+>", " ", product.split('id="history"')[1].split("<h2")[0])
    assert "1.2.0" in history and "1.1.0" in history and "1.0.0" in history
    assert "READER_FIELD_MISSING_DEFAULT_VALUE" in history and "topic acme.orders._public.refund removed" in history
    assert "data product acme.orders added" in history
    changes = (tmp_path / "site" / "changes" / "index.html").read_text()
    rows = re.findall(r"<tr>(.*?)</tr>", changes, re.S)[1:]
    assert 'smd-badge smd-private">breaking' in rows[0]  # the newest commit, breaking first
    assert len(rows) >= 4


def test_schemas_read_as_people_read_them_with_the_raw_source_beside(site):
    page = (site / "topics" / "health.fitness._protected.workout" / "index.html").read_text()
    sections = [part.split("</details>")[0] for part in page.split('class="smd-raw"')[1:]]
    assert len(sections) == 2 and all("<summary>Raw schema" in s and 'class="smd-source"' in s for s in sections)
    assert "health.fitness.Workout.avsc" in sections[1] and "WorkoutKind" in sections[1]
    index = json.loads((site / "search" / "search_index.json").read_text())
    doc = next(d for d in index["docs"] if d["location"] == "topics/health.fitness._protected.workout/")
    assert "WorkoutKind" not in doc["text"] and "GPS route" not in doc["text"], "search holds fields, not raw schemas"


@pytest.mark.parametrize("avro_type, shown", [
    ({"type": "long", "logicalType": "timestamp-millis"}, "timestamp (ms)"),
    ({"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2}, "decimal(10, 2)"),
    (["null", "string"], "string (optional)"),
    (["null", "string", "int"], "null | string | int"),
    ({"type": "int", "logicalType": "date"}, "date"),
])
def test_avro_types_are_named_as_people_read_them(tmp_path, avro_type, shown):
    from specmesh_docs.model import load_spec

    (tmp_path / ".git").mkdir()
    spec = tmp_path / "x-api.yaml"
    spec.write_text("asyncapi: '2.6.0'\nid: 'urn:acme.x'\ninfo: {title: X, version: '1'}\nchannels:\n  _public.a:\n"
                    "    publish:\n      message:\n        schemaFormat: application/vnd.apache.avro+json;version=1.9.0\n"
                    f"        payload: {json.dumps({'type': 'record', 'name': 'R', 'fields': [{'name': 'f', 'type': avro_type}]})}\n")
    [field] = load_spec(str(spec)).topics[0].value.fields
    assert field.type == shown


def test_protobuf_maps_and_oneofs_are_fields_with_readable_types():
    from specmesh_docs.errors import Position
    from specmesh_docs.model.schemas import protobuf_schema

    schema = protobuf_schema('syntax = "proto3";\npackage a;\nmessage M {\n  map<string, int64> counts = 1;\n'
                             '  oneof payment { string card = 2; string iban = 3; }\n}\n', "x.proto", Position("x"))
    assert [(f.name, f.type) for f in schema.fields] == [
        ("counts", "map<string, int64>"), ("card", "string (one of payment)"), ("iban", "string (one of payment)")]


def test_search_finds_topics_and_products_not_graph_source_or_matrix_cells(site):
    index = json.loads((site / "search" / "search_index.json").read_text())
    locations = {d["location"].split("#")[0] for d in index["docs"]}
    assert "topics/finance.campaign._public.sale/" in locations and "products/finance.campaign/" in locations
    assert not {loc for loc in locations if loc.startswith(("flows/", "access/"))}, locations
