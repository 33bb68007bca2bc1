"""Property tests over every input path (Hypothesis): whatever a spec, a schema file, catalog.json,
a baseline, a saved plan, a metrics file, a portal config, a registry's answer, a git ref name or an
environment value holds, every command that reads it

- ends with a code from the exit-code table (never 70, never a traceback),
- within a time limit per run (and the suite's memory stays bounded),
- writes nothing outside its output folder,
- prints no secret from the client settings, and no raw control character to the terminal.

CI runs SPECMESH_FUZZ_EXAMPLES examples per path (default 25); `scripts/fuzz` runs many more. Inputs
that ever failed are kept in tests/fuzz-corpus (Hypothesis's example database) and replayed first.
"""

from __future__ import annotations

import json
import os
import resource
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from hypothesis.database import DirectoryBasedExampleDatabase

from specmesh_docs.exitcodes import TABLE
from tests.inprocess import run_main

CODES = {code for code, _ in TABLE}
EXAMPLES = int(os.environ.get("SPECMESH_FUZZ_EXAMPLES", "25"))
PER_RUN_SECONDS = 30
MAX_RSS_MB = 2500
SECRET = "hunter2-s3cr3t-value"
CORPUS = DirectoryBasedExampleDatabase(str(Path(__file__).resolve().parents[1] / "fuzz-corpus"))
_SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=CORPUS,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                            HealthCheck.data_too_large, HealthCheck.filter_too_much])


def FUZZ(test):  # noqa: N802 (a decorator, read like Hypothesis's own)
    """The suite's settings; in CI a fixed seed as well (the corpus is replayed first either way), so
    a CI run is repeatable and a long run (`scripts/fuzz`) explores."""
    test = _SETTINGS(test)
    return seed(20261201)(test) if os.environ.get("CI") == "true" else test

# --- strategies: data shaped like what the tool reads, with hostile values mixed in -----------------

WORDS = ["asyncapi", "id", "info", "title", "version", "channels", "bindings", "kafka", "partitions", "replicas",
         "configs", "retention.ms", "publish", "subscribe", "message", "payload", "schemaFormat", "$ref", "type",
         "properties", "items", "required", "enum", "x-pii", "pii", "tags", "name", "grant-access:acme.b",
         "_public.t", "_private.t", "_protected.t", "operationId", "summary", "key", "fields", "record", "namespace",
         "minLength", "minItems", "pattern", "oneOf", "allOf", "definitions", "version", "products", "domain", "spec",
         "topics", "findings", "changes", "specs", "observed_digest", "inputs_digest", "kind", "storage", "totals",
         "sources", "path", "git", "link", "title", "site_url", "metrics", "templates", "fingerprint", "rule",
         "x-specmesh-reads", "x-specmesh-compatibility", "x-expires", "grant-write:acme.b", "field", "reason",
         "x-specmesh-unknown-fields", "request_url", "verify"]
HOSTILE = ["../../x", "/etc/passwd", "#", "#/definitions/x", "\x1b[2J", "\u202e", "<script>alert(1)</script>",
           "::error::x", "\n::stop-commands::y", "${{ secrets.X }}", "a" * 300, "", " ", "--upload-pack=x", "*",
           "urn:acme.x", "acme.x._public.t", "2e9", "-1", "NaN", "\x00", "file:///etc/passwd", "http://127.0.0.2/",
           "(x+x+)+y", "\\p{L}+", "specmesh-plan", SECRET]
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-2**63, 2**64), st.floats(allow_nan=True),
                    st.sampled_from(WORDS + HOSTILE), st.text(max_size=40))
DOCS = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=5), st.dictionaries(st.sampled_from(WORDS + HOSTILE), inner, max_size=6)), max_leaves=40)


def spec_like() -> st.SearchStrategy:
    """A spec document: the usual top-level keys with generated values, sometimes none of them."""
    channel = st.fixed_dictionaries({}, optional={
        "bindings": DOCS, "publish": st.fixed_dictionaries({}, optional={
            "operationId": SCALARS, "summary": SCALARS, "tags": DOCS,
            "message": st.fixed_dictionaries({}, optional={"payload": DOCS, "schemaFormat": SCALARS, "bindings": DOCS})}),
        "subscribe": st.one_of(DOCS, st.fixed_dictionaries({"x-specmesh-reads": DOCS}))})
    return st.one_of(DOCS, st.fixed_dictionaries({"asyncapi": st.sampled_from(["2.6.0", "3.0.0", "2.0.0", "1.2.0"])}, optional={
        "id": st.one_of(st.just("urn:acme.fuzz"), SCALARS), "info": DOCS,
        "channels": st.dictionaries(st.sampled_from(["_public.t", "_private.p", "acme.other._protected.x", "x"] + HOSTILE),
                                    channel, max_size=3),
        "components": DOCS, "servers": DOCS, "x-specmesh-accept-breaking": DOCS}))


