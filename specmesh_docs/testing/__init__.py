"""Black-box tests of a bounded context from its spec: a pytest plugin (`pip install
'specmesh_docs[testing]'`; registered through the `pytest11` entry point).

Fixtures:
- `specmesh_cluster` (session): a real Apache Kafka started by the `kafka-dev` script shipped in
  this package (KRaft, SASL, StandardAuthorizer, loopback), or an existing cluster when
  `SPECMESH_BOOTSTRAP_SERVERS` is set (admin client properties in `SPECMESH_COMMAND_CONFIG`).
- `specmesh_registry` (session): a schema registry URL, `SPECMESH_SCHEMA_REGISTRY_URL` or the
  packaged `registry-dev` (Apicurio, built once with Maven); only started when a test asks.
- `provisioned(spec, *others, registry=None, policy=None)`: provisions the specs with the real
  `specmesh provision` (the others first: the contexts this one reads from) and returns a
  `Context`. Isolation: the topics under the specs' domains are deleted first, so every test
  starts from empty topics; each `consume` uses a fresh consumer group.

`Context.as_domain("acme.x")` gives a client authenticated as that domain's own SCRAM principal
(created on the packaged broker), with `produce(topic, value, key=None)` and
`consume(topic, n=1, timeout=10)`; values are JSON without a registry, Avro, JSON Schema or
Protobuf (its JSON mapping; the registered .proto compiled by buf at run time) through the
registry with one. `Context.expect(topic, predicate, within=10)` waits for a matching
record; `Context.assert_denied(domain, topic)` checks that the domain may not read the topic;
`Context.verify(topic)` runs `specmesh verify` on the topic and fails on any record that does
not conform to the spec (the service under test wrote only what its spec promises).
`Context.credentials(domain)` gives the client settings a service under test runs with.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def _quiet() -> logging.Logger:
    """librdkafka's own log for the clients a test makes: kept off the test's stderr."""
    logger = logging.getLogger("specmesh.testing.librdkafka")
    logger.propagate = False
    if not logger.handlers:
        logger.addHandler(logging.NullHandler())
    return logger


@dataclass
class ClusterInfo:
    bootstrap: str
    admin_config: str  # a client properties file with the admin's credentials
    managed: bool  # started by this plugin: SCRAM principals can be created

    @property
    def admin_settings(self) -> dict[str, str]:
        from ..provision.client import client_settings

        return dict(client_settings(self.bootstrap, self.admin_config))


def dev_script(name: str, command: str, home: Path, *args: str) -> dict[str, str]:
    """Runs the packaged kafka-dev or registry-dev; the key=value lines it prints."""
    variable = "KAFKA_DEV_HOME" if name == "kafka-dev" else "REGISTRY_DEV_HOME"
    run = subprocess.run(["bash", str(HERE / name), command, *args], capture_output=True, text=True, timeout=900,
                         env=dict(os.environ, **{variable: str(home)}))
    if run.returncode != 0:
        raise RuntimeError(f"{name} {command} failed:\n{run.stderr[-3000:]}")
    return dict(line.split("=", 1) for line in run.stdout.splitlines() if "=" in line)


def create_scram_user(admin_settings: dict[str, str], name: str) -> str:
    """A SCRAM-SHA-512 user made by the admin; returns its new random password."""
    from confluent_kafka.admin import AdminClient, ScramCredentialInfo, ScramMechanism, UserScramCredentialUpsertion

    password = uuid.uuid4().hex
    upsert = UserScramCredentialUpsertion(name, ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), password.encode())
    admin = AdminClient(admin_settings)  # kept alive until the futures resolve
    for future in admin.alter_user_scram_credentials([upsert]).values():
        future.result(timeout=30)
    return password


@pytest.fixture(scope="session")
def specmesh_cluster(tmp_path_factory):
    bootstrap = os.environ.get("SPECMESH_BOOTSTRAP_SERVERS")
    if bootstrap:
        config = os.environ.get("SPECMESH_COMMAND_CONFIG")
        if not config:
            raise pytest.UsageError("SPECMESH_BOOTSTRAP_SERVERS needs SPECMESH_COMMAND_CONFIG (the admin's client properties)")
        yield ClusterInfo(bootstrap, config, managed=os.environ.get("SPECMESH_SCRAM", "") == "1")
        return
    home = tmp_path_factory.mktemp("specmesh-kafka")
    info = dev_script("kafka-dev", "start", home)
    try:
        yield ClusterInfo(info["bootstrap.servers"], info["admin.config"], managed=True)
    finally:
        dev_script("kafka-dev", "stop", home)


@pytest.fixture(scope="session")
def specmesh_registry(tmp_path_factory):
    url = os.environ.get("SPECMESH_SCHEMA_REGISTRY_URL")
    if url:
        yield url
        return
    home = tmp_path_factory.mktemp("specmesh-registry")
    info = dev_script("registry-dev", "start", home)
    try:
        yield info["schema.registry.url"]
    finally:
        dev_script("registry-dev", "stop", home)


@pytest.fixture
def provisioned(specmesh_cluster):
    contexts: list[Context] = []

    def make(spec, *others, registry: str | None = None, policy: str | None = None) -> Context:
        context = Context(specmesh_cluster, [Path(s) for s in (*others, spec)], registry, policy)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@dataclass
class Context:
    """The provisioned specs, and clients that act as their domains."""

    cluster: ClusterInfo
    specs: list[Path]
    registry: str | None = None
    policy: str | None = None
    products: dict = field(default_factory=dict)  # domain -> DataProduct
    _secrets: dict = field(default_factory=dict)  # principal name -> password
    _clients: list = field(default_factory=list)

    def __post_init__(self):
        from ..policy import PolicyCache, org_policy_path
        from ..model import load_spec

        policies = PolicyCache(org_policy_path(self.policy))
        for spec in self.specs:
            policy = policies.for_spec(spec)
            product = load_spec(spec, principal_format=policy.principal_format, domain_from=policy.domain_from,
                                v2_operations=policy.v2_operations)
            self.products[product.domain] = product
        self._reset()
        for spec in self.specs:
            self._provision(spec)

    # --- setting up ------------------------------------------------------------------------

    def _reset(self) -> None:
        """Deletes the topics under the specs' domains: each test starts from empty topics."""
        admin = self._admin()
        prefixes = tuple(d + "." for d in self.products)
        doomed = [t for t in admin.list_topics(timeout=30).topics if t.startswith(prefixes)]
        if not doomed:
            return
        for future in admin.delete_topics(doomed, operation_timeout=30).values():
            future.result(timeout=60)
        deadline = time.monotonic() + 60
        while any(t.startswith(prefixes) for t in admin.list_topics(timeout=30).topics):
            if time.monotonic() > deadline:
                raise RuntimeError(f"topics under {', '.join(self.products)} were not deleted within 60 s")
            time.sleep(0.2)

    def _provision(self, spec: Path) -> None:
        argv = [sys.executable, "-m", "specmesh_docs", "provision", str(spec), "--command-config", self.cluster.admin_config]
        argv += ["--config", self.policy] if self.policy else ["--policy-from-repo"]
        if self.registry:
            argv += ["--schema-registry", self.registry]
        run = subprocess.run(argv, capture_output=True, text=True, timeout=600)
        if run.returncode != 0:
            raise AssertionError(f"specmesh provision {spec} failed ({run.returncode}):\n{run.stderr[-3000:]}\n{run.stdout[-2000:]}")

    def _admin(self):
        from confluent_kafka.admin import AdminClient

        return AdminClient(self.cluster.admin_settings)

    # --- acting as a domain -------------------------------------------------------------------

    def credentials(self, domain: str) -> dict[str, str]:
        """Client settings for `domain`'s own principal (its owner principal, e.g. User:acme.x)."""
        principal = self._principal_of(domain)
        if not self.cluster.managed:
            raise pytest.UsageError("acting as a domain needs SCRAM principals: the plugin's own broker, or "
                                    "SPECMESH_SCRAM=1 when the cluster given allows the admin to create them")
        if principal not in self._secrets:
            self._secrets[principal] = create_scram_user(self.cluster.admin_settings, principal)
        base = {k: v for k, v in self.cluster.admin_settings.items() if not k.startswith(("sasl.", "schema.registry."))}
        return {**base, "security.protocol": base.get("security.protocol", "SASL_PLAINTEXT"),
                "sasl.mechanism": "SCRAM-SHA-512", "sasl.username": principal, "sasl.password": self._secrets[principal]}

    def _principal_of(self, domain: str) -> str:
        product = self.products.get(domain)
        owner = product.owner_principal if product else f"User:{domain}"
        return owner.split(":", 1)[1] if ":" in owner else owner

    def as_domain(self, domain: str) -> DomainClient:
        client = DomainClient(self, domain, self.credentials(domain))
        self._clients.append(client)
        return client

    def as_admin(self) -> DomainClient:
        client = DomainClient(self, "admin", self.cluster.admin_settings)
        self._clients.append(client)
        return client

    def expect(self, topic: str, predicate, within: float = 10.0, as_domain: str | None = None):
        """The first record on `topic` (from its beginning) whose value `predicate` accepts; fails
        with what was seen when none arrives within `within` seconds."""
        client = self.as_domain(as_domain) if as_domain else self.as_admin()
        seen = []
        deadline = time.monotonic() + within
        with client.reader(topic) as read:
            while time.monotonic() < deadline:
                for value in read(min(1.0, max(0.05, deadline - time.monotonic()))):
                    seen.append(value)
                    if predicate(value):
                        return value
        raise AssertionError(f"no record on {topic} matched within {within:g} s; saw {len(seen)}: {seen[:5]!r}")

    def assert_denied(self, domain: str, topic: str) -> None:
        """`domain` may not read `topic`: the broker answers TOPIC_AUTHORIZATION_FAILED."""
        try:
            self.as_domain(domain).consume(topic, n=1, timeout=5)
        except PermissionError:
            return
        raise AssertionError(f"{domain} could read {topic}")

    def verify(self, topic: str, records: int = 100, timeout: float = 60.0) -> dict:
        """`specmesh verify` on one topic, as the admin: its last `records` records checked against the
        spec (framing, schema id and subject, the schema itself). Fails naming partition, offset, rule
        and field of each record that does not conform (never a value); returns the topic's report row."""
        from ..clock import iso, now
        from ..verify.report import topics, violation_line
        from ..verify.run import Options, verify

        owner = next((p for p in self.products.values() if any(t.name == topic for t in p.topics)), None)
        if owner is None:
            raise pytest.UsageError(f"verify({topic!r}): not a topic the provisioned specs own")
        doc = verify(Options([owner.spec_file], command_config=self.cluster.admin_config,
                             schema_registry=self.registry, records=records, topics=[topic], timeout=timeout,
                             config=self.policy), iso(now()))
        row = next(topics(doc))
        if row["records"]["invalid"]:
            shown = "\n  ".join(violation_line(v) for v in row["violations"])
            raise AssertionError(f"{row['records']['invalid']} of {row['records']['read']} records on {topic} do not "
                                 f"conform to the spec:\n  {shown}")
        if not row["complete"]:
            raise AssertionError(f"{topic} was not read to its end within {timeout:g} s")
        return row

    def schema_of(self, topic: str):
        for product in self.products.values():
            for t in product.topics:
                if t.name == topic:
                    return t
        return None

    def close(self) -> None:
        for client in self._clients:
            client.close()


