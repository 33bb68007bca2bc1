"""Hostile and broken input: a positioned error, exit code 2, no traceback, nothing read outside the root."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

GOOD_HEAD = """asyncapi: '2.6.0'
id: 'urn:acme.hostile'
info: {title: Hostile, version: '1.0.0'}
"""


def channel_with_payload(payload_yaml: str) -> str:
    return GOOD_HEAD + f"""channels:
  _public.thing:
    bindings: {{kafka: {{partitions: 1}}}}
    publish:
      operationId: publishThing
      message:
        payload:
          {payload_yaml}
"""


def billion_laughs() -> str:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, 10):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    return GOOD_HEAD + "\n".join(lines) + "\n"


CASES = {
    "malformed-yaml": (GOOD_HEAD + "channels: [a, b\n", "invalid YAML"),
    "duplicate-key": (GOOD_HEAD + "info: {title: again}\n", "duplicate key 'info'"),
    "root-is-a-list": ("- a\n- b\n", "mapping at the top level"),
    "empty-file": ("", "found empty"),
    "binary": (b"asyncapi: 2.6.0\n\x00\x01\x02", "binary content"),
    "bad-utf8": (b"asyncapi: '2.6.0'\nid: 'urn:a\xff\xfe'\n", "not valid UTF-8"),
    "billion-laughs": (billion_laughs(), "nodes (after alias expansion)"),
    "deep-nesting": (GOOD_HEAD + "x: " + "[" * 5000 + "]" * 5000 + "\n", "nesting deeper than"),
    "deep-block-nesting": (GOOD_HEAD + "".join(f"{'  ' * i}k{i}:\n" for i in range(300)) + "  " * 300 + "v: 1\n",
                           "nesting deeper than"),
    "python-tag": (GOOD_HEAD + "x: !!python/object/apply:os.system ['echo pwned']\n", "unsupported YAML tag"),
    "merge-key": (GOOD_HEAD + "base: &b {a: 1}\nx:\n  <<: *b\n", "merge keys"),
    "asyncapi-1x": ("asyncapi: '1.2.0'\ninfo: {title: x}\ntopics: {}\n", "AsyncAPI 1.2.0 is not supported"),
    "partitions-wrong-type": (GOOD_HEAD + "channels:\n  _public.a:\n    bindings: {kafka: {partitions: ten}}\n"
                              "    publish: {operationId: a}\n", "'partitions' must be a whole number"),
    "channels-not-mapping": (GOOD_HEAD + "channels: [a, b]\n", "'channels' must be a mapping"),
    "ref-escapes-with-dotdot": (channel_with_payload("$ref: ../../outside/secret.avsc"), "outside the spec root"),
    "ref-escapes-from-slash": (channel_with_payload("$ref: /../../outside/secret.avsc"), "outside the spec root"),
    "ref-http": (channel_with_payload("$ref: 'http://169.254.169.254/latest/meta-data'"), "URLs and file: refs are not followed"),
    "ref-file-url": (channel_with_payload("$ref: 'file:///etc/passwd'"), "URLs and file: refs are not followed"),
    "ref-cycle": (channel_with_payload("$ref: '#/components/schemas/A'") +
                  "components:\n  schemas:\n    A: {$ref: '#/components/schemas/B'}\n    B: {$ref: '#/components/schemas/A'}\n",
                  "cyclic $ref"),
    "ref-missing-target": (channel_with_payload("$ref: '#/components/schemas/Nope'"), "does not exist"),
    "ref-unsupported-file": (channel_with_payload("$ref: schema/x.exe"), "unsupported file type"),
    "too-many-aliases": (GOOD_HEAD + "a: &a x\nb: [" + ", ".join(["*a"] * 10_001) + "]\n", "more than 10000 YAML aliases"),
    "partitions-over-int32": (channel_with_payload("type: string").replace("partitions: 1", "partitions: 2147483648"),
                              "larger than Kafka allows (2147483647)"),
    "partitions-float": (channel_with_payload("type: string").replace("partitions: 1", "partitions: 1e20"),
                         "must be a whole number"),
    "partitions-huge-hex": (channel_with_payload("type: string").replace("partitions: 1", "partitions: 0x" + "f" * 100_000),
                            "is too long"),
    "partitions-huge-decimal": (channel_with_payload("type: string").replace("partitions: 1", "partitions: " + "9" * 100_000),
                                "cannot read"),
    "replicas-over-int16": (channel_with_payload("type: string").replace("partitions: 1", "partitions: 1, replicas: 40000"),
                            "larger than Kafka allows (32767)"),
    "json-shared-subtrees": (channel_with_payload("$ref: '#/components/schemas/D40'") + "components:\n  schemas:\n"
                             "    D0: {type: string}\n" + "".join(
                                 f"    D{i}: {{type: object, properties: {{a: {{$ref: '#/components/schemas/D{i - 1}'}}, "
                                 f"b: {{$ref: '#/components/schemas/D{i - 1}'}}}}}}\n" for i in range(1, 41)),
                             "expands to more than"),
    "json-combinator-shared-subtrees": (channel_with_payload("$ref: '#/components/schemas/D40'") + "components:\n  schemas:\n"
                                        "    D0: {type: object, properties: {x: {type: string}}}\n" + "".join(
                                            f"    D{i}: {{allOf: [{{$ref: '#/components/schemas/D{i - 1}'}}, "
                                            f"{{$ref: '#/components/schemas/D{i - 1}'}}]}}\n" for i in range(1, 41)),
                                        "expands to more than"),
}


def run_show(spec: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "specmesh_docs", "show", "--json", str(spec)],
                          capture_output=True, text=True, timeout=60, cwd=spec.parent)


def assert_clean_error(out: subprocess.CompletedProcess, spec_name: str, expected: str) -> None:
    assert out.returncode == 2, (out.stdout[-500:], out.stderr)
    assert "Traceback" not in out.stderr
    first_error = next(line for line in out.stderr.splitlines() if ": error: " in line)
    assert re.match(r"^[^:]+:\d+:\d+: error: ", first_error), first_error
    assert expected in out.stderr, out.stderr


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repo with a secret beside it, outside the spec root."""
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.avsc").write_text('{"type": "string", "doc": "TOP-SECRET"}')
    root = tmp_path / "a" / "b"
    (root / ".git").mkdir(parents=True)
    (root / "schema").mkdir()
    (root / "schema" / "x.exe").write_bytes(b"MZ")
    return root


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_input_gives_a_positioned_error(repo: Path, name: str):
    content, expected = CASES[name]
    spec = repo / f"{name}-api.yaml"
    spec.write_bytes(content if isinstance(content, bytes) else content.encode())
    out = run_show(spec)
    assert_clean_error(out, spec.name, expected)
    assert "TOP-SECRET" not in out.stdout + out.stderr


