"""The organisation's policy wins: validated values, team files that only tighten, provisioning that needs one."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from specmesh_docs.errors import SpecError
from specmesh_docs.policy import PolicyCache, load_policy
from tests.conftest import REPO

SPEC = """asyncapi: '2.6.0'
id: 'urn:acme.policy'
info: {title: Policy, version: '1.0.0', contact: {name: A, email: a@acme.example}}
channels:
  _public.thing:
    bindings: {kafka: {partitions: 1}}
    publish:
      operationId: publishThing
      summary: A thing.
      message: {bindings: {kafka: {key: {type: string}}}, payload: {type: string}}
"""


def policy_error(tmp_path: Path, text: str) -> str:
    (tmp_path / "org.yaml").write_text(text)
    with pytest.raises(SpecError) as caught:
        load_policy(tmp_path / "org.yaml")
    return str(caught.value)


@pytest.mark.parametrize("text, message", [
    ('principal_format: "User:*"', "only the field {domain}"),
    ('principal_format: "User:{domain}*"', "concrete principal"),
    ('principal_format: "{0}"', "only the field {domain}"),
    ('principal_format: "User:{domain!r}"', "only the field {domain}"),
    ('principal_format: "User:{domain:>40}"', "only the field {domain}"),
    ('principal_format: "User:{domain.__class__}"', "only the field {domain}"),
    ('principal_format: "User:fixed"', "only the field {domain}"),
    ('principal_format: "{domain}"', "concrete principal"),
    ('principal_format: "User:{domain"', "not a valid format"),
    ('delimiter: ""', "delimiter must be one of"),
    ('delimiter: "/"', "delimiter must be one of"),
    ('public: ""', "public must be a non-empty name"),
    ('private: "_pri.vate"', "without the delimiter"),
    ('protected: _public', "three different words"),
    ('domain_pattern: "(unclosed"', "not a valid regular expression"),
    ('topic_pattern: "(a)\\\\1"', "not a valid regular expression"),
    ('infrastructure_patterns: ["ok", "(bad"]', "not a valid regular expression"),
    ('infrastructure_words: [1, 2]', "list of strings"),
    ('overrides: [{paths: ["*"], severities: {PII-PUBLIC: never}}]', "each override"),
    ('partitions: {gte: true}', "whole numbers"),
])
def test_unsafe_policy_values_are_positioned_errors(tmp_path: Path, text: str, message: str):
    error = policy_error(tmp_path, text + "\n")
    assert message in error and "org.yaml:1:" in error


def test_a_good_principal_format_with_literal_text_is_accepted(tmp_path: Path):
    (tmp_path / "org.yaml").write_text('principal_format: "User:svc-{domain}"\n')
    assert load_policy(tmp_path / "org.yaml").principal_format == "User:svc-{domain}"


def test_policy_patterns_run_in_linear_time(tmp_path: Path):
    """A backtracking pattern on a crafted name would take ages on Python's re; RE2 does not backtrack."""
    (tmp_path / "specmesh.yaml").write_text('topic_pattern: "(a+)+$"\ndomain_pattern: "(x|x)*y"\n')
    (tmp_path / "acme-api.yaml").write_text(SPEC.replace("_public.thing", "_public." + "a" * 200 + "!"))
    start = time.monotonic()
    out = subprocess.run([sys.executable, "-m", "specmesh_docs", "lint", str(tmp_path)], capture_output=True, text=True,
                         cwd=REPO, timeout=60)
    assert time.monotonic() - start < 30 and out.returncode == 1, out.stderr
    assert "TOPIC-NAME-CHARS" in out.stdout and "ID-DOMAIN-GRAMMAR" in out.stdout


