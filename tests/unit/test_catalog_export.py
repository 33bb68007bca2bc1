"""`specmesh catalog export`: Backstage entities checked by Backstage's own validators (node +
@backstage/catalog-model), DataHub proposals read by DataHub's own library, catalog.json by
its shipped JSON Schema; all deterministic."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import EXAMPLES, REPO

BACKSTAGE = REPO / "tests" / "backstage"


def export(fmt: str, out: Path, *sources: str, extra=()) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "specmesh_docs", "catalog", "export", *(sources or [str(EXAMPLES)]),
                           "--format", fmt, "--out", str(out), *extra], capture_output=True, text=True, cwd=REPO, timeout=120)


@pytest.fixture(scope="module")
def node_modules() -> Path:
    """Installed by scripts/bootstrap (npm, cached); a missing install is a failure, not a skip."""
    cache = Path(subprocess.run([str(BACKSTAGE / "cache-dir")], capture_output=True, text=True, check=True).stdout.strip())
    modules = cache / "node_modules"
    assert (modules / "@backstage" / "catalog-model").is_dir(), f"run scripts/bootstrap: no {modules}"
    return modules


def backstage_verdict(entities: list[dict], node_modules: Path) -> dict:
    run = subprocess.run(["node", str(BACKSTAGE / "validate.js")], input=json.dumps(entities), capture_output=True,
                         text=True, timeout=120, env=dict(os.environ, NODE_PATH=str(node_modules)))
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def by_ref(entities: list[dict]) -> dict[str, dict]:
    return {f"{e['kind'].lower()}:{e['metadata']['name']}": e for e in entities}


def test_backstage_entities_pass_backstages_validators_and_wire_producers_topics_consumers(tmp_path, node_modules):
    run = export("backstage", tmp_path)
    assert run.returncode == 0, run.stderr
    entities = list(yaml.safe_load_all((tmp_path / "catalog-info.yaml").read_text()))
    verdict = backstage_verdict(entities, node_modules)
    assert verdict == {"valid": len(entities), "errors": []}
    refs = by_ref(entities)
    kinds = {e["kind"] for e in entities}
    assert kinds == {"Group", "Domain", "System", "Component", "API", "Resource"}
    assert {"domain:finance", "domain:health", "domain:platform", "domain:retail"} <= set(refs)
    sale = refs["resource:finance.campaign._public.sale"]
    assert sale["spec"]["type"] == "kafka-topic" and sale["spec"]["dependsOn"] == ["component:finance.campaign"]
    assert sale["spec"]["dependencyOf"] == ["component:health.life_enhancer", "component:retail.checkout"]
    assert sale["metadata"]["annotations"]["specmesh.io/access"] == "public"
    workout = refs["resource:health.fitness._protected.workout"]
    assert workout["metadata"]["annotations"]["specmesh.io/pii"] == "true" and "pii" in workout["metadata"]["tags"]
    assert refs["system:finance.campaign"]["spec"] == {"owner": "group:campaign-finance", "domain": "finance"}
    reader = refs["component:retail.checkout"]["spec"]
    assert reader["providesApis"] == ["api:retail.checkout"] and "api:finance.campaign" in reader["consumesApis"]
    api = refs["api:health.fitness"]["spec"]
    assert api["type"] == "asyncapi"
    definition = yaml.safe_load(api["definition"])  # file refs inlined: the Avro record is in the definition
    payload = definition["channels"]["_public.user-health"]["publish"]["message"]["payload"]
    assert payload["type"] == "record" and payload["name"] == "UserHealth"
    assert "$ref" not in api["definition"].replace("'#/", "")


def test_backstage_validators_do_fail_on_a_broken_entity(node_modules):
    """The check above can fail: Backstage rejects a bad name and an upper-case tag."""
    bad = [{"apiVersion": "backstage.io/v1alpha1", "kind": "System", "metadata": {"name": "no spaces!", "tags": ["PII"]},
            "spec": {"owner": "group:x"}}]
    verdict = backstage_verdict(bad, node_modules)
    assert verdict["valid"] == 0 and len(verdict["errors"]) == 1


def test_hostile_names_owners_and_tags_become_valid_backstage_entities(tmp_path, node_modules):
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    long_type = "x" * 120
    (repo / "evil-api.yaml").write_text(f"""asyncapi: '2.6.0'
id: 'urn:evil.corp'
x-owner: '<script>alert(1)</script> Ops, (Team)'
info: {{title: '<img src=x onerror=alert(1)>', version: '1', contact: {{name: 'a,b', email: 'x@y.example'}}}}
channels:
  _public.{long_type}:
    publish:
      tags: [{{name: 'Ünïcode TAG!!'}}, {{name: 'grant-access:nobody'}}]
      message: {{payload: {{type: object, properties: {{id: {{type: string}}}}}}}}
