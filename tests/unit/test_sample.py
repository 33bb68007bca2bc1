"""`specmesh sample`: records that validate against their schemas (fastavro, jsonschema, the
Protobuf runtime on descriptors built by buf), fake PII, boundary values, determinism."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import fastavro
import jsonschema
import pytest

from specmesh_docs.sample import records
from specmesh_docs.model import load_spec
from specmesh_docs.model.yamlload import plain
from tests.conftest import EXAMPLES, REPO

SPECS = sorted(EXAMPLES.glob("*/*-api.yaml"))
TOPICS = [(spec, t.name) for spec in SPECS for t in load_spec(spec).topics]


def topic_of(spec: Path, name: str):
    return next(t for t in load_spec(spec).topics if t.name == name)


def protobuf_class(schema, tmp_path: Path):
    """The message class from the .proto, compiled by buf into descriptors the runtime loads."""
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    proto = tmp_path / "proto" / "schema.proto"
    proto.parent.mkdir(parents=True, exist_ok=True)
    proto.write_text(str(schema.document))
    image = tmp_path / "image.binpb"
    buf = Path(sys.executable).parent / "buf"
    subprocess.run([str(buf), "build", str(proto.parent), "-o", str(image)], check=True, capture_output=True, timeout=120)
    files = descriptor_pb2.FileDescriptorSet.FromString(image.read_bytes())
    pool = descriptor_pool.DescriptorPool()
    for f in files.file:
        pool.Add(f)
    name = next(m.name for f in files.file for m in f.message_type if m.name == schema.full_name.rpartition(".")[2])
    package = files.file[-1].package
    return message_factory.GetMessageClass(pool.FindMessageTypeByName(f"{package}.{name}" if package else name))


def check(schema, values, tmp_path: Path) -> None:
    if schema.format == "avro":
        parsed = fastavro.parse_schema(plain(schema.document), named_schemas={k: plain(v) for k, v in schema.named.items()})
        for v in values:
            fastavro.validation.validate(v, parsed, raise_errors=True)
    elif schema.format == "protobuf":
        from google.protobuf import json_format

        cls = protobuf_class(schema, tmp_path)
        for v in values:
            json_format.ParseDict(v, cls())  # raises on an unknown field or a wrong type
    else:
        for v in values:
            jsonschema.validate(v, plain(schema.document))


@pytest.mark.parametrize("boundary", [False, True])
@pytest.mark.parametrize("spec, name", TOPICS, ids=[n for _, n in TOPICS])
def test_every_example_topics_records_validate_against_its_schemas(spec, name, boundary, tmp_path):
    topic = topic_of(spec, name)
    for schema in (topic.key, topic.value):
        if schema is not None:
            check(schema, records(schema, 6, seed=7, boundary=boundary), tmp_path)


def test_pii_fields_get_visibly_fake_values():
    topic = topic_of(EXAMPLES / "platform-control-plane" / "platform-control-plane-api.yaml", "platform.control_plane._protected.users")
    for value in records(topic.value, 5, seed=1):
        assert value["email"].endswith("@example.invalid") and value["full_name"].startswith("Test Person")


def test_boundary_records_hold_the_edges():
    workout = topic_of(EXAMPLES / "health-fitness" / "health-fitness-api.yaml", "health.fitness._protected.workout").value
    low, high = records(workout, 2, seed=0, boundary=True)
    assert low["route"] is None  # the null branch of ["null", array]
    assert low["duration_s"] == -2**31 and high["duration_s"] == 2**31 - 1  # Avro int
    symbols = next(f["type"]["symbols"] for f in plain(workout.document)["fields"] if f["name"] == "kind")
    assert low["kind"] == max(symbols, key=len)
    sale = topic_of(EXAMPLES / "finance-campaign" / "finance-campaign-api.yaml", "finance.campaign._public.sale").value
    low = records(sale, 1, seed=0, boundary=True)[0]
    assert "channel" not in low  # optional fields left out at the low edge; required ones present
    assert set(plain(sale.document)["required"]) <= set(low)


def test_the_same_seed_gives_the_same_records_and_the_cli_prints_json_lines():
    spec = str(EXAMPLES / "health-fitness" / "health-fitness-api.yaml")
    argv = [sys.executable, "-m", "specmesh_docs", "sample", spec, "--topic", "_public.user-health", "-n", "3", "--seed", "5"]
    first = subprocess.run(argv, capture_output=True, text=True, cwd=REPO, timeout=60)
    second = subprocess.run(argv, capture_output=True, text=True, cwd=REPO, timeout=60)
    assert first.returncode == 0 and first.stdout == second.stdout, first.stderr
    lines = [json.loads(line) for line in first.stdout.splitlines()]
    assert len(lines) == 3 and {line["topic"] for line in lines} == {"health.fitness._public.user-health"}
    other = subprocess.run([*argv[:-1], "6"], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert other.stdout != first.stdout
    bad = subprocess.run([*argv[:5], "--topic", "nope"], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert bad.returncode == 2 and "no owned topic 'nope'" in bad.stderr and "Traceback" not in bad.stderr