def test_symlink_out_of_the_root_is_refused(repo: Path):
    os.symlink(repo.parent.parent / "outside" / "secret.avsc", repo / "schema" / "link.avsc")
    spec = repo / "link-api.yaml"
    spec.write_text(channel_with_payload("$ref: schema/link.avsc"))
    out = run_show(spec)
    assert_clean_error(out, spec.name, "outside the spec root")
    assert "TOP-SECRET" not in out.stdout + out.stderr


def write_outside_spec(repo: Path) -> Path:
    """A spec (with a schema) outside the repo, as a build machine might hold one."""
    outside = repo.parent.parent / "outside"
    (outside / "schema").mkdir(exist_ok=True)
    (outside / "schema" / "s.avsc").write_text('{"type": "record", "name": "S", "fields": [{"name": "TOP_SECRET", "type": "string"}]}')
    (outside / "other-api.yaml").write_text(channel_with_payload("$ref: schema/s.avsc").replace("acme.hostile", "acme.leak")
                                            + "# TOP-SECRET\n")
    return outside / "other-api.yaml"


@pytest.mark.parametrize("command", [("show",), ("lint",), ("portal", "build")])
def test_a_symlinked_spec_resolving_outside_the_root_is_refused(repo: Path, command: tuple):
    os.symlink(write_outside_spec(repo), repo / "x-api.yaml")
    target = repo / "x-api.yaml" if command[0] == "show" else repo
    extra = ["--out", str(repo.parent / "site")] if command[0] == "portal" else []
    out = subprocess.run([sys.executable, "-m", "specmesh_docs", *command, str(target), *extra], capture_output=True,
                         text=True, timeout=120, cwd=repo)
    if command[0] == "portal":  # the portal builds the rest and lists the spec on its Problems page
        assert out.returncode == 0 and "x-api.yaml: is a symlink to a file outside the spec root" in out.stderr, out.stderr
        assert "symlink to a file outside" in (repo.parent / "site" / "problems" / "index.html").read_text()
    else:
        assert out.returncode == 2 and "x-api.yaml:0:0: error: is a symlink to a file outside the spec root" in out.stderr, out.stderr
    assert "TOP" not in out.stdout + out.stderr and "Traceback" not in out.stderr
    site = repo.parent / "site"
    assert not site.exists() or not any("TOP_SECRET" in f.read_text(errors="replace") for f in site.rglob("*") if f.is_file())


def test_a_symlinked_spec_inside_the_root_still_loads(repo: Path):
    (repo / "real").mkdir()
    (repo / "real" / "r-api.yaml").write_text(channel_with_payload("type: string"))
    os.symlink(repo / "real" / "r-api.yaml", repo / "x-api.yaml")
    out = run_show(repo / "x-api.yaml")
    assert out.returncode == 0, out.stderr