class DomainClient:
    """Produces and consumes as one principal, with the topic's serialisation."""

    def __init__(self, context: Context, domain: str, settings: dict[str, str]):
        self.context, self.domain, self.settings = context, domain, settings
        self._producer = None

    def produce(self, topic: str, value, key=None) -> None:
        from confluent_kafka import KafkaException, Producer

        if self._producer is None:
            self._producer = Producer({**self.settings, "acks": "all", "enable.idempotence": "false", "logger": _quiet()})
        failures = []
        try:
            self._producer.produce(topic, value=self._serialize(topic, value, "value"),
                                   key=self._serialize(topic, key, "key") if key is not None else None,
                                   on_delivery=lambda err, msg: failures.append(err) if err else None)
        except KafkaException as exc:
            raise _denied_or(exc, f"{self.domain} cannot produce to {topic}") from None
        if self._producer.flush(30) != 0:
            raise AssertionError(f"{self.domain}: a record to {topic} was not delivered within 30 s")
        if failures:
            raise _denied_or(failures[0], f"{self.domain} cannot produce to {topic}")

    def consume(self, topic: str, n: int = 1, timeout: float = 10.0) -> list:
        out: list = []
        deadline = time.monotonic() + timeout
        with self.reader(topic) as read:
            while len(out) < n and time.monotonic() < deadline:
                out += read(min(1.0, max(0.05, deadline - time.monotonic())))
        return out[:n]

    def reader(self, topic: str):
        return _Reader(self, topic)

    def _serialize(self, topic: str, value, role: str) -> bytes | None:
        if value is None:
            return None
        if isinstance(value, bytes):
            return value
        serializer = self._serde(topic, role, write=True)
        if serializer is not None:
            from confluent_kafka.serialization import MessageField, SerializationContext

            field_ = MessageField.VALUE if role == "value" else MessageField.KEY
            return serializer(value, SerializationContext(topic, field_))
        if isinstance(value, str):
            return value.encode()
        return json.dumps(value).encode()

    def _serde(self, topic: str, role: str, write: bool):
        """Registry serialisation for Avro and JSON Schema topics; None: plain JSON (no registry)."""
        if not self.context.registry:
            return None
        owned = self.context.schema_of(topic)
        schema = getattr(owned, role, None) if owned else None
        if schema is None or schema.format not in ("avro", "json", "protobuf") or (not schema.fields and schema.format == "json"):
            return None
        from confluent_kafka.schema_registry import SchemaRegistryClient

        client = SchemaRegistryClient({"url": self.context.registry})
        latest = client.get_latest_version(f"{topic}-{role}")
        text = latest.schema.schema_str
        if schema.format == "protobuf":
            return _protobuf_serde(latest.schema_id, text, schema.full_name or "", write)
        if schema.format == "avro":
            from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer

            return (AvroSerializer(client, text, conf={"auto.register.schemas": False, "use.latest.version": True})
                    if write else AvroDeserializer(client))
        from confluent_kafka.schema_registry.json_schema import JSONDeserializer, JSONSerializer

        return (JSONSerializer(text, client, conf={"auto.register.schemas": False, "use.latest.version": True})
                if write else JSONDeserializer(text))

    def _deserialize(self, topic: str, data: bytes | None):
        if data is None:
            return None
        deserializer = self._serde(topic, "value", write=False)
        if deserializer is not None:
            from confluent_kafka.serialization import MessageField, SerializationContext

            return deserializer(data, SerializationContext(topic, MessageField.VALUE))
        try:
            return json.loads(data)
        except ValueError:
            return data

    def close(self) -> None:
        if self._producer is not None:
            self._producer.flush(5)