def as_text(doc: object, how: str) -> str:
    if how == "json":
        return json.dumps(doc, default=str)
    try:
        return yaml.safe_dump(doc, allow_unicode=True)
    except yaml.YAMLError:
        return json.dumps(doc, default=str)


# --- running a command in process, with its properties checked ------------------------------------

def run(args: list[str], cwd: Path, capsys, env: dict | None = None, secret: bool = False) -> int:
    """`specmesh ARGS` in `cwd`, checked: a code from the table, no traceback, nothing written
    outside `cwd`, no secret, no raw terminal control."""
    outside = {p for p in cwd.parent.iterdir()}
    old_cwd, old_env = os.getcwd(), dict(os.environ)
    os.chdir(cwd)
    for key in [k for k in os.environ if k.startswith("SPECMESH_")]:
        del os.environ[key]
    os.environ.update(env or {})
    capsys.readouterr()
    try:
        code = run_main(args, PER_RUN_SECONDS)
    finally:
        os.chdir(old_cwd)
        os.environ.clear()
        os.environ.update(old_env)
    out = capsys.readouterr()
    assert code in CODES, (args, code, out.err[-1500:])
    assert "internal error" not in out.err and "Traceback" not in out.err, out.err[-1500:]
    if secret:  # the secret is in the client settings, never in what the command was told to print
        assert SECRET not in out.out + out.err
    assert "\x1b" not in out.out + out.err
    assert {p for p in cwd.parent.iterdir()} == outside, "written outside the working folder"
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 < MAX_RSS_MB
    return code


@pytest.fixture
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def fresh(base: Path, name: str) -> Path:
    folder = base / "box" / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ".git").mkdir(exist_ok=True)
    return folder


_counter = iter(range(10**9))


# --- the input paths ---------------------------------------------------------------------------------

@FUZZ
@given(doc=spec_like(), how=st.sampled_from(["yaml", "json"]),
       command=st.sampled_from(["lint", "show", "sample", "flatten", "catalog"]))
def test_specs(work, capsys, doc, how, command):
    folder = fresh(work, f"s{next(_counter)}")
    (folder / "x-api.yaml").write_text(as_text(doc, how), encoding="utf-8")
    args = {"lint": ["lint", "."], "show": ["show", "x-api.yaml"], "sample": ["sample", "x-api.yaml", "-n", "2"],
            "flatten": ["flatten", "x-api.yaml"],
            "catalog": ["catalog", "export", ".", "--format", "backstage", "--out", "out"]}[command]
    run(args, folder, capsys)


SPEC = """asyncapi: '2.6.0'
id: 'urn:acme.fuzz'
info: {title: F, version: '1.0.0', contact: {name: F, email: f@acme.example}}
channels:
  _public.t:
    bindings: {kafka: {partitions: 3}}
    publish:
      operationId: p
      summary: T.
      message:
        schemaFormat: FORMAT
        payload: {$ref: schema/s.EXT}
"""
FORMATS = {"avsc": "application/vnd.apache.avro+json;version=1.9.0", "json": "application/schema+json;version=draft-07",
           "proto": "application/vnd.google.protobuf;version=3"}


@FUZZ
@given(schema=DOCS, ext=st.sampled_from(["avsc", "json", "proto"]), proto=st.text(max_size=200),
       command=st.sampled_from(["lint", "sample", "diff"]))
def test_schema_files(work, capsys, schema, ext, proto, command):
    folder = fresh(work, f"f{next(_counter)}")
    (folder / "schema").mkdir()
    (folder / "x-api.yaml").write_text(SPEC.replace("FORMAT", FORMATS[ext]).replace("EXT", ext))
    (folder / "schema" / f"s.{ext}").write_text(proto if ext == "proto" else json.dumps(schema, default=str))
    args = {"lint": ["lint", "."], "sample": ["sample", "x-api.yaml", "--boundary", "-n", "2"],
            "diff": ["diff", ".", ".", "--dirs"]}[command]
    run(args, folder, capsys)