@pytest.mark.parametrize("where", ["spec", "schema"])
def test_a_symlink_loop_is_a_positioned_error(repo: Path, where: str):
    if where == "spec":
        os.symlink(repo / "b-api.yaml", repo / "a-api.yaml")
        os.symlink(repo / "a-api.yaml", repo / "b-api.yaml")
        spec = repo / "a-api.yaml"
    else:
        os.symlink(repo / "schema" / "q.avsc", repo / "schema" / "p.avsc")
        os.symlink(repo / "schema" / "p.avsc", repo / "schema" / "q.avsc")
        spec = repo / "loop-api.yaml"
        spec.write_text(channel_with_payload("$ref: schema/p.avsc"))
    out = run_show(spec)
    assert out.returncode == 2 and "a symlink loop" in out.stderr and "Traceback" not in out.stderr, out.stderr


def test_a_nul_byte_in_a_ref_is_a_positioned_error(repo: Path):
    spec = repo / "nul-api.yaml"
    spec.write_text(channel_with_payload('$ref: "schema/a\\0b.avsc"'))
    assert_clean_error(run_show(spec), spec.name, "NUL byte")


def avro_chain(repo: Path, count: int, fields_per_type: int) -> None:
    """T0 is a string record; T<i> has `fields_per_type` fields of type T<i-1>, each in its own file."""
    (repo / "schema" / "acme.T0.avsc").write_text('{"type": "record", "name": "T0", "namespace": "acme", '
                                                  '"fields": [{"name": "x", "type": "string"}]}')
    for i in range(1, count + 1):
        fields = ", ".join(f'{{"name": "f{j}", "type": "acme.T{i - 1}"}}' for j in range(fields_per_type))
        (repo / "schema" / f"acme.T{i}.avsc").write_text(
            f'{{"type": "record", "name": "T{i}", "namespace": "acme", "fields": [{fields}]}}')


def proto_chain(count: int, fields_per_message: int) -> str:
    lines = ['syntax = "proto3";', "package acme;"]
    lines.append(f"message M{count} {{ " + " ".join(f"M{count - 1} f{j} = {j + 1};" for j in range(fields_per_message)) + " }")
    for i in range(count - 1, 0, -1):
        lines.append(f"message M{i} {{ " + " ".join(f"M{i - 1} f{j} = {j + 1};" for j in range(fields_per_message)) + " }")
    lines.append("message M0 { string x = 1; }")
    return "\n".join(lines) + "\n"


def test_avro_named_types_shared_many_times_over_stop_with_an_error(repo: Path):
    avro_chain(repo, 40, 2)
    spec = repo / "avro-api.yaml"
    spec.write_text(channel_with_payload("$ref: schema/acme.T40.avsc").replace(
        "message:", "message:\n        schemaFormat: application/vnd.apache.avro+json;version=1.9.0"))
    assert_clean_error(run_show(spec), spec.name, "expands to more than")


def test_protobuf_messages_shared_many_times_over_stop_with_an_error(repo: Path):
    (repo / "schema" / "m.proto").write_text(proto_chain(40, 2))
    spec = repo / "proto-api.yaml"
    spec.write_text(channel_with_payload("$ref: schema/m.proto").replace(
        "message:", "message:\n        schemaFormat: application/vnd.google.protobuf"))
    assert_clean_error(run_show(spec), spec.name, "expands to more than")


@pytest.mark.parametrize("kind", ["avro", "protobuf", "json-oneof"])
def test_long_chains_within_the_limits_never_reach_the_recursion_limit(repo: Path, kind: str):
    spec = repo / "chain-api.yaml"
    if kind == "avro":
        avro_chain(repo, 1500, 1)
        spec.write_text(channel_with_payload("$ref: schema/acme.T1500.avsc").replace(
            "message:", "message:\n        schemaFormat: application/vnd.apache.avro+json;version=1.9.0"))
    elif kind == "protobuf":
        (repo / "schema" / "m.proto").write_text(proto_chain(1500, 1))
        spec.write_text(channel_with_payload("$ref: schema/m.proto").replace(
            "message:", "message:\n        schemaFormat: application/vnd.google.protobuf"))
    else:
        spec.write_text(channel_with_payload("$ref: '#/components/schemas/S0'") + "components:\n  schemas:\n" + "".join(
            f"    S{i}: {{oneOf: [{{$ref: '#/components/schemas/S{i + 1}'}}, {{type: object, properties: {{v{i}: {{type: string}}}}}}]}}\n"
            for i in range(1500)) + "    S1500: {type: string}\n")
    out = run_show(spec)
    assert out.returncode in (0, 2) and "Traceback" not in out.stderr and "internal error" not in out.stderr, out.stderr[-2000:]