class _Reader:
    """A consumer from the beginning of a topic, in a fresh group under the domain's prefix."""

    def __init__(self, client: DomainClient, topic: str):
        self.client, self.topic = client, topic

    def __enter__(self):
        from confluent_kafka import Consumer

        group = f"{self.client.domain}.specmesh-test-{uuid.uuid4().hex[:12]}"
        self.consumer = Consumer({**self.client.settings, "group.id": group, "auto.offset.reset": "earliest",
                                  "enable.auto.commit": "false", "logger": _quiet()})
        self.consumer.subscribe([self.topic])
        return self.read

    def read(self, timeout: float) -> list:
        from confluent_kafka import KafkaError, KafkaException

        out = []
        for message in self.consumer.consume(num_messages=100, timeout=timeout):
            error = message.error()
            if error is None:
                out.append(self.client._deserialize(self.topic, message.value()))
            elif error.code() in (KafkaError.TOPIC_AUTHORIZATION_FAILED, KafkaError.GROUP_AUTHORIZATION_FAILED):
                raise PermissionError(f"{self.client.domain} may not read {self.topic}: {error.str()}")
            elif error.code() != KafkaError._PARTITION_EOF and not error.retriable():
                raise AssertionError(f"reading {self.topic}: {KafkaException(error)}")
        return out

    def __exit__(self, *exc):
        self.consumer.close()
        return False


