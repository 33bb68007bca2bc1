"""Lint through the CLI: exit codes, positions, policy. (Per-rule cases grow with issue 3.)"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from specmesh_docs.lint.engine import all_rules
from tests.conftest import EXAMPLES, REPO

HEAD = """asyncapi: '2.6.0'
id: 'urn:acme.orders'
info:
  title: Orders
  version: '1.0.0'
  contact: {name: Orders, email: orders@acme.example}
channels:
"""

PRIVATE_CONSUMER = HEAD + """  acme.billing._private.invoices:
    subscribe:
      operationId: consumeInvoices
      summary: Someone else's private data.
      message: {name: Invoice}
"""

PII_PUBLIC = HEAD + """  _public.customer:
    bindings: {kafka: {partitions: 3, replicas: 1, configs: {retention.ms: -1}}}
    publish:
      operationId: publishCustomer
      summary: Customers.
      message:
        bindings: {kafka: {key: {type: string}}}
        payload:
          type: object
          properties:
            email: {type: string, x-pii: true, description: E-mail.}
"""


def specmesh(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "specmesh_docs", *args], capture_output=True, text=True, cwd=cwd)


def write_repo(tmp_path: Path, spec: str, policy: str | None = None) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "orders-api.yaml").write_text(spec)
    if policy is not None:
        (tmp_path / "specmesh.yaml").write_text(policy)
    return tmp_path / "orders-api.yaml"


def test_examples_lint_clean():
    out = specmesh("lint", "examples/", "--fail-on", "warning")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "5 spec(s): 0 error(s), 0 warning(s)" in out.stderr


def test_consuming_another_domains_private_topic_fails_on_that_line(tmp_path):
    spec = write_repo(tmp_path, PRIVATE_CONSUMER)
    out = specmesh("lint", str(spec))
    assert out.returncode == 1
    line = PRIVATE_CONSUMER.splitlines().index("  acme.billing._private.invoices:") + 1
    assert f"orders-api.yaml:{line}:3: error ACCESS-PRIVATE-CONSUMED" in out.stdout


def test_pii_on_public_topic_with_infinite_retention(tmp_path):
    out = specmesh("lint", "--format", "json", str(write_repo(tmp_path, PII_PUBLIC)))
    assert out.returncode == 1
    rules = {f["rule"] for f in json.loads(out.stdout)["findings"]}
    assert {"PII-PUBLIC", "PII-RETENTION"} <= rules


def test_policy_can_switch_a_rule_off(tmp_path):
    spec = write_repo(tmp_path, PRIVATE_CONSUMER, "severities:\n  ACCESS-PRIVATE-CONSUMED: 'off'\n")
    out = specmesh("lint", str(spec))
    assert out.returncode == 0, out.stdout


def test_policy_file_is_validated(tmp_path):
    spec = write_repo(tmp_path, PRIVATE_CONSUMER, "pii_max_retention: 5\n")
    out = specmesh("lint", str(spec))
    assert out.returncode == 2 and "specmesh.yaml:1:1: error: unknown policy key 'pii_max_retention'" in out.stderr


def test_cross_spec_protected_grant_with_catalog(tmp_path):
    spec = write_repo(tmp_path, HEAD + """  health.fitness._protected.workout:
    subscribe: {operationId: consumeWorkout, summary: Not granted to us., message: {name: Workout}}
