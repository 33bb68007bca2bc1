"""A saved plan is authenticated by its content: every edit of every field of every change kind,
and every forged change, is refused with exit 1 and nothing reaches the cluster or the registry."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from confluent_kafka.schema_registry import SchemaRegistryClient

from specmesh_docs.cli import main
from tests.e2e.test_provision import acls_of, topics_under

pytestmark = pytest.mark.kafka

D = "tamper.shop"
VICTIM = "tamper.victim"
SPEC = """asyncapi: '2.6.0'
id: 'urn:{domain}'
info: {{title: T, version: '1.0.0', contact: {{name: T, email: t@acme.example}}}}
channels:
{channels}"""
CHANNEL = """  {name}:
    bindings: {{kafka: {{partitions: {partitions}}}}}
    publish:
      operationId: pub{n}
      summary: S.
      {tags}
      message:
        bindings: {{kafka: {{key: {{type: string}}}}}}
        payload: {{type: object, properties: {{id{n}: {{type: string}}}}}}
"""


def write(tmp_path: Path, domain: str, channels: list[tuple[str, int, str]]) -> str:
    folder = tmp_path / domain
    (folder / ".git").mkdir(parents=True, exist_ok=True)
    body = "".join(CHANNEL.format(name=name, partitions=p, n=i, tags=f"tags: [{{name: '{tag}'}}]" if tag else "")
                   for i, (name, p, tag) in enumerate(channels))
    (folder / "x-api.yaml").write_text(SPEC.format(domain=domain, channels=body))
    return str(folder / "x-api.yaml")


def run(capsys, kafka, *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["provision", "--command-config", kafka.admin_config_path, "--policy-from-repo", *args])
    out = capsys.readouterr()
    return code, out.out + out.err


def mutations(value):
    """Every way to change one value that keeps the JSON shape plausible."""
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, int):
        return [value + 1]
    if isinstance(value, str):
        return [value + "-forged", value.upper() if value != value.upper() else value.lower()]
    if value is None:
        return [{"forged": 1}]
    if isinstance(value, dict):
        return [{**value, "forged": 1}] + [{**value, k: m} for k, v in value.items() for m in mutations(v)[:1]]
    if isinstance(value, list):
        return [value + ["forged"], value[1:]] if value else [["forged"]]
    return []


def state(kafka, registry: SchemaRegistryClient, *domains: str):
    return ({d: topics_under(kafka, d + ".") for d in domains}, {d: acls_of(kafka, d) for d in domains},
            acls_of(kafka, "User:*"), acls_of(kafka, "mallory"),
            sorted(s for s in registry.get_subjects() if s.startswith("tamper.")))


def test_every_tampered_field_and_every_forged_change_is_refused(capsys, kafka, schema_registry, tmp_path):
    registry = SchemaRegistryClient({"url": schema_registry})
    victim = write(tmp_path, VICTIM, [("_public.data", 1, "")])
    assert run(capsys, kafka, victim)[0] == 0
    spec = write(tmp_path, D, [("_public.keep", 1, ""), ("_public.gone", 1, ""),
                               ("_protected.granted", 1, "grant-access:tamper.friend")])
    assert run(capsys, kafka, spec)[0] == 0
    write(tmp_path, D, [("_public.keep", 2, ""), ("_public.fresh", 1, ""),
                        ("_protected.granted", 1, "grant-access:tamper.other")])
    options = ["--clean-unspecified", "--allow-delete", "topics,acls", "--schema-registry", schema_registry]
    saved = tmp_path / "plan.json"
    code, out = run(capsys, kafka, spec, *options, "--plan-out", str(saved))
    assert code == 0, out
    plan = json.loads(saved.read_text())
    kinds = {(c["action"], c["kind"]) for c in plan["changes"]}
    assert {("create", "topic"), ("update", "topic"), ("delete", "topic"), ("create", "acl"), ("delete", "acl"),
            ("create", "schema")} <= kinds, kinds
    before = state(kafka, registry, D, VICTIM)

    tampered: list[tuple[str, dict]] = []
    seen_kinds: set[tuple[str, str]] = set()
    for i, change in enumerate(plan["changes"]):
        kind = (change["action"], change["kind"])
        if kind in seen_kinds:
            continue  # one change of each kind, every field of it
        seen_kinds.add(kind)
        for key, value in change.items():
            for forged in mutations(value):
                doc = copy.deepcopy(plan)
                doc["changes"][i][key] = forged
                tampered.append((f"{kind} {key}={forged!r}"[:120], doc))
    victim_topic = f"{VICTIM}._public.data"
    for forged in (
        {"action": "create", "kind": "acl", "domain": D, "name": "everyone on the victim",
         "before": None, "after": {"resource_type": "TOPIC", "name": f"{VICTIM}.", "pattern": "PREFIXED",
                                   "principal": "User:*", "operation": "ALL", "permission": "ALLOW", "host": "*"}},
        {"action": "create", "kind": "acl", "domain": D, "name": "mallory alters the cluster",
         "before": None, "after": {"resource_type": "CLUSTER", "name": "kafka-cluster", "pattern": "LITERAL",
                                   "principal": "User:mallory", "operation": "ALTER", "permission": "ALLOW", "host": "*"}},
        {"action": "delete", "kind": "topic", "domain": D, "name": victim_topic,
         "before": {"name": victim_topic, "partitions": 1, "replicas": None, "configs": {}}, "after": None},
    ):
        doc = copy.deepcopy(plan)
        doc["changes"].append(forged)
        tampered.append((f"appended {forged['name']}", doc))
        doc = copy.deepcopy(plan)
        doc["changes"].append(forged)
        doc["summary"][forged["action"]] += 1  # a careful forger fixes the counts too
        tampered.append((f"appended {forged['name']} with the summary fixed", doc))

    assert len(tampered) > 40
    accepted = []
    for label, doc in tampered:
        forged_file = tmp_path / "forged.json"
        forged_file.write_text(json.dumps(doc))
        code, out = run(capsys, kafka, "--plan", str(forged_file), *options)
        if code != 1 or "does not match" not in out:
            accepted.append((label, code, out[-300:]))
    assert accepted == []
    assert state(kafka, registry, D, VICTIM) == before  # nothing applied, by any of them

    code, out = run(capsys, kafka, "--plan", str(saved), *options)  # the genuine plan still applies
    assert code == 0, out
    topics = topics_under(kafka, D + ".")
    assert topics.get(f"{D}._public.keep") == 2 and f"{D}._public.fresh" in topics and f"{D}._public.gone" not in topics
    assert topics_under(kafka, VICTIM + ".") == {victim_topic: 1}


def test_no_credential_reaches_a_saved_plan_or_any_output(capsys, kafka, schema_registry, tmp_path, monkeypatch):
    """The admin password, a registry URL's credentials and a SPECMESH_* secret, against a real cluster."""
    from tests.e2e.conftest import read_properties

    admin_password = read_properties(kafka.admin_config_path)["sasl.password"]
    marker = "SEKRET-PLAN-4b2c"
    monkeypatch.setenv("SPECMESH_KAFKA_SSL_KEY_PASSWORD", marker + "-env")
    registry = schema_registry.replace("http://", f"http://svc:{marker}@")
    spec = write(tmp_path, "tamper.secrets", [("_public.a", 1, "")])
    saved = tmp_path / "plan.json"
    outputs = []
    for args in (("--plan-out", str(saved)), ("--dry-run", "--format", "json"), ("--dry-run",)):
        code, out = run(capsys, kafka, spec, "--schema-registry", registry, *args)
        assert code == 0, out
        outputs.append(out)
    code, out = run(capsys, kafka, "--plan", str(saved), "--schema-registry", registry)
    assert code == 0, out
    for text in (*outputs, out, saved.read_text()):
        assert admin_password not in text and marker not in text