@pytest.mark.parametrize("payload", [
    "type: object\n          properties:\n            left: {$ref: '#/components/schemas/Tree'}",
    "$ref: '#/components/schemas/Tree'",
])
def test_recursive_schemas_are_legal_and_shown_as_recursive(repo: Path, payload: str):
    spec = repo / "tree-api.yaml"
    spec.write_text(channel_with_payload(payload) + "components:\n  schemas:\n    Tree:\n      type: object\n"
                    "      properties:\n        left: {$ref: '#/components/schemas/Tree'}\n"
                    "        right: {$ref: '#/components/schemas/Tree'}\n"
                    "        children: {type: array, items: {$ref: '#/components/schemas/Tree'}}\n")
    out = run_show(spec)
    assert out.returncode == 0, out.stderr
    fields = {f["name"]: f["type"] for f in json.loads(out.stdout)["topics"][0]["value"]["fields"]}
    assert any(t.endswith("(recursive)") for t in fields.values()) and len(fields) < 20, fields


def test_two_files_referencing_each_other_from_two_properties_are_recursive(repo: Path):
    for me, other in (("a", "b"), ("b", "a")):
        (repo / "schema" / f"{me}.json").write_text(
            f'{{"type": "object", "properties": {{"x": {{"$ref": "{other}.json"}}, "y": {{"$ref": "{other}.json"}}}}}}')
    spec = repo / "pair-api.yaml"
    spec.write_text(channel_with_payload("$ref: schema/a.json"))
    out = run_show(spec)
    assert out.returncode == 0, out.stderr
    assert len(json.loads(out.stdout)["topics"][0]["value"]["fields"]) < 20


@pytest.mark.parametrize("json_type", ["5", "null", "true", "[string, 7]", "{a: 1}"])
@pytest.mark.parametrize("command", ["show", "lint"])
def test_a_json_schema_type_of_any_shape_is_never_a_crash(repo: Path, json_type: str, command: str):
    spec = repo / "type-api.yaml"
    spec.write_text(channel_with_payload(f"type: object\n          properties:\n            a: {{type: {json_type}}}")
                    .replace("payload:\n          type: object", f"payload:\n          type: {json_type}\n          x-k: 1"))
    out = subprocess.run([sys.executable, "-m", "specmesh_docs", command, str(spec)], capture_output=True, text=True,
                         timeout=60, cwd=repo)
    assert out.returncode in (0, 1, 2) and "Traceback" not in out.stderr and "internal error" not in out.stderr, out.stderr


def test_a_nul_byte_in_an_avro_name_is_a_positioned_error(repo: Path):
    spec = repo / "nul-api.yaml"
    spec.write_text(channel_with_payload('type: record\n          name: "a\\0b"\n          fields: [{name: x, type: "b\\0c"}]')
                    .replace("message:", "message:\n        schemaFormat: application/vnd.apache.avro+json;version=1.9.0"))
    out = run_show(spec)
    assert out.returncode == 2 and "Traceback" not in out.stderr and "internal error" not in out.stderr, out.stderr


def test_file_over_the_size_limit(repo: Path):
    spec = repo / "huge-api.yaml"
    spec.write_text(GOOD_HEAD + "x: '" + "a" * (9 * 1024 * 1024) + "'\n")
    assert_clean_error(run_show(spec), spec.name, "larger than the limit")


def test_self_referencing_file(repo: Path):
    (repo / "schema" / "loop.yaml").write_text("type: object\nproperties:\n  a: {$ref: 'loop.yaml#/properties/a'}\n")
    spec = repo / "loop-api.yaml"
    spec.write_text(channel_with_payload("$ref: schema/loop.yaml"))
    assert_clean_error(run_show(spec), spec.name, "cyclic $ref")


def test_directory_and_missing_file(tmp_path: Path):
    for target, expected in ((tmp_path, "not a file"), (tmp_path / "nope.yaml", "no such file")):
        out = subprocess.run([sys.executable, "-m", "specmesh_docs", "show", str(target)], capture_output=True, text=True)
        assert out.returncode == 2 and expected in out.stderr and "Traceback" not in out.stderr


def test_script_in_description_is_kept_as_text(repo: Path):
    evil = "<script>alert(1)</script><img src=x onerror=alert(2)> [x](javascript:alert(3))"
    spec = repo / "xss-api.yaml"
    spec.write_text(GOOD_HEAD.replace("title: Hostile", f"title: Hostile, description: '{evil}'"))
    out = run_show(spec)
    assert out.returncode == 0, out.stderr
    assert evil in out.stdout.replace('\\"', '"')