""")
    out = specmesh("lint", str(spec), "--catalog", str(EXAMPLES))
    assert out.returncode == 1 and "XSPEC-PROTECTED-GRANT" in out.stdout
    assert "examples/" not in out.stdout  # the catalog is read, not reported on


@pytest.mark.conformance
def test_conformance_specs_get_no_false_asyncapi_errors(conformance):
    specs = [str(p) for p in sorted(conformance.rglob("*.y*ml")) if p.parent.name != "schema"]
    out = specmesh("lint", "--format", "json", *specs)
    findings = json.loads(out.stdout)["findings"]
    schema_errors = {Path(f["file"]).name for f in findings if f["rule"] == "ASYNCAPI-SCHEMA"}
    assert schema_errors == {"exporter-expected-spec.yaml"}  # it declares no asyncapi version at all


@pytest.mark.parametrize("rule_id", sorted(all_rules()))
def test_every_rule_is_documented(rule_id):
    out = specmesh("rules", rule_id)
    assert out.returncode == 0 and rule_id in out.stdout and "Fix:" in out.stdout


def test_the_documented_policy_example_is_a_valid_policy(tmp_path):
    from specmesh_docs.policy import load_policy

    page = (REPO / "docs" / "content" / "policy.md").read_text()
    block = page.split("**Policy file.**", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "specmesh.yaml").write_text(block)
    policy = load_policy(tmp_path / "specmesh.yaml")
    assert policy.severity("DOC-FIELDS", "info", "x-api.yaml") == "off"
    assert policy.severity("TOPIC-NAME-FORMAT", "error", "legacy/x-api.yaml") == "warning"


def test_a_suppression_followed_by_a_long_run_of_spaces_is_read_in_linear_time():
    from specmesh_docs.lint.suppress import _directives

    line = "# specmesh: ignore[PII-PUBLIC]" + " " * 200_000 + "x"
    assert _directives([line, "a: b"]) == {1: (1, {"PII-PUBLIC"}, "x"), 2: (1, {"PII-PUBLIC"}, "x")}


def lint_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "specmesh_docs", "lint", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=120)


def test_a_changed_schema_file_lints_the_specs_that_use_it_even_through_other_schemas(tmp_path):
    """Given only a schema file (as a pre-commit hook is), lint the specs that read it, directly or not."""
    import shutil

    from tests.conftest import TWINS

    repo = tmp_path / "repo"
    shutil.copytree(TWINS / "kafka" / "schema-ref", repo)
    (repo / ".git").mkdir()
    indirect = lint_cli("schema/com.example.trading.TradeInfo.avsc", cwd=repo)  # read through Trade.avsc
    assert indirect.returncode == 0 and "1 spec(s)" in indirect.stderr, indirect.stderr
    shared = lint_cli("schema/com.example.shared.Currency.avsc", cwd=repo)  # read by both specs
    assert shared.returncode == 0 and "2 spec(s)" in shared.stderr, shared.stderr
    (repo / "unrelated.yaml").write_text("a: 1\n")
    unrelated = lint_cli("unrelated.yaml", "--allow-empty", cwd=repo)
    assert unrelated.returncode == 0 and "0 spec(s)" in unrelated.stderr


def test_a_path_with_no_spec_is_an_error_unless_allowed(tmp_path):
    out = lint_cli(str(tmp_path), cwd=tmp_path)
    assert out.returncode == 2 and f"no spec files in {tmp_path}" in out.stderr and "*-api.yaml" in out.stderr
    assert lint_cli(str(tmp_path), "--allow-empty", cwd=tmp_path).returncode == 0


def test_a_published_catalog_gives_the_same_cross_spec_findings_as_the_checkouts(tmp_path):
    """--catalog DIR, --catalog catalog.json and --catalog URL-of-catalog.json: one set of findings."""
    import functools
    import http.server
    import threading

    site = tmp_path / "site"
    built = specmesh("portal", "build", "examples", "--out", str(site))
    assert built.returncode == 0, built.stderr
    spec = write_repo(tmp_path, HEAD + """  health.fitness._protected.workout:
    subscribe: {operationId: consumeWorkout, summary: Not granted to us., message: {name: Workout}}
  acme.billing._public.unknown:
    subscribe: {operationId: consumeUnknown, summary: Nobody owns this., message: {name: X}}
  finance.campaign._private.ledger:
    subscribe: {operationId: consumeLedger, summary: Private to finance., message: {name: L}}
""")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/catalog.json"
        runs = {source: specmesh("lint", str(spec), "--catalog", source, "--format", "json")
                for source in ("examples", str(site / "catalog.json"), url)}
    finally:
        server.shutdown()
    findings = {}
    for source, out in runs.items():
        assert out.returncode == 1, (source, out.stderr)
        findings[source] = sorted((f["rule"], f["line"], f["message"]) for f in json.loads(out.stdout)["findings"]
                                  if f["rule"].startswith("XSPEC-") or f["rule"].startswith("ACCESS-"))
    assert {r for r, _, _ in findings["examples"]} >= {"XSPEC-PROTECTED-GRANT", "XSPEC-UNOWNED"}
    assert findings["examples"] == findings[str(site / "catalog.json")] == findings[url]


@pytest.mark.parametrize("source, message", [
    ("http://127.0.0.1:1/catalog.json", "cannot fetch catalog http://127.0.0.1:1/catalog.json"),
    ("http://example.invalid/catalog.json", "only https://"),
    ("no/such/dir", "--catalog no/such/dir: not a directory, a catalog.json file or an https:// URL"),
])
def test_a_catalog_that_cannot_be_read_is_an_error_never_a_pass(tmp_path, source, message):
    spec = write_repo(tmp_path, PRIVATE_CONSUMER)
    out = specmesh("lint", str(spec), "--catalog", source)
    assert out.returncode == 2 and message in out.stderr and "Traceback" not in out.stderr, out.stderr


def test_a_catalog_server_that_never_answers_times_out(tmp_path):
    import os
    import socket

    spec = write_repo(tmp_path, PRIVATE_CONSUMER)
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(4)
        url = f"http://127.0.0.1:{server.getsockname()[1]}/catalog.json"
        out = subprocess.run([sys.executable, "-m", "specmesh_docs", "lint", str(spec), "--catalog", url],
                             capture_output=True, text=True, cwd=REPO, timeout=60,
                             env={**os.environ, "SPECMESH_CATALOG_TIMEOUT": "2"})
    assert out.returncode == 2 and "cannot fetch catalog" in out.stderr and "timeout 2 s" in out.stderr, out.stderr


@pytest.mark.parametrize("text, domain_from, domain, message", [
    ("asyncapi: '2.6.0'\ninfo: {title: Sales Feed, version: '1'}\nchannels: {}\n", "id", "sales", "'id' is missing"),
    ("asyncapi: '2.6.0'\nid: acme.sales\ninfo: {title: Sales Feed, version: '1'}\nchannels: {}\n", "title",
     "sales-feed", "must be a URN"),
    ("asyncapi: '2.6.0'\nx-domain: acme.retail\ninfo: {title: T, version: '1'}\nchannels: {}\n", "x-domain",
     "acme.retail", "'id' is missing"),
])
def test_a_spec_without_a_urn_id_is_a_finding_with_a_fallback_domain(tmp_path, text, domain_from, domain, message):
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "specmesh.yaml").write_text(f"domain_from: {domain_from}\n")
    (repo / "sales-api.yaml").write_text(text)
    out = specmesh("lint", str(repo), "--format", "json")
    assert out.returncode == 1, out.stderr
    [finding] = [f for f in json.loads(out.stdout)["findings"] if f["rule"] == "ID-URN"]
    assert message in finding["message"] and f": {domain})" in finding["message"]
    baseline = tmp_path / "baseline.json"
    assert specmesh("lint", str(repo), "--write-baseline", str(baseline)).returncode == 0
    assert specmesh("lint", str(repo), "--baseline", str(baseline)).returncode == 0  # adopt first, rename later


def test_kafka_rules_and_provisioning_apply_to_kafka_channels_only(tmp_path):
    """An MQTT channel is listed (show, portal) but not failed by Kafka rules nor provisioned."""
    from specmesh_docs.policy import Policy
    from specmesh_docs.provision.desired import desired_state
    from specmesh_docs.model import load_spec

    spec = write_repo(tmp_path, """asyncapi: '2.6.0'
info: {title: IoT, version: '1', contact: {name: A, email: a@acme.example}}
servers:
  broker: {url: 'mqtt://broker.acme.example', protocol: mqtt}
  events: {url: 'kafka.acme.example:9092', protocol: kafka}
channels:
  sensors/{id}/reading:
    servers: [broker]
    publish: {operationId: reading, summary: A reading., message: {payload: {type: string}}}
  _public.alerts:
    servers: [events]
    publish: {operationId: alert, summary: An alert., message: {payload: {type: string}}}
""")
    out = specmesh("lint", str(spec), "--format", "json")
    rules = {(f["rule"], f["message"]) for f in json.loads(out.stdout)["findings"]}
    kafka_rules = {"BINDINGS-MISSING", "TOPIC-NAME-FORMAT", "TOPIC-NAME-CHARS", "SCHEMA-KEY-VALUE"}
    on_mqtt = [r for r in rules if r[0] in kafka_rules and "sensors" in r[1]]
    on_kafka = [r for r in rules if r[0] in kafka_rules and "alerts" in r[1]]
    assert on_mqtt == [] and on_kafka, rules
    product = load_spec(spec)
    kinds = {t.name.rsplit(".", 1)[-1] if "/" not in t.name else "sensors": t.kafka for t in product.topics}
    assert kinds == {"sensors": False, "alerts": True}  # a foreign spec (no URN id): its servers decide
    assert [n.rsplit(".", 1)[-1] for n in desired_state(product, Policy()).topics] == ["alerts"]