@FUZZ
@given(doc=DOCS, valid_shape=st.booleans(), which=st.sampled_from(["catalog", "baseline", "portal"]))
def test_json_and_config_documents(work, capsys, doc, valid_shape, which):
    folder = fresh(work, f"j{next(_counter)}")
    (folder / "x-api.yaml").write_text(SPEC.replace("FORMAT", FORMATS["json"]).replace("EXT", "json"))
    (folder / "schema").mkdir()
    (folder / "schema" / "s.json").write_text('{"type": "object", "properties": {"id": {"type": "string"}}}')
    if valid_shape and isinstance(doc, dict):
        doc = {"version": 1, "products": [doc], **({"findings": [doc]} if which == "baseline" else {})}
    text = json.dumps(doc, default=str)
    if which == "portal":
        (folder / "portal.yaml").write_text(as_text(doc, "yaml"))
        run(["catalog", "export", "--config", "portal.yaml", "--format", "json", "--out", "out"], folder, capsys)
    else:
        (folder / "doc.json").write_text(text)
        run(["lint", "x-api.yaml", f"--{which}", "doc.json"], folder, capsys)


@FUZZ
@given(doc=DOCS, shaped=st.booleans())
def test_saved_plans(work, capsys, doc, shaped):
    folder = fresh(work, f"p{next(_counter)}")
    (folder / "x-api.yaml").write_text(SPEC.replace("FORMAT", FORMATS["json"]).replace("EXT", "json"))
    if shaped:
        doc = {"version": 1, "kind": "specmesh-plan", "changes": [doc], "specs": [{"file": "x-api.yaml"}],
               "observed_digest": str(doc)[:20], "inputs_digest": "x"}
    (folder / "plan.json").write_text(json.dumps(doc, default=str))
    (folder / "client.properties").write_text(f"bootstrap.servers=127.0.0.1:1\nsasl.password={SECRET}\n")
    run(["provision", "--plan", "plan.json", "--policy-from-repo", "--command-config", "client.properties",
         "--connect-timeout", "1"], folder, capsys, secret=True)


@FUZZ
@given(ref=st.one_of(st.sampled_from(HOSTILE), st.text(max_size=30)))
def test_git_ref_names(work, capsys, ref):
    folder = fresh(work, f"g{next(_counter)}")
    (folder / ".git").rmdir()
    import subprocess

    subprocess.run(["git", "init", "-q"], cwd=folder, check=True)
    if "\x00" in ref:
        ref = ref.replace("\x00", "")
    run(["diff", ref or "HEAD"], folder, capsys)


@FUZZ
@given(name=st.sampled_from(["SPECMESH_CATALOG_TIMEOUT", "SPECMESH_CONNECT_TIMEOUT", "SPECMESH_POLICY",
                             "SPECMESH_SCHEMA_REGISTRY_URL", "SPECMESH_SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO",
                             "SPECMESH_NOW"]),
       value=st.one_of(st.sampled_from(HOSTILE), st.text(max_size=30)))
def test_environment_values(work, capsys, name, value):
    folder = fresh(work, f"e{next(_counter)}")
    (folder / "x-api.yaml").write_text(SPEC.replace("FORMAT", FORMATS["json"]).replace("EXT", "json"))
    value = value.replace("\x00", "")
    args = (["lint", "x-api.yaml", "--catalog", "http://127.0.0.1:1/catalog.json"] if "CATALOG" in name else
            ["lint", "x-api.yaml"] if name == "SPECMESH_NOW" else
            ["provision", "x-api.yaml", "--policy-from-repo", "--bootstrap-server", "127.0.0.1:1", "--dry-run"])
    run(args, folder, capsys, env={name: value}, secret=name.endswith("USER_INFO"))


@FUZZ
@given(answer=DOCS, status=st.sampled_from([200, 200, 200, 404, 401, 500, 302]))
def test_registry_answers(work, capsys, answer, status):
    from tests.hostile_servers import body, redirect, serve

    folder = fresh(work, f"r{next(_counter)}")
    (folder / "x-api.yaml").write_text(SPEC.replace("FORMAT", FORMATS["json"]).replace("EXT", "json"))
    (folder / "schema").mkdir()
    (folder / "schema" / "s.json").write_text('{"type": "object", "properties": {"id": {"type": "string"}}}')
    route = redirect("http://127.0.0.2:1/") if status == 302 else body(json.dumps(answer, default=str), status)
    with serve({"*": route}) as url:
        run(["provision", "x-api.yaml", "--policy-from-repo", "--bootstrap-server", "127.0.0.1:1", "--dry-run",
             "--connect-timeout", "1", "--schema-registry", url], folder, capsys)


