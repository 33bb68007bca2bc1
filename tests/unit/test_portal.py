"""Portal generation without a browser: escaping, sources (dirs, git, portal.yaml), plain mkdocs build."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from specmesh_docs.portal.escape import code, h, mermaid_label, one_line, safe_url
from tests.conftest import EXAMPLES, REPO


def specmesh(*args: str, env: dict | None = None, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "specmesh_docs", *args], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, **(env or {})}, timeout=300)


@pytest.mark.parametrize("text, expected", [
    ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    ('"><img src=x onerror=alert(1)>', "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"),
    ("it's & <b>", "it&#x27;s &amp; &lt;b&gt;"),
])
def test_user_text_is_escaped_for_html_text_and_attributes(text, expected):
    assert str(h(text)) == expected


def test_one_line_folds_newlines_and_runs_of_space():
    assert one_line("a |\n  b\tc") == "a | b c" and one_line(None) == ""


def test_a_code_block_cannot_be_closed_by_its_content():
    block = str(code("x\n</code></pre><script>alert(1)</script>", "json"))
    assert block.startswith('<pre><code class="language-json">') and block.endswith("</code></pre>")
    assert "<script>" not in block and block.count("</code></pre>") == 1


def test_mermaid_labels_and_urls():
    assert mermaid_label('a"]; click x "javascript:1') == "a#34;#93;#59; click x #34;javascript#58;1"
    assert safe_url("https://git.example/acme/x/blob/main/") and safe_url("javascript:alert(1)") is None


def test_build_writes_pages_and_catalog(tmp_path):
    out = tmp_path / "site"
    run = specmesh("portal", "build", str(EXAMPLES), "--out", str(out))
    assert run.returncode == 0, run.stderr
    catalog = json.loads((out / "catalog.json").read_text())
    assert {p["domain"] for p in catalog["products"]} == {"finance.campaign", "health.fitness", "health.life_enhancer",
                                                          "platform.control_plane", "retail.checkout"}
    topics = {t["name"]: t for t in catalog["topics"]}
    assert topics["health.fitness._protected.workout"]["readers"] == ["health.fitness", "health.life_enhancer"]
    assert topics["finance.campaign._public.sale"]["readers"] == ["*"]
    for name in topics:
        assert (out / "topics" / name / "index.html").is_file()
    assert (out / "specs" / "retail.checkout" / "retail-checkout-api.yaml").is_file()
    html = (out / "index.html").read_text()
    assert "fonts.googleapis.com" not in html and "unpkg.com" not in html and "cdn" not in html.lower()


def test_plain_mkdocs_build_with_the_repo_config(tmp_path):
    run = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-d", str(tmp_path / "site")], cwd=REPO,
                         capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"}, timeout=300)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "site" / "topics" / "retail.checkout._public.order-placed" / "index.html").is_file()
    assert (tmp_path / "site" / "catalog.json").is_file()


def test_portal_config_with_links_and_metrics(tmp_path):
    storage = {"version": 1, "kind": "specmesh-storage", "bytes_include_replicas": True, "totals": {},
               "products": [{"domain": "finance.campaign", "topics": [
                   {"name": "finance.campaign._public.sale", "exists": True, "partitions": 12, "bytes": 4096,
                    "records": 17}], "totals": {}}]}
    (tmp_path / "storage.json").write_text(json.dumps(storage))
    shutil.copytree(EXAMPLES / "finance-campaign", tmp_path / "repos" / "finance")
    (tmp_path / "portal.yaml").write_text(  # relative paths count from portal.yaml, not from where we run
        "title: Finance portal\nsources:\n"
        "  - path: repos/finance\n    link: https://git.example/acme/finance/blob/main/\n"
        "metrics: [storage.json]\n")
    out = tmp_path / "site"
    run = specmesh("portal", "build", "--config", str(tmp_path / "portal.yaml"), "--out", str(out), cwd=REPO)
    assert run.returncode == 0, run.stderr
    product = (out / "products" / "finance.campaign" / "index.html").read_text()
    assert 'href="https://git.example/acme/finance/blob/main/finance-campaign-api.yaml"' in product
    chargeback = (out / "chargeback" / "index.html").read_text()
    assert "4096" in chargeback and "17" in chargeback


@pytest.mark.parametrize("text, message", [
    ("title: x\nsourcez: [a]\n", "portal.yaml:2:1: error: unknown portal config key 'sourcez'"),
    ("sources:\n  - a\n  - {path: b, git: c}\n", "portal.yaml:3:5: error: a source is a directory, a git URL"),
    ("site_url: 'javascript://x/%0awindow.__pwned=1'\n", "portal.yaml:1:1: error: site_url must be an http:// or https://"),
    ("site_url: 'https://portal.example/\" onload=\"x'\n", "portal.yaml:1:1: error: site_url must be"),
    ("site_url: 'https://user:token@portal.example/'\n", "portal.yaml:1:1: error: site_url must be"),
    ("title: [a, b]\n", "portal.yaml:1:1: error: title must be text"),
])
def test_portal_config_errors_are_positioned(tmp_path, text, message):
    (tmp_path / "portal.yaml").write_text(text)
    run = specmesh("portal", "build", "--config", str(tmp_path / "portal.yaml"), "--out", str(tmp_path / "s"))
    assert run.returncode == 2 and message in run.stderr


def test_git_source_is_cloned_at_a_ref_and_named_as_given(tmp_path):
    """Pages, catalog.json and the build stamp name the source as given (URL#ref), never the build
    machine's cache folder (`.../specmesh_docs/repos/<hash>/...`)."""
    repo = tmp_path / "retail"
    shutil.copytree(EXAMPLES / "retail-checkout", repo)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    for cmd in (["init", "-q", "-b", "main"], ["add", "."], ["commit", "-qm", "spec"], ["tag", "v1"]):
        subprocess.run([*git, *cmd], cwd=repo, check=True, capture_output=True)
    out = tmp_path / "site"
    run = specmesh("portal", "build", f"file://{repo}#v1", "--out", str(out),
                   env={"SPECMESH_CACHE": str(tmp_path / "cache"), "SPECMESH_GIT_ALLOW_FILE": "1"})
    assert run.returncode == 0, run.stderr
    assert (out / "topics" / "retail.checkout._public.order-placed" / "index.html").is_file()
    clones = list((tmp_path / "cache" / "repos").iterdir())
    assert clones
    for page in out.rglob("*"):
        if page.suffix in (".html", ".json"):
            text = page.read_text(errors="replace")
            assert clones[0].name not in text and "cache/repos" not in text, page
    assert f"file://{repo}#v1/retail-checkout-api.yaml" in (out / "catalog.json").read_text()
    assert f"from file://{repo}#v1@" in (out / "index.html").read_text()


def test_a_broken_spec_in_a_source_is_listed_and_the_rest_is_built(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(EXAMPLES / "retail-checkout", repo)
    (repo / ".git").mkdir()
    (repo / "broken-api.yaml").write_text("asyncapi: '2.6.0'\nid: [unclosed\n")
    run = specmesh("portal", "build", str(repo), "--out", str(tmp_path / "site"))
    assert run.returncode == 0 and "broken-api.yaml:3:1: invalid YAML" in run.stderr and "Traceback" not in run.stderr
    problems = (tmp_path / "site" / "problems" / "index.html").read_text()
    assert "Specs that could not be read" in problems and "broken-api.yaml:3:1" in problems
    assert str(tmp_path) not in problems and "../" not in problems.split("could not be read")[1].split("</table>")[0]
    assert (tmp_path / "site" / "topics" / "retail.checkout._public.order-placed" / "index.html").is_file()


def test_serve_gives_a_live_preview(tmp_path):
    import socket
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "specmesh_docs", "portal", "serve", str(EXAMPLES), "--dev-addr",
                             f"127.0.0.1:{port}"], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=dict(os.environ, TMPDIR=str(scratch)))
    try:
        deadline, body = time.time() + 60, ""
        while time.time() < deadline and "health.fitness" not in body:
            try:
                body = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).read().decode()
            except OSError:
                time.sleep(0.3)
        assert "health.fitness" in body
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert list(scratch.iterdir()) == []  # stopped (SIGTERM) as by Ctrl-C: no temporary site left behind