def repo_with_team_policy(tmp_path: Path, team: str) -> tuple[Path, Path]:
    (tmp_path / "org.yaml").write_text("pii_max_retention_ms: 86400000\nseverities: {INFO-CONTACT: error}\n")
    team_repo = tmp_path / "team"
    team_repo.mkdir()
    (team_repo / "specmesh.yaml").write_text(team)
    (team_repo / "acme-api.yaml").write_text(SPEC)
    return tmp_path / "org.yaml", team_repo / "acme-api.yaml"


@pytest.mark.parametrize("team, message", [
    ('principal_format: "User:*"\n', "a team policy may not set 'principal_format'"),
    ("delimiter: '-'\n", "a team policy may not set 'delimiter'"),
    ("overrides: [{paths: ['*'], severities: {PII-PUBLIC: off}}]\n", "a team policy may not set 'overrides'"),
    ("severities: {PII-PUBLIC: off}\n", "may only raise severities: PII-PUBLIC is error"),
    ("severities: {INFO-CONTACT: warning}\n", "may only raise severities: INFO-CONTACT is error"),
    ("pii_max_retention_ms: 172800000\n", "may only lower pii_max_retention_ms"),
])
def test_a_team_policy_may_not_loosen_the_organisations(tmp_path: Path, team: str, message: str):
    org, spec = repo_with_team_policy(tmp_path, team)
    with pytest.raises(SpecError) as caught:
        PolicyCache(org).for_spec(spec)
    assert message in str(caught.value) and "team/specmesh.yaml:1:" in str(caught.value)


def test_a_team_policy_may_tighten_the_organisations(tmp_path: Path):
    org, spec = repo_with_team_policy(tmp_path, "severities: {DOC-DESCRIPTION: error}\npii_max_retention_ms: 3600000\n"
                                                "infrastructure_words: [blue]\n")
    policy = PolicyCache(org).for_spec(spec)
    assert policy.severities == {"INFO-CONTACT": "error", "DOC-DESCRIPTION": "error"}
    assert policy.pii_max_retention_ms == 3_600_000
    assert "blue" in policy.infrastructure_words and "prod" in policy.infrastructure_words


def test_the_org_policy_can_come_from_the_environment(tmp_path: Path):
    org, spec = repo_with_team_policy(tmp_path, 'principal_format: "User:*"\n')
    out = subprocess.run([sys.executable, "-m", "specmesh_docs", "lint", str(spec)], capture_output=True, text=True,
                         cwd=REPO, timeout=60, env=dict(os.environ, SPECMESH_POLICY=str(org)))
    assert out.returncode == 2 and "a team policy may not set 'principal_format'" in out.stderr


def provision(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "specmesh_docs", "provision", "--bootstrap-server", "127.0.0.1:1",
                           "--timeout", "1", *args], capture_output=True, text=True, cwd=REPO, timeout=120,
                          env={k: v for k, v in (env or os.environ).items() if k != "SPECMESH_POLICY"})


def test_provisioning_refuses_to_run_on_the_repositorys_own_policy_unless_told(tmp_path: Path):
    org, spec = repo_with_team_policy(tmp_path, 'principal_format: "User:*"\n')
    refused = provision(str(spec))
    assert refused.returncode == 2 and "needs the organisation's policy" in refused.stderr
    # with the org policy, the team file's principal_format is refused before the cluster is contacted
    tightened = provision(str(spec), "--config", str(org))
    assert tightened.returncode == 2 and "a team policy may not set 'principal_format'" in tightened.stderr
    # told to trust the repository: the wildcard principal is still refused as a value
    trusted = provision(str(spec), "--policy-from-repo")
    assert trusted.returncode == 2 and "only the field {domain}" in trusted.stderr
    assert all("Traceback" not in o.stderr for o in (refused, tightened, trusted))


def test_an_owner_principal_override_must_be_concrete(tmp_path: Path):
    org, spec = repo_with_team_policy(tmp_path, "")
    out = provision(str(spec), "--config", str(org), "--owner-principal", "User:*", "--dry-run")
    assert out.returncode == 2 and "not one concrete principal" in out.stderr and "Traceback" not in out.stderr