def _protobuf_serde(schema_id: int, text: str, full_name: str, write: bool):
    """Protobuf through the registry from the spec alone: the registered .proto compiled by buf into
    a message class at run time (no generated code needed); values are dicts in the Protobuf JSON
    mapping, as `specmesh sample` writes them. The framing is confluent-kafka's (schema id and
    message index); its ProtobufSerializer is not used because it asks the registry for
    `format=serialized` descriptors, which Apicurio's Confluent-compatible API does not serve."""
    from confluent_kafka.schema_registry import prefix_schema_id_serializer
    from confluent_kafka.schema_registry.common.serde import SchemaId
    from google.protobuf import json_format

    from ..compat.protobuf import message_class

    try:
        cls, index = message_class(text, full_name)
    except ValueError as exc:
        raise AssertionError(f"the registered schema: {exc}") from None
    if write:
        frame = SchemaId("PROTOBUF", schema_id, None, [index])
        return lambda value, ctx: prefix_schema_id_serializer(json_format.ParseDict(value, cls()).SerializeToString(),
                                                              ctx, frame)
    from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer

    deserializer = ProtobufDeserializer(cls, conf={"use.deprecated.format": False})  # framing only, no registry
    return lambda data, ctx: json_format.MessageToDict(deserializer(data, ctx), always_print_fields_with_no_presence=True)


def _denied_or(error, what: str) -> Exception:
    text = str(error)
    if "AUTHORIZATION" in text.upper() or "not authorized" in text.lower():
        return PermissionError(f"{what}: {text}")
    return AssertionError(f"{what}: {text}")
