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


def test_a_huge_blob_in_history_costs_its_name_not_its_bytes(tmp_path):
    """200 MiB of zeros committed as a .json file (a few hundred KiB in git): reading that commit
    (diff's BASE, the portal's history) never holds it in memory (`git archive` streamed it whole)."""
    import shutil

    from tests.conftest import EXAMPLES

    repo = tmp_path / "repo"
    shutil.copytree(EXAMPLES / "retail-checkout", repo)
    with open(repo / "big.json", "wb") as big:
        big.truncate(200 * 1024 * 1024)
    git = ["git", "-c", "user.email=t@acme.example", "-c", "user.name=t", "-c", "core.bigFileThreshold=1m"]
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "with a big blob"]):
        subprocess.run([*git, *args], cwd=repo, check=True, capture_output=True)
    (repo / "big.json").unlink()
    probe = ("import resource, subprocess, sys; "
             "out = subprocess.run([sys.executable, '-m', 'specmesh_docs', 'diff', 'main'], capture_output=True); "
             "print(out.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)")
    out = subprocess.run([sys.executable, "-c", probe], cwd=repo, capture_output=True, text=True, timeout=120,
                         env={"PATH": "/usr/bin:/bin", "HOME": str(repo)})
    code, peak_mib = map(int, out.stdout.split())
    assert code in (0, 1) and peak_mib < 150, (code, peak_mib, out.stderr)


CATALOG = '{"version": 1, "products": []}'


def test_a_catalogue_redirect_is_checked_at_every_hop(tmp_path):
    """http:// is for loopback names only (127.0.0.1, ::1, localhost): 127.0.0.2, given directly,
    is refused, and so it is behind a redirect (before: followed)."""
    from tests.hostile_servers import body, redirect, serve

    (tmp_path / "x-api.yaml").write_text("asyncapi: '2.6.0'\nid: 'urn:acme.x'\ninfo: {title: X, version: '1'}\nchannels: {}\n")
    with serve({"/catalog.json": body(CATALOG)}, host="127.0.0.2") as other:
        direct = specmesh("lint", "x-api.yaml", "--catalog", f"{other}/catalog.json", cwd=tmp_path)
        assert direct.returncode == 2 and "only https://" in direct.stderr, direct.stderr
        with serve({"/catalog.json": redirect(f"{other}/catalog.json")}) as first:
            hop = specmesh("lint", "x-api.yaml", "--catalog", f"{first}/catalog.json", cwd=tmp_path)
    assert hop.returncode == 2 and "redirects to" in hop.stderr and "refused" in hop.stderr, hop.stderr


def test_a_catalogue_that_drips_is_cut_off_at_the_total_deadline(tmp_path):
    import os
    import time

    from tests.hostile_servers import drip, serve

    (tmp_path / "x-api.yaml").write_text("asyncapi: '2.6.0'\nid: 'urn:acme.x'\ninfo: {title: X, version: '1'}\nchannels: {}\n")
    with serve({"/catalog.json": drip(CATALOG.encode(), every=0.5)}) as url:
        start = time.monotonic()
        out = subprocess.run([sys.executable, "-m", "specmesh_docs", "lint", "x-api.yaml", "--catalog",
                              f"{url}/catalog.json"], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                             env={"PATH": os.environ["PATH"], "HOME": str(tmp_path), "SPECMESH_CATALOG_TIMEOUT": "2"})
        took = time.monotonic() - start
    assert out.returncode == 2 and "within 2 s" in out.stderr and took < 8, (took, out.stderr)