@pytest.mark.parametrize("content", [
    '{"kind": "specmesh-storage", "products": "x"}',
    '{"kind": "specmesh-storage", "products": [{"topics": [{"name": 1}]}]}',
    '{"kind": "specmesh-storage", "products": [{"topics": [{"name": "a", "bytes": "many"}]}]}',
    '{"kind": "specmesh-consumption", "products": [{"topics": [{"name": "a", "consumer_groups": [1]}]}]}',
    '[1, 2]',
])
def test_a_malformed_metrics_file_is_a_positioned_error(tmp_path, content):
    (tmp_path / "m.json").write_text(content)
    run = specmesh("portal", "build", str(EXAMPLES), "--out", str(tmp_path / "site"), "--metrics", str(tmp_path / "m.json"))
    assert run.returncode == 2 and "m.json:1:1: error: not the output of" in run.stderr and "Traceback" not in run.stderr


def test_descriptions_render_as_sanitised_markdown(tmp_path):
    """Headings, lists and emphasis render; raw HTML shows as text; only http(s)/mailto links link."""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "md-api.yaml").write_text("""asyncapi: '2.6.0'
id: 'urn:md.demo'
info:
  title: MD
  version: '1.0.0'
  description: |
    ### Check out its features

    * Turn a light **on**
    * Dim it

    [safe](https://example.com) [bad](javascript:alert(1)) <img src=x onerror=alert(2)> [m](mailto:a@b.example)
channels: {}
""")
    run = specmesh("portal", "build", str(repo), "--out", str(tmp_path / "site"))
    assert run.returncode == 0, run.stderr
    page = (tmp_path / "site" / "products" / "md.demo" / "index.html").read_text()
    body = page.split('class="smd-description"')[1].split("</div>")[0]
    assert "<h3>Check out its features</h3>" in body and "<li>Turn a light <strong>on</strong></li>" in body
    assert '<a href="https://example.com">safe</a>' in body and '<a href="mailto:a@b.example">m</a>' in body
    assert "javascript:" not in body.replace("[bad](javascript:alert(1))", "") and "<img" not in body
    assert "&lt;img src=x onerror=alert(2)&gt;" in body