def _committed_spec(folder: Path) -> None:
    """The fuzz spec in a git repository with one commit, made with fixed names and dates: the same
    commit id, so the same history-memo keys, in every folder."""
    import subprocess

    (folder / ".git").rmdir()
    (folder / "x-api.yaml").write_text(SPEC.replace("FORMAT", FORMATS["json"]).replace("EXT", "json"))
    (folder / "schema").mkdir()
    (folder / "schema" / "s.json").write_text('{"type": "object", "properties": {"id": {"type": "string"}}}')
    env = {"PATH": os.environ["PATH"], "GIT_AUTHOR_NAME": "f", "GIT_AUTHOR_EMAIL": "f@acme.example",
           "GIT_COMMITTER_NAME": "f", "GIT_COMMITTER_EMAIL": "f@acme.example",
           "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z"}
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "spec"]):
        subprocess.run(["git", *args], cwd=folder, env=env, check=True, capture_output=True)


@pytest.fixture(scope="module")
def memo_keys(tmp_path_factory) -> list[str]:
    """The keys a real build writes into the history memo (the hostile memos below are served under them)."""
    import subprocess
    import sys

    folder = fresh(tmp_path_factory.mktemp("memo"), "real")
    _committed_spec(folder)
    subprocess.run([sys.executable, "-m", "specmesh_docs", "portal", "build", ".", "--out", "site", "--cache", "cache"],
                   cwd=folder, check=True, capture_output=True)
    keys = list(json.loads((folder / "cache" / "history.json").read_text())["entries"])
    assert keys, "the real build memoised its history"
    return keys


@FUZZ
@given(doc=DOCS, shaped=st.booleans())
def test_portal_history_memos(work, capsys, memo_keys, doc, shaped):
    """The page cache's history memo, whatever it holds: a build that ends with a code from the table,
    and memo text shown escaped (the fuzz checks the code and the output; test_robustness the page)."""
    from specmesh_docs import __version__

    folder = fresh(work, f"m{next(_counter)}")
    _committed_spec(folder)
    (folder / "cache").mkdir()
    memo = {"specmesh": __version__, "entries": {key: doc for key in memo_keys}} if shaped else doc
    (folder / "cache" / "history.json").write_text(json.dumps(memo, default=str))
    run(["portal", "build", ".", "--out", "site", "--cache", "cache"], folder, capsys)


def _verify_report(topic_row: object) -> dict:
    return {"version": 1, "kind": "specmesh-verify", "verified_at": "2026-11-30T10:00:00Z", "principal": "User:a",
            "products": [{"domain": "acme.fuzz", "spec": "x-api.yaml", "topics": [topic_row]}],
            "totals": {}, "elapsed_seconds": 1, "records_per_second": 1, "consumer_groups_seen": 0}


@FUZZ
@given(doc=DOCS, shaped=st.booleans(), name=st.sampled_from(["acme.fuzz._public.t", *HOSTILE]))
def test_verify_reports(work, capsys, doc, shaped, name):
    """A verify report given to the portal, whatever it holds (the report is a file anyone could
    hand over): a code from the table, and its names shown escaped."""
    folder = fresh(work, f"v{next(_counter)}")
    (folder / "schema").mkdir()
    (folder / "x-api.yaml").write_text(SPEC.replace("FORMAT", FORMATS["json"]).replace("EXT", "json"))
    (folder / "schema" / "s.json").write_text('{"type": "object", "properties": {"id": {"type": "string"}}}')
    row = {"name": name, "exists": True, "complete": True, "records": {"read": 3, "valid": 1, "invalid": 2},
           "readers": {"groups": doc, "undeclared": [name], "idle": [], "unknown": []}, "rules": doc,
           "violations": doc}
    (folder / "verify.json").write_text(json.dumps(_verify_report(row) if shaped else doc, default=str))
    run(["portal", "build", ".", "--out", "site", "--no-cache", "--verify", "verify.json"], folder, capsys,
        env={"SPECMESH_NOW": "2026-12-01T00:00:00Z"})
    for page in (folder / "site").rglob("*.html") if (folder / "site").exists() else []:
        assert "<script>alert(1)" not in page.read_text(errors="replace"), page


class _Registry:
    """Every id is known, under the topic's subject, with the spec's own schema."""

    def __init__(self, schema_type: str, document: object):
        from specmesh_docs.verify.checks import WriterSchema

        self.writer = WriterSchema(schema_type, document)

    def schema(self, schema_id):
        return self.writer if schema_id < 100 else None

    def ids(self, subject):
        return set(range(100))


