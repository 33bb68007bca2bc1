"""`specmesh verify` speed: TOPICS topics (a third each Avro, JSON Schema and Protobuf, 20 specs),
RECORDS framed records each, verified in one run. Starts its own broker and registry with
scripts/kafka-dev and scripts/registry-dev.

python benchmarks/verify_bench.py [TOPICS] [RECORDS]   (target for 200 x 100: <= 15 s wall, <= 300 MB)
"""

from __future__ import annotations

import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

PER_SPEC = 10
# the verify process reports its own peak (the provisioning run before it is a child of this one too)
MEASURED = ("import resource, sys\nfrom specmesh_docs.cli import main\ncode = main(sys.argv[1:])\n"
            "sys.stderr.write(f'maxrss_kib={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}\\n')\nsys.exit(code)")
AVRO = {"type": "record", "name": "Reading", "namespace": "NS", "fields": [
    {"name": "id", "type": "string"}, {"name": "value", "type": "double"}, {"name": "at", "type": "long"},
    {"name": "tags", "type": {"type": "array", "items": "string"}}]}
JSON = {"type": "object", "required": ["id", "value"], "additionalProperties": False, "properties": {
    "id": {"type": "string", "maxLength": 40}, "value": {"type": "number"}, "at": {"type": "integer", "minimum": 0},
    "tags": {"type": "array", "items": {"type": "string"}}}}
PROTO = 'syntax = "proto3";\npackage NS;\n\nmessage Reading {\n  string id = 1;\n  double value = 2;\n  int64 at = 3;\n' \
        '  repeated string tags = 4;\n}\n'
FORMATS = {"avro": ("application/vnd.apache.avro+json;version=1.9.0", "avsc"),
           "json": ("application/schema+json;version=draft-07", "json"),
           "protobuf": ("application/vnd.google.protobuf;version=3", "proto")}


def dev(script: str, command: str, home: Path) -> dict[str, str]:
    variable = "KAFKA_DEV_HOME" if script == "kafka-dev" else "REGISTRY_DEV_HOME"
    out = subprocess.run([str(REPO / "scripts" / script), command], capture_output=True, text=True, check=True,
                         env=dict(os.environ, **{variable: str(home)}))
    return dict(line.split("=", 1) for line in out.stdout.splitlines() if "=" in line)