def test_backstage_inlining_of_a_ref_fan_out_stops_at_the_node_budget(tmp_path):
    """25 levels of files, each referencing the next twice: 2^25 copies if inlined naively (before:
    ran until killed)."""
    import json
    import time

    levels = 25
    (tmp_path / "schema").mkdir()
    for i in range(levels):
        nxt = {"$ref": f"l{i + 1}.json"}
        (tmp_path / "schema" / f"l{i}.json").write_text(json.dumps({"type": "object", "properties": {"a": nxt, "b": nxt}}))
    (tmp_path / "schema" / f"l{levels}.json").write_text(json.dumps({"type": "string"}))
    (tmp_path / "x-api.yaml").write_text(
        "asyncapi: '2.6.0'\nid: 'urn:acme.x'\ninfo: {title: X, version: '1'}\nchannels:\n  _public.t:\n"
        "    publish:\n      operationId: p\n      message:\n        payload: {$ref: 'schema/l0.json#/properties/a'}\n")
    start = time.monotonic()
    out = subprocess.run([sys.executable, "-m", "specmesh_docs", "catalog", "export", ".", "--format", "backstage",
                          "--out", "cat"], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                         env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert out.returncode == 0 and "inline to more than" in out.stderr and time.monotonic() - start < 60, out.stderr


SAMPLE_SPEC = """asyncapi: '2.6.0'
id: 'urn:acme.bomb'
info: {{title: B, version: '1'}}
channels:
  _public.t:
    publish:
      operationId: p
      message:
        schemaFormat: {fmt}
        payload: {payload}
"""
AVRO_FMT = "application/vnd.apache.avro+json;version=1.9.0"
PROTO_FMT = "application/vnd.google.protobuf;version=3"
JSON_FMT = "application/schema+json;version=draft-07"


def _fan_out(levels: int, key: str) -> str:
    import json

    defs = {f"L{i}": {"type": "object", "required": ["a", "b"], "properties": {
        "a": {"$ref": f"#/definitions/L{i + 1}"}, "b": {"$ref": f"#/definitions/L{i + 1}"}}} for i in range(levels)}
    defs[f"L{levels}"] = {"type": "string"}
    return json.dumps({"$ref": "#/definitions/L0", "definitions": defs})


@pytest.mark.parametrize("fmt, files, why", [
    (JSON_FMT, {"s.json": '{"type": "object", "required": ["s"], "properties": {"s": {"type": "string", "minLength": 2000000000}}}'},
     "minLength"),
    (JSON_FMT, {"s.json": '{"type": "array", "minItems": 2000000000, "items": {"type": "string"}}'}, "minItems"),
    (AVRO_FMT, {"s.avsc": '{"type": "record", "name": "R", "fields": [{"name": "f", "type": {"type": "fixed", '
                          '"name": "F", "size": 3000000000}}]}'}, "size"),
    (AVRO_FMT, {"s.avsc": '{"type": "record", "name": "R", "fields": [{"name": "next", "type": "R"}]}'}, "deeper than"),
    (JSON_FMT, {"s.json": _fan_out(22, "a")}, "expands to more than"),  # the loader's own budget: a problem
    (JSON_FMT, {"s.json": _fan_out(12, "a")}, "values (shared or repeated parts multiply)"),  # --max-nodes 1000
    (AVRO_FMT, {"s.avsc": '{"type": "record", "name": "R", "fields": [' + ",".join(
        f'{{"name": "f{i}", "type": {{"type": "array", "items": {{"type": "array", "items": {{"type": "array", '
        f'"items": {{"type": "map", "values": "string"}}}}}}}}}}' for i in range(400)) + ']}'}, None),
    (PROTO_FMT, {"s.proto": 'syntax = "proto3";\nmessage M {\n  repeated M a = 1;\n  repeated M b = 2;\n  string s = 3;\n}\n'},
     None),
    (JSON_FMT, {"s.json": '{"type": "string", "pattern": "\\\\p{L}+"}'}, None),
    (JSON_FMT, {"s.json": '{"type": "string", "pattern": "(x+x+)+y"}'}, None),
    (JSON_FMT, {"s.json": '{"type": "string", "pattern": "(a)\\\\1"}'}, "RE2"),
    (JSON_FMT, {"s.json": '{"type": "string", "minLength": "many", "maxLength": null}'}, None),
])
def test_sample_on_schema_bombs_ends_with_a_record_or_a_reason(tmp_path, fmt, files, why):
    import time

    for name, text in files.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "b-api.yaml").write_text(SAMPLE_SPEC.format(fmt=fmt, payload="{$ref: '%s'}" % next(iter(files))))
    start = time.monotonic()
    out = subprocess.run(["bash", "-c", f"ulimit -v 2000000; exec {sys.executable} -m specmesh_docs sample b-api.yaml "
                                        "-n 3 --boundary --max-nodes 1000"], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                         env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert time.monotonic() - start < 30
    assert out.returncode in (0, 2) and "internal error" not in out.stderr and "Traceback" not in out.stderr, out.stderr
    if why:
        assert out.returncode == 2 and why in out.stderr, out.stderr


PARENT = """asyncapi: '2.6.0'
id: 'urn:finance'
info: {title: Spoof, version: '1', contact: {name: Mallory, email: mallory@evil.example}, x-owner: Campaign finance}
channels:
  campaign._public.sale:
    bindings: {kafka: {partitions: 1}}
    publish:
      operationId: spoof
      summary: Not theirs.
      message: {payload: {type: object, properties: {id: {type: string}}}}
"""
CHILD = """asyncapi: '2.6.0'
id: 'urn:finance.campaign'
info: {title: Campaign, version: '1', contact: {name: Carol, email: carol@acme.example}, x-owner: Campaign finance}
channels:
  _public.sale:
    bindings: {kafka: {partitions: 3}}
    publish:
      operationId: sale
      summary: Sales.
      message: {payload: {type: object, properties: {id: {type: string}}}}
"""


def test_a_parent_domain_claiming_a_childs_topic_never_becomes_its_owner_anywhere(tmp_path):
    """`urn:finance` owning `campaign._public.sale` is `finance.campaign._public.sale`: the portal's
    topic page, catalog.json, Backstage and DataHub all give it to finance.campaign (the longest
    domain, as provisioning decides), and the spoofer's contact never lands on the team's entry."""
    import json

    import yaml

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "finance-api.yaml").write_text(PARENT)
    (tmp_path / "b" / "campaign-api.yaml").write_text(CHILD)
    out = specmesh("catalog", "export", "a", "b", "--format", "json", "--out", "cat", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    doc = json.loads((tmp_path / "cat" / "catalog.json").read_text())
    assert {t["name"]: t["owner"] for t in doc["topics"]} == {"finance.campaign._public.sale": "finance.campaign"}
    assert specmesh("catalog", "export", "a", "b", "--format", "backstage", "--out", "bs", cwd=tmp_path).returncode == 0
    entities = list(yaml.safe_load_all((tmp_path / "bs" / "catalog-info.yaml").read_text()))
    resource = next(e for e in entities if e["kind"] == "Resource")
    assert resource["spec"]["system"] != "finance" and "campaign" in resource["spec"]["system"]
    group = next(e for e in entities if e["kind"] == "Group")
    assert "mallory" not in json.dumps(group) and "carol" not in json.dumps(group)  # contacts disagree: none
    assert specmesh("catalog", "export", "a", "b", "--format", "datahub", "--out", "dh", cwd=tmp_path).returncode == 0
    mcps = json.loads((tmp_path / "dh" / "datahub-mcps.json").read_text())
    ownership = [m for m in mcps if m["entityUrn"].endswith("finance.campaign._public.sale,PROD)")
                 and m["aspectName"] == "ownership"]
    assert len(ownership) == 1 and "mallory" not in json.dumps(ownership)


def test_two_spellings_of_one_team_name_are_two_groups_with_distinct_names(tmp_path):
    import yaml

    for i, team in enumerate(("Payments Team", "payments-team")):
        (tmp_path / f"s{i}").mkdir()
        (tmp_path / f"s{i}" / f"p{i}-api.yaml").write_text(
            CHILD.replace("finance.campaign", f"pay.p{i}").replace("x-owner: Campaign finance", f"x-owner: {team}"))
    assert specmesh("catalog", "export", "s0", "s1", "--format", "backstage", "--out", "bs", cwd=tmp_path).returncode == 0
    groups = [e for e in yaml.safe_load_all((tmp_path / "bs" / "catalog-info.yaml").read_text()) if e["kind"] == "Group"]
    names = [g["metadata"]["name"] for g in groups]
    assert len(groups) == 2 and len(set(names)) == 2, names


def test_a_registry_answer_that_is_a_gzip_bomb_is_cut_off_not_held(tmp_path):
    """A few hundred KiB of gzip that decompress to 1 GiB, as the answer to GET /subjects: the run
    stops with one line at the size limit, in bounded memory (before: httpx held all of it)."""
    from tests.hostile_servers import body, gzip_bomb, serve
    from tests.conftest import EXAMPLES

    bomb = gzip_bomb(1024)
    (tmp_path / ".git").mkdir()
    (tmp_path / "spec-api.yaml").write_text((EXAMPLES / "finance-campaign" / "finance-campaign-api.yaml").read_text())
    import shutil

    shutil.copytree(EXAMPLES / "finance-campaign" / "schema", tmp_path / "schema")
    with serve({"*": body(bomb, encoding="gzip")}) as url:
        probe = ("import resource, subprocess, sys; out = subprocess.run([sys.executable, '-m', 'specmesh_docs', "
                 "'provision', 'spec-api.yaml', '--policy-from-repo', '--bootstrap-server', '127.0.0.1:1', "
                 f"'--schema-registry', '{url}', '--dry-run'], capture_output=True, text=True); "
                 "print(out.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024); "
                 "print(out.stderr, file=sys.stderr)")
        out = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                             env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    code, peak_mib = map(int, out.stdout.split())
    assert code == 4 and "decompresses to more than" in out.stderr and peak_mib < 400, (code, peak_mib, out.stderr)


def test_a_broken_schema_file_is_reported_once_not_again_as_a_missing_schema(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "schema").mkdir()
    (tmp_path / "schema" / "x.avsc").write_text('{"type": "record", "name": "X", "fields": [')
    (tmp_path / "b-api.yaml").write_text(SAMPLE_SPEC.format(fmt=AVRO_FMT, payload="{$ref: schema/x.avsc}"))
    out = specmesh("lint", ".", cwd=tmp_path)
    assert out.returncode == 1 and "schema/x.avsc" in out.stdout, out.stdout
    assert "no value schema" not in out.stdout and "no key and no value" not in out.stdout, out.stdout


def test_a_hostile_page_cache_costs_a_render_never_a_crash_and_its_history_text_is_escaped(tmp_path):
    """The cache folder is read back on the next build: a history memo too deep, of the wrong shape or
    holding markup, and page entries that are not text, are compared or rendered again, or shown escaped."""
    import json

    from tests.unit.test_properties import _committed_spec

    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / ".git").mkdir()
    _committed_spec(repo)
    assert specmesh("portal", "build", ".", "--out", "site", "--cache", "cache", cwd=repo).returncode == 0
    memo = json.loads((repo / "cache" / "history.json").read_text())
    for entry in memo["entries"].values():
        entry["changes"] = [{"severity": "<b>x", "rule": "R", "domain": "d", "message": "<script>alert(1)</script>"}]
    (repo / "cache" / "history.json").write_text(json.dumps(memo))
    for page in (repo / "cache" / "pages").rglob("*"):
        if page.is_file():
            page.write_bytes(b"\xff\xfe not a page")
    out = specmesh("portal", "build", ".", "--out", "site", "--cache", "cache", cwd=repo)
    assert out.returncode == 0, out.stderr
    product = (repo / "site" / "products" / "acme.fuzz" / "index.html").read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in product and "<script>alert(1)" not in product
    assert "not a page" not in product
    (repo / "cache" / "history.json").write_text(DEEP)
    out = specmesh("portal", "build", ".", "--out", "site", "--cache", "cache", cwd=repo)
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr
