"""The exit-code table (specmesh_docs/exitcodes.py), row by row against a real broker and registry,
and the registry's 404s: a URL without its API path is one clear line and exit 2, never
"20 applied" with nothing registered. (Row 6, applied in part, is test_provision_failure's broker
halted during an apply; row 5 for a principal without grants is in test_provision_trust.)"""

from __future__ import annotations

import subprocess
import sys

import pytest
from confluent_kafka.schema_registry import SchemaRegistryClient

from specmesh_docs import exitcodes
from tests.conftest import REPO
from tests.e2e.conftest import provision_argv, reset_domains
from tests.e2e.test_provision import topics_under, write_spec

pytestmark = pytest.mark.kafka


def run(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, cwd=REPO, timeout=180)


def subjects_of(registry: str, domain: str) -> list[str]:
    return [s for s in SchemaRegistryClient({"url": registry}).get_subjects() if s.startswith(domain + ".")]


def test_a_registry_url_without_its_api_path_is_exit_2_and_nothing_is_applied(kafka, schema_registry, tmp_path):
    domain = "exits.rootless"
    reset_domains(kafka, domain, registry=schema_registry)
    server_root = schema_registry.split("/apis/")[0]  # what people paste: the server, not the API root
    out = run(provision_argv(kafka.admin_config_path, write_spec(tmp_path, domain), "--schema-registry", server_root))
    assert out.returncode == exitcodes.USAGE, out.stdout + out.stderr
    line = out.stderr.strip()
    assert "\n" not in line and server_root in line and "HTTP 404" in line and "/apis/ccompat/v7" in line, line
    assert "applied" not in out.stdout and not topics_under(kafka, domain + ".")
    assert subjects_of(schema_registry, domain) == []


def test_exit_0_means_the_registry_serves_every_version_the_plan_registered(kafka, schema_registry, tmp_path):
    domain = "exits.served"
    reset_domains(kafka, domain, registry=schema_registry)
    out = run(provision_argv(kafka.admin_config_path, write_spec(tmp_path, domain), "--schema-registry", schema_registry))
    assert out.returncode == exitcodes.OK, out.stdout + out.stderr
    client = SchemaRegistryClient({"url": schema_registry})
    assert subjects_of(schema_registry, domain) == [f"{domain}._public.orders-value"]
    assert client.get_compatibility(f"{domain}._public.orders-value")
    again = run(provision_argv(kafka.admin_config_path, write_spec(tmp_path, domain), "--schema-registry", schema_registry,
                               "--dry-run", "--detailed-exitcode"))
    assert again.returncode == exitcodes.OK and again.stdout.strip().endswith("0 to create, 0 to update, 0 to delete")


def test_each_row_of_the_table(kafka, tmp_path):
    domain = "exits.rows"
    reset_domains(kafka, domain)
    spec = write_spec(tmp_path, domain)
    pending = run(provision_argv(kafka.admin_config_path, spec, "--dry-run", "--detailed-exitcode"))
    assert pending.returncode == exitcodes.PENDING, pending.stderr
    done = run(provision_argv(kafka.admin_config_path, spec))
    assert done.returncode == exitcodes.OK, done.stderr
    assert run(provision_argv(kafka.admin_config_path, spec, "--dry-run", "--detailed-exitcode")).returncode == exitcodes.OK
    shrunk = run(provision_argv(kafka.admin_config_path, write_spec(tmp_path, domain, partitions=1)))
    assert shrunk.returncode == exitcodes.FINDINGS and "nothing was applied" in shrunk.stderr  # refused: fix the spec
    missing = run(provision_argv(kafka.admin_config_path, str(tmp_path / "no-such-api.yaml")))
    assert missing.returncode == exitcodes.USAGE, missing.stderr
    closed = tmp_path / "closed.properties"
    closed.write_text("bootstrap.servers=127.0.0.1:1\n")
    unreachable = run(provision_argv(str(closed), spec, "--connect-timeout", "2"))
    assert unreachable.returncode == exitcodes.UNREACHABLE and "cannot connect" in unreachable.stderr
    wrong = tmp_path / "wrong.properties"
    admin = kafka.admin_config
    wrong.write_text(f"bootstrap.servers={admin['bootstrap.servers']}\nsecurity.protocol=SASL_PLAINTEXT\n"
                     f"sasl.mechanism=PLAIN\nsasl.username={admin['sasl.username']}\nsasl.password=not-it\n")
    denied = run(provision_argv(str(wrong), spec))
    assert denied.returncode == exitcodes.DENIED and "authentication failed" in denied.stderr
    lint = run([sys.executable, "-m", "specmesh_docs", "lint", str(tmp_path / "no-such-dir")])
    assert lint.returncode == exitcodes.USAGE
    help_text = run([sys.executable, "-m", "specmesh_docs", "provision", "--help"]).stdout
    assert all(f"  {code}  {meaning}" in help_text for code, meaning in exitcodes.TABLE)