def write_estate(root: Path, topics: int) -> list[tuple[Path, list[tuple[str, str]]]]:
    """Specs of PER_SPEC topics each; returns (spec, [(topic, format)])."""
    out = []
    formats = list(FORMATS)
    for s in range((topics + PER_SPEC - 1) // PER_SPEC):
        domain = f"bench.verify{s:03d}"
        folder = root / domain
        (folder / "schema").mkdir(parents=True)
        channels, made = [], []
        for i in range(min(PER_SPEC, topics - s * PER_SPEC)):
            fmt = formats[(s * PER_SPEC + i) % 3]
            mime, ext = FORMATS[fmt]
            ns = f"{domain}.t{i}"
            text = (json.dumps(AVRO).replace("NS", ns) if fmt == "avro" else json.dumps(JSON) if fmt == "json"
                    else PROTO.replace("NS", ns))
            (folder / "schema" / f"t{i}.{ext}").write_text(text)
            channels.append(f"""  _public.t{i}:
    bindings: {{kafka: {{partitions: 3, configs: {{cleanup.policy: delete}}}}}}
    publish:
      operationId: publishT{i}
      summary: Readings.
      message:
        schemaFormat: {mime}
        bindings: {{kafka: {{key: {{type: string, description: Reading id.}}}}}}
        payload: {{$ref: schema/t{i}.{ext}}}
""")
            made.append((f"{domain}._public.t{i}", fmt))
        spec = folder / "asyncapi.yaml"
        spec.write_text(f"asyncapi: '2.6.0'\nid: 'urn:{domain}'\ninfo: {{title: Bench, version: '1.0.0', contact: "
                        f"{{name: Bench, email: bench@acme.example}}}}\nchannels:\n" + "".join(channels))
        out.append((spec, made))
    return out


def encoder(fmt: str, topic: str, schema_id: int):
    if fmt == "avro":
        import fastavro

        parsed = fastavro.parse_schema(json.loads(json.dumps(AVRO).replace("NS", topic.rsplit("._public.", 1)[0] + "."
                                                                             + topic.rsplit(".", 1)[1])))

        def encode(value: dict) -> bytes:
            body = io.BytesIO()
            fastavro.schemaless_writer(body, parsed, value)
            return body.getvalue()
        prefix = b""
    elif fmt == "json":
        encode, prefix = (lambda value: json.dumps(value).encode()), b""
    else:
        from specmesh_docs.compat.protobuf import message_class

        ns = topic.rsplit("._public.", 1)[0] + "." + topic.rsplit(".", 1)[1]
        cls, _ = message_class(PROTO.replace("NS", ns), f"{ns}.Reading")
        encode, prefix = (lambda value: cls(**value).SerializeToString()), b"\0"
    head = b"\0" + schema_id.to_bytes(4, "big") + prefix
    return lambda value: head + encode(value)


def fill(estate, bootstrap_settings: dict, registry: str, records: int) -> None:
    from confluent_kafka import Producer
    from confluent_kafka.schema_registry import SchemaRegistryClient

    client = SchemaRegistryClient({"url": registry})
    producer = Producer({**bootstrap_settings, "linger.ms": 20, "acks": "1"})
    for _, made in estate:
        for topic, fmt in made:
            encode = encoder(fmt, topic, client.get_latest_version(f"{topic}-value").schema_id)
            for n in range(records):
                producer.produce(topic, key=f"r-{n}".encode(), value=encode(
                    {"id": f"r-{n}", "value": n / 3, "at": 1_700_000_000 + n, "tags": ["a", "b"]}), partition=n % 3)
            producer.poll(0)
    assert producer.flush(120) == 0


def main() -> None:
    topics = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    records = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    from tests.e2e.conftest import read_properties

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / ".git").mkdir()
        estate = write_estate(root / "estate", topics)
        kafka = dev("kafka-dev", "start", root / "kafka")
        try:
            registry = dev("registry-dev", "start", root / "registry")["schema.registry.url"]
            try:
                specs = [str(s) for s, _ in estate]
                policy = str(REPO / "examples" / "organisation-policy.yaml")
                made = subprocess.run([sys.executable, "-m", "specmesh_docs", "provision", *specs, "--command-config",
                                       kafka["admin.config"], "--schema-registry", registry, "--config", policy],
                                      capture_output=True, text=True, cwd=REPO)
                if made.returncode != 0:
                    sys.exit(f"provision failed:\n{made.stderr[-2000:]}")
                fill(estate, read_properties(kafka["admin.config"]), registry, records)
                walls, peaks = [], []
                for _ in range(3):
                    start = time.perf_counter()
                    run = subprocess.run([sys.executable, "-c", MEASURED, "verify", *specs, "--command-config",
                                          kafka["admin.config"], "--schema-registry", registry, "--config", policy,
                                          "--records", str(records), "--format", "json"],
                                         capture_output=True, text=True, cwd=REPO)
                    walls.append(time.perf_counter() - start)
                    peaks += [int(line.split("=")[1]) for line in run.stderr.splitlines() if line.startswith("maxrss_kib=")]
                    if run.returncode != 0:
                        sys.exit(f"verify failed ({run.returncode}):\n{run.stderr[-2000:]}\n{run.stdout[-2000:]}")
                    doc = json.loads(run.stdout)
                    assert doc["totals"]["records_read"] == topics * records, doc["totals"]
                    assert doc["totals"]["records_valid"] == topics * records, doc["totals"]
                wall = statistics.median(walls)
                print(f"verify {topics} topics x {records} records (Avro, JSON Schema, Protobuf): {wall:.1f} s wall "
                      f"(runs: {', '.join(f'{w:.1f}' for w in walls)}), {topics * records / wall:,.0f} records/s end to "
                      f"end, {doc['records_per_second']:,.0f} records/s inside the run, peak RSS "
                      f"{max(peaks) / 1024:.0f} MB (target <= 15 s, <= 300 MB)")
            finally:
                dev("registry-dev", "stop", root / "registry")
        finally:
            dev("kafka-dev", "stop", root / "kafka")


if __name__ == "__main__":
    main()