def portal_of_one_spec(tmp_path: Path, name: str, text: str) -> Path:
    """A repository holding one spec, built into a portal (exit 0 asserted); returns the site."""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / name).write_text(text)
    run = specmesh("portal", "build", str(repo), "--out", str(tmp_path / "site"))
    assert run.returncode == 0, run.stderr
    return tmp_path / "site"


def test_the_pii_map_lists_suspected_fields_apart_from_declared_ones(tmp_path):
    site = portal_of_one_spec(tmp_path, "crm-api.yaml", """asyncapi: '2.6.0'
id: 'urn:acme.crm'
info: {title: CRM, version: '1'}
channels:
  _protected.customers:
    publish:
      operationId: c
      message:
        payload:
          type: object
          properties:
            email: {type: string}
            nickname: {type: string}
            home_address: {type: string, x-pii: true}
""")
    page = (site / "pii" / "index.html").read_text()
    declared, suspected = page.split('<h2 id="not-marked-pii-but-named-like-personal-data"', 1)
    assert "<td>home_address</td>" in declared and "<td>email</td>" not in declared
    assert "<td>email</td>" in suspected and "nickname" not in suspected and "home_address" not in suspected


def test_two_specs_claiming_one_domain_each_get_a_page(tmp_path):
    repo = tmp_path / "repo"
    for folder, title in (("a", "First"), ("b", "Second")):
        (repo / folder).mkdir(parents=True)
        (repo / folder / "asyncapi.yaml").write_text(
            f"asyncapi: '2.6.0'\nid: 'urn:acme.same'\ninfo: {{title: {title}, version: '1'}}\nchannels: {{}}\n")
    (repo / ".git").mkdir()
    run = specmesh("portal", "build", str(repo), "--out", str(tmp_path / "site"))
    assert run.returncode == 0, run.stderr
    first = (tmp_path / "site" / "products" / "acme.same" / "index.html").read_text()
    second = (tmp_path / "site" / "products" / "acme.same~2" / "index.html").read_text()
    assert ">First<" in first and ">Second<" in second
    assert len(list((tmp_path / "site" / "specs").glob("acme.same*/asyncapi.yaml"))) == 2
    assert "Domains claimed by more than one spec" in (tmp_path / "site" / "problems" / "index.html").read_text()


def test_finished_html_pages_escape_every_value(tmp_path):
    """Pages are HTML templates with no Markdown pass: every value is escaped by the renderer, in
    text and in attributes, and text that looks like an internal marker stays text."""
    site = portal_of_one_spec(tmp_path, "evil-api.yaml", """asyncapi: '2.6.0'
id: 'urn:evil.corp'
info: {title: Evil, version: '1'}
channels:
  _public.things:
    bindings: {kafka: {partitions: 1, configs: {'x.<b>': '<script>window.__pwned=1</script>'}}}
    publish:
      summary: smd-block-0000000000000000-0
      description: smd-block-0000000000000000-0
      message:
        payload:
          type: object
          properties:
            '<img src=x onerror=alert(1)>': {type: string, description: '</td></tr></table><script>alert(2)</script>'}
""")
    page = (site / "topics" / "evil.corp._public.things" / "index.html").read_text()
    assert "<script>" not in page.split("<article")[1].split("</article>")[0]
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in page
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page and "x.&lt;b&gt;" in page
    assert "smd-block-0000000000000000-0" in page  # shown as the text it is