""")
    run = export("backstage", tmp_path / "out", str(repo))
    assert run.returncode == 0, run.stderr
    entities = list(yaml.safe_load_all((tmp_path / "out" / "catalog-info.yaml").read_text()))
    assert backstage_verdict(entities, node_modules) == {"valid": len(entities), "errors": []}
    topic = next(e for e in entities if e["kind"] == "Resource")
    assert len(topic["metadata"]["name"]) <= 63 and topic["metadata"]["title"] == f"evil.corp._public.{long_type}"


def test_datahub_proposals_load_with_datahubs_own_classes(tmp_path):
    from datahub.emitter.mcp import MetadataChangeProposalWrapper
    from datahub.ingestion.source.file import read_metadata_file

    run = export("datahub", tmp_path, extra=("--env", "DEV"))
    assert run.returncode == 0, run.stderr
    items = list(read_metadata_file(tmp_path / "datahub-mcps.json"))
    raw = json.loads((tmp_path / "datahub-mcps.json").read_text())
    assert len(items) == len(raw) > 50
    assert all(isinstance(i, MetadataChangeProposalWrapper) and i.validate() for i in items)
    aspects = {(i.entityUrn, i.aspectName): i.aspect for i in items}
    workout = "urn:li:dataset:(urn:li:dataPlatform:kafka,health.fitness._protected.workout,DEV)"
    fields = {f.fieldPath: f for f in aspects[(workout, "schemaMetadata")].fields}
    assert fields["email"].globalTags.tags[0].tag == "urn:li:tag:PII" and fields["user_id"].globalTags is None
    assert "route[].lat" in fields and fields["route[].lat"].globalTags is not None
    props = aspects[(workout, "datasetProperties")].customProperties
    assert props["access"] == "protected" and props["data_product"] == "health.fitness" and props["partitions"] == "3"
    assert aspects[(workout, "domains")].domains == ["urn:li:domain:health.fitness"]
    owners = [o.owner for o in aspects[(workout, "ownership")].owners]
    assert owners == ["urn:li:corpGroup:Fitness-team", "urn:li:corpuser:fitness@acme.example"]
    job = "urn:li:dataJob:(urn:li:dataFlow:(specmesh,health.life_enhancer,DEV),service)"
    lineage = aspects[(job, "dataJobInputOutput")]
    assert "urn:li:dataset:(urn:li:dataPlatform:kafka,health.fitness._public.user-health,DEV)" in lineage.inputDatasets
    run = export("datahub", tmp_path / "bad", extra=("--env", "Prod,x)"))
    assert run.returncode == 2 and "--env is one of" in run.stderr and "Traceback" not in run.stderr


def test_catalog_json_matches_its_shipped_schema_and_every_format_is_deterministic(tmp_path):
    import jsonschema

    schema = json.loads((REPO / "specmesh_docs" / "publish" / "catalog.schema.json").read_text())
    for fmt, name in (("json", "catalog.json"), ("backstage", "catalog-info.yaml"), ("datahub", "datahub-mcps.json")):
        first = export(fmt, tmp_path / "a")
        second = export(fmt, tmp_path / "b")
        assert first.returncode == second.returncode == 0, first.stderr
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), fmt
        again = export(fmt, tmp_path / "a")
        assert f"{name} unchanged" in again.stderr
    document = json.loads((tmp_path / "a" / "catalog.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(document)
    document["products"][0]["topics"][0]["access"] = "_secret"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate(document)


def test_datahub_urns_never_carry_a_hostile_name(tmp_path):
    """A channel name Kafka would refuse cannot reach an URN (`,` and `)` would split it): left out, and said."""
    from datahub.ingestion.source.file import read_metadata_file

    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "evil-api.yaml").write_text("""asyncapi: '2.6.0'
id: 'urn:evil.corp'
info: {title: Evil, version: '1', contact: {name: 'x), urn:li:corpuser:admin', email: 'a,b@c.example'}}
channels:
  '_public.a,PROD),(urn:li:dataPlatform:kafka,b':
    publish: {message: {payload: {type: string}}}
  _public.fine:
    publish: {tags: [{name: 'x),(y'}], message: {payload: {type: object, properties: {id: {type: string}}}}}
""")
    run = export("datahub", tmp_path / "out", str(repo))
    assert run.returncode == 0, run.stderr
    assert "left out: not a Kafka topic name" in run.stderr
    items = list(read_metadata_file(tmp_path / "out" / "datahub-mcps.json"))
    assert all(i.validate() for i in items)
    urns = {i.entityUrn for i in items}
    assert "urn:li:dataset:(urn:li:dataPlatform:kafka,evil.corp._public.fine,PROD)" in urns
    assert not any("_public.a" in u for u in urns)
    owners = {o.owner for i in items if i.aspectName == "ownership" for o in i.aspect.owners}
    assert owners == {"urn:li:corpGroup:x-urn-li-corpuser-admin"}  # the e-mail is not one: no corpuser
    tags = {t.tag for i in items if i.aspectName == "globalTags" for t in i.aspect.tags}
    assert tags == {"urn:li:tag:x-y"}