_RECORD_SCHEMAS = {
    "avro": {"type": "record", "name": "R", "namespace": "acme.fuzz", "fields": [
        {"name": "id", "type": "string"}, {"name": "n", "type": ["null", "long"]},
        {"name": "m", "type": {"type": "map", "values": "int"}}, {"name": "e", "type": {
            "type": "enum", "name": "E", "symbols": ["A", "B"]}}]},
    "json": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string", "maxLength": 3},
                                                                   "m": {"additionalProperties": {"type": "integer"}}}},
    "protobuf": 'syntax = "proto3";\npackage acme.fuzz;\nmessage R {\n  string id = 1;\n  map<string, int64> m = 2;\n}\n',
}


@FUZZ
@given(fmt=st.sampled_from(sorted(_RECORD_SCHEMAS)), body=st.one_of(st.binary(max_size=300), DOCS.map(
    lambda d: json.dumps(d, default=str).encode())), framed=st.booleans(), schema_id=st.integers(0, 2**32 - 1),
       secret=st.sampled_from(["s3cr3t-value-1", "alice@example.com"]))
def test_verify_records(fmt, body, framed, schema_id, secret):
    """Whatever bytes a producer wrote, the check of a record ends in violations, never an exception,
    and a violation never carries what the record holds."""
    from specmesh_docs.model.model import Topic
    from specmesh_docs.model.schemas import Field, Schema
    from specmesh_docs.verify.checks import role_check

    document = _RECORD_SCHEMAS[fmt]
    schema = Schema(fmt, [Field("id", "string", True)], document=document, file=f"s.{fmt}",
                    full_name="acme.fuzz.R" if fmt != "json" else None, resolved=document if fmt == "json" else None)
    topic = Topic("acme.fuzz._public.t", "_public.t", "_public", None, value=schema, reject_unknown_fields=True)
    check = role_check(topic, "value", _Registry({"avro": "AVRO", "json": "JSON", "protobuf": "PROTOBUF"}[fmt],
                                                 document))
    payload = body.replace(b"id", secret.encode())
    data = (b"\0" + (schema_id % 200).to_bytes(4, "big") + (b"\0" if fmt == "protobuf" else b"") + payload
            if framed else payload)
    for violation in check.check(data):
        shown = f"{violation.rule} {violation.path} {violation.detail}"
        assert secret not in shown and "@" not in shown, shown


@FUZZ
@given(domain=st.one_of(st.sampled_from(["acme.other", *HOSTILE]), st.text(max_size=40)),
       reason=st.one_of(st.sampled_from(HOSTILE), st.text(max_size=200)),
       until=st.one_of(st.none(), st.sampled_from(["2027-03-31", "1999-01-01", *HOSTILE]), st.text(max_size=12)),
       topic=st.sampled_from(["acme.fuzz._protected.t", "acme.fuzz._public.t", *HOSTILE]),
       write=st.booleans(), patch=st.booleans())
def test_request_access_arguments(work, capsys, domain, reason, until, topic, write, patch):
    """Whatever is asked for: a code from the table, and a spec that still reads, holds only a grant
    tag more, and none of the reason."""
    folder = fresh(work, f"r{next(_counter)}")
    (folder / "schema").mkdir()
    spec = SPEC.replace("FORMAT", FORMATS["json"]).replace("EXT", "json").replace("_public.t", "_protected.t")
    (folder / "x-api.yaml").write_text(spec)
    (folder / "schema" / "s.json").write_text('{"type": "object", "properties": {"id": {"type": "string"}}}')
    args = ["request-access", topic, "--for", domain, "--reason", reason, *(["--until", until] if until else []),
            *(["--write"] if write else []), *(["--patch"] if patch else [])]
    if any("\x00" in a for a in args):
        return  # no command line carries a NUL
    code = run(args, folder, capsys, env={"SPECMESH_NOW": "2026-12-01"})
    after = (folder / "x-api.yaml").read_text()
    if code != 0 or patch:
        assert after == spec
    else:
        assert after.count("\n") in (spec.count("\n") + 1, spec.count("\n") + 2, spec.count("\n") + 3)
        assert reason.strip() not in after or reason.strip() in spec
        from specmesh_docs.model import load_spec

        assert load_spec(folder / "x-api.yaml").topics[0].grants or load_spec(folder / "x-api.yaml").topics[0].write_grants
