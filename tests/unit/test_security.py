"""Attacks from the threat model (SECURITY.md) that need no broker: git sources, secrets in output, terminal escapes."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, REPO, hermetic_env

SECRETS = {  # one marker per credential slot; none may appear in any output
    "sasl": "SEKRET-SASL-7f3a", "jaas": "SEKRET-JAAS-91bc", "registry": "SEKRET-REGISTRY-2d4e",
    "env": "SEKRET-ENV-5a6b", "url": "SEKRET-URL-8c9d", "git": "SEKRET-GIT-0e1f",
}


def specmesh(*args: str, env: dict | None = None, cwd: Path = REPO, timeout: float = 120) -> subprocess.CompletedProcess:
    base = hermetic_env()
    return subprocess.run([sys.executable, "-m", "specmesh_docs", *args], capture_output=True, text=True, cwd=cwd,
                          env={**base, **(env or {})}, timeout=timeout)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        for marker in SECRETS.values():
            assert marker not in text, f"secret {marker} leaked"


def git_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "retail"
    shutil.copytree(EXAMPLES / "retail-checkout", repo)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    for cmd in (["init", "-q", "-b", "main"], ["add", "."], ["commit", "-qm", "spec"], ["tag", "v1"]):
        subprocess.run([*git, *cmd], cwd=repo, check=True, capture_output=True)
    return repo


# --- git sources -------------------------------------------------------------------------------

@pytest.mark.parametrize("ref", ["--upload-pack=touch${IFS}PWNED;true", "-oProxyCommand=touch PWNED", "v1..main",
                                 "main@{1}", "a b"])
def test_a_hostile_ref_never_reaches_git(tmp_path: Path, ref: str):
    repo = git_repo(tmp_path)
    out = specmesh("portal", "build", f"file://{repo}#{ref}", "--out", str(tmp_path / "site"), cwd=tmp_path,
                   env={"SPECMESH_CACHE": str(tmp_path / "cache"), "SPECMESH_GIT_ALLOW_FILE": "1"})
    assert out.returncode == 2 and "is not a branch, tag or commit name" in out.stderr, out.stderr
    assert not list(tmp_path.rglob("PWNED")) and "Traceback" not in out.stderr


@pytest.mark.parametrize("url, message", [
    ("--upload-pack=touch PWNED.git", "is not a repository URL"),
    ("ext::sh -c touch% PWNED.git", "only https, ssh URLs are fetched"),
    ("file:///etc/x.git", "only https, ssh URLs are fetched"),
    ("http://127.0.0.1:1/x.git", "only https, ssh URLs are fetched"),
])
def test_only_allowed_transports_are_fetched(tmp_path: Path, url: str, message: str):
    out = specmesh("portal", "build", url, "--out", str(tmp_path / "site"), cwd=tmp_path,
                   env={"SPECMESH_CACHE": str(tmp_path / "cache")})
    assert out.returncode == 2 and message in out.stderr, out.stderr
    assert not list(tmp_path.rglob("PWNED"))


def test_a_cached_clone_is_refreshed_with_the_ref_after_double_dash(tmp_path: Path):
    repo = git_repo(tmp_path)
    env = {"SPECMESH_CACHE": str(tmp_path / "cache"), "SPECMESH_GIT_ALLOW_FILE": "1"}
    for _ in range(2):  # the second run takes the fetch path on the cached clone
        out = specmesh("portal", "build", f"file://{repo}#v1", "--out", str(tmp_path / "site"), env=env)
        assert out.returncode == 0, out.stderr


def test_a_token_in_a_git_url_is_never_printed(tmp_path: Path):
    url = f"https://x-access-token:{SECRETS['git']}@127.0.0.1:{closed_port()}/acme/specs.git"
    out = specmesh("portal", "build", url, "--out", str(tmp_path / "site"), env={"SPECMESH_CACHE": str(tmp_path / "c")})
    assert out.returncode == 2 and "cannot fetch https://***@127.0.0.1" in out.stderr, out.stderr
    assert_no_secret(out.stdout, out.stderr)


def test_a_git_server_that_never_answers_ends_in_a_clean_timeout(tmp_path: Path):
    with socket.socket() as server:  # accepts connections (kernel backlog) and never says a word
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        url = f"https://user:{SECRETS['git']}@127.0.0.1:{server.getsockname()[1]}/acme/specs.git"
        out = specmesh("portal", "build", url, "--out", str(tmp_path / "site"),
                       env={"SPECMESH_CACHE": str(tmp_path / "c"), "SPECMESH_GIT_TIMEOUT": "2"}, timeout=60)
    assert out.returncode == 2 and "git gave no answer within 2 s" in out.stderr, out.stderr
    assert_no_secret(out.stdout, out.stderr)


# --- credentials in every slot ---------------------------------------------------------------------

def hostile_client_files(tmp_path: Path) -> tuple[Path, Path, dict]:
    spec = tmp_path / "acme-api.yaml"
    spec.write_text((EXAMPLES / "retail-checkout" / "retail-checkout-api.yaml").read_text())
    shutil.copytree(EXAMPLES / "retail-checkout" / "schema", tmp_path / "schema", dirs_exist_ok=True)
    props = tmp_path / "client.properties"
    props.write_text(f"bootstrap.servers=127.0.0.1:{closed_port()}\nsecurity.protocol=SASL_PLAINTEXT\n"
                     f"sasl.mechanism=PLAIN\nsasl.username=svc\nsasl.password {SECRETS['sasl']}\n"
                     f"schema.registry.basic.auth.credentials.source=USER_INFO\n"
                     f"schema.registry.basic.auth.user.info=svc:{SECRETS['registry']}\n")
    env = {"SPECMESH_KAFKA_SSL_KEY_PASSWORD": SECRETS["env"], "SPECMESH_POLICY": str(tmp_path / "org.yaml"),
           "SPECMESH_CONNECT_TIMEOUT": "2"}
    (tmp_path / "org.yaml").write_text("pii_max_retention_ms: 172800000\n")
    return spec, props, env


@pytest.mark.parametrize("fmt, registry_auth", [("text", "properties"), ("json", "properties"), ("text", "url"),
                                                ("json", "url")])
def test_no_credential_reaches_any_output_of_provision(tmp_path: Path, fmt: str, registry_auth: str):
    spec, props, env = hostile_client_files(tmp_path)
    registry = f"http://127.0.0.1:{closed_port()}"
    if registry_auth == "url":  # the client refuses both at once, so each slot gets its own run
        props.write_text("".join(line + "\n" for line in props.read_text().splitlines() if "schema.registry" not in line))
        registry = f"https://u:{SECRETS['url']}@127.0.0.1:{closed_port()}"
    out = specmesh("provision", str(spec), "--command-config", str(props), "--format", fmt, "--timeout", "2",
                   "--schema-registry", registry, env=env)
    # the registry's API root is checked before the broker is asked: either is unreachable first
    assert out.returncode == 4 and "cannot connect to " in out.stderr and "127.0.0.1" in out.stderr, out.stderr
    assert_no_secret(out.stdout, out.stderr)


def test_no_credential_reaches_the_output_of_storage(tmp_path: Path):
    spec, props, env = hostile_client_files(tmp_path)
    out = specmesh("storage", str(spec), "--command-config", str(props), "--timeout", "2", env=env)
    assert out.returncode == 4 and "cannot connect to 127.0.0.1" in out.stderr and "Traceback" not in out.stderr, out.stderr
    assert_no_secret(out.stdout, out.stderr)


def test_an_unknown_client_property_is_a_clean_error_without_its_value(tmp_path: Path):
    spec, props, env = hostile_client_files(tmp_path)
    props.write_text(props.read_text() + f"sasl.jaas.confg=x password=\"{SECRETS['jaas']}\";\n")
    out = specmesh("provision", str(spec), "--command-config", str(props), "--timeout", "2", env=env)
    assert out.returncode == 2 and 'No such configuration property: "sasl.jaas.confg"' in out.stderr, out.stderr
    assert_no_secret(out.stdout, out.stderr)


def test_portal_links_with_credentials_are_not_published(tmp_path: Path):
    (tmp_path / "portal.yaml").write_text(
        f"sources:\n  - path: {EXAMPLES / 'retail-checkout'}\n"
        f"    link: https://user:{SECRETS['url']}@git.example/acme/retail/blob/main/\n")
    out = specmesh("portal", "build", "--config", str(tmp_path / "portal.yaml"), "--out", str(tmp_path / "site"))
    assert out.returncode == 0, out.stderr
    for page in (tmp_path / "site").rglob("*"):
        if page.is_file():
            assert SECRETS["url"] not in page.read_text(errors="replace"), page
    assert_no_secret(out.stdout, out.stderr)


# --- terminal escapes ----------------------------------------------------------------------------

ESCAPES = """asyncapi: '2.6.0'
id: 'urn:acme.term'
info:
  title: "Title\\e[2J\\e]0;owned\\a"
  version: '1.0.0'
channels:
  "_public.x\\e[31m":
    bindings: {kafka: {partitions: 1}}
    publish:
      operationId: pub
      summary: "sum\\rFAKE"
      message: {payload: {type: string}}
"""


@pytest.mark.parametrize("args", [("show",), ("lint",), ("lint", "--format", "github"), ("lint", "--format", "json"),
                                  ("flatten",)])
def test_control_characters_from_specs_never_reach_the_terminal_raw(tmp_path: Path, args: tuple):
    spec = tmp_path / "term-api.yaml"
    spec.write_text(ESCAPES)
    out = specmesh(args[0], str(spec), *args[1:])
    assert out.returncode in (0, 1), out.stderr
    for text in (out.stdout, out.stderr):
        assert "\x1b" not in text and "\x07" not in text and "\r" not in text
    assert any(shown in out.stdout for shown in ("\\u001b", "\\e"))  # \\e: YAML's own escape (flatten)
    if "json" in args:
        json.loads(out.stdout)  # the escapes keep JSON valid
