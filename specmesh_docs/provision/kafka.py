"""The edge to a real cluster (confluent-kafka AdminClient): batched reads, batched writes.

Every read is one admin request whatever the number of topics: metadata for the topic
list, one DescribeConfigs for all of a run's topics, one DescribeAcls for all ACLs.

librdkafka's own log goes to a private logger, never to the terminal: a failure is one line
that says what happened (cannot connect, authentication failed, not authorised). The first
request is preceded by a connection check that gives up after `connect_timeout` seconds.
"""

from __future__ import annotations

import logging
import re
import time
from collections import deque

from ..errors import Position, SpecError
from .state import Acl, Observed, Reading, Scope, TopicState

DYNAMIC_TOPIC = 1  # ConfigSource.DYNAMIC_TOPIC_CONFIG: set on the topic itself, not inherited
CONNECT_TIMEOUT = 10.0
AUTHORIZATION = {"TOPIC_AUTHORIZATION_FAILED", "GROUP_AUTHORIZATION_FAILED", "CLUSTER_AUTHORIZATION_FAILED",
                 "TRANSACTIONAL_ID_AUTHORIZATION_FAILED", "DELEGATION_TOKEN_AUTHORIZATION_FAILED"}


class _Collected(logging.Handler):
    """librdkafka's log lines, kept (the last 200) to explain a failure, never printed."""

    def __init__(self):
        super().__init__()
        self.lines: deque[str] = deque(maxlen=200)

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


class Cluster:
    def __init__(self, settings: dict[str, str], timeout: float = 30.0, connect_timeout: float | None = None):
        from confluent_kafka.admin import AdminClient

        self.timeout = timeout
        self.connect_timeout = connect_timeout or CONNECT_TIMEOUT
        self.bootstrap = settings.get("bootstrap.servers", "")
        self.principal = f"User:{settings['sasl.username']}" if settings.get("sasl.username") else "this client"
        self.mechanism = settings.get("sasl.mechanism") or settings.get("sasl.mechanisms") or ""
        self.protocol = str(settings.get("security.protocol") or "plaintext").lower()
        self.requests = 0  # admin requests made, for the benchmark
        self.connected = False
        self.log = _Collected()
        self.errors: list = []  # KafkaErrors from error_cb
        logger = logging.getLogger(f"specmesh.librdkafka.{id(self)}")
        logger.propagate, logger.handlers = False, [self.log]
        logger.setLevel(logging.DEBUG)
        kafka_only = {k: v for k, v in settings.items() if not k.startswith("schema.registry.")}
        try:
            self.admin = AdminClient({**kafka_only, "socket.timeout.ms": str(int(timeout * 1000)),
                                      "logger": logger, "error_cb": self.errors.append})
        except Exception as exc:  # KafkaException: an unknown or malformed client property
            raise _settings_error(_message(exc), settings) from None

    def connect(self) -> None:
        """Fails fast and in one line when the cluster cannot be reached or refuses the credentials."""
        if self.connected:
            return
        from confluent_kafka import KafkaException

        deadline = time.monotonic() + self.connect_timeout
        while True:
            try:
                self.admin.list_topics(timeout=max(0.2, min(1.0, deadline - time.monotonic())))
                self.connected = True
                return
            except KafkaException:
                pass
            self.admin.poll(0)  # serves error_cb and the log
            failure = self._diagnose(final=time.monotonic() >= deadline)
            if failure:
                raise ClusterError(failure)

    def _diagnose(self, final: bool) -> str | None:
        codes = {e.name() for e in self.errors if hasattr(e, "name")}
        texts = [e.str() for e in self.errors if hasattr(e, "str")] + list(self.log.lines)
        if "_AUTHENTICATION" in codes or any("Authentication failed" in t or "SASL authentication error" in t for t in texts):
            reason = next((t for t in texts if "uthentication" in t), "")
            detail = reason.split(": ", 1)[-1] if reason else "the credentials were refused"
            return (f"authentication failed: {self.bootstrap} refused {self.principal}"
                    f"{' (SASL ' + self.mechanism + ')' if self.mechanism else ''}: {_first_sentence(detail)}")
        if any("SSL handshake failed" in t or "certificate verify failed" in t for t in texts):
            return f"cannot connect to {self.bootstrap}: TLS handshake failed ({_first_sentence(texts[-1])})"
        if self.protocol == "plaintext" and sum("connection closed by peer" in t for t in texts) >= 2:
            # a SASL or TLS listener drops a plaintext client at once, without a word: say what it wants
            return (f"cannot connect to {self.bootstrap}: the broker closes every plaintext connection at once: it "
                    "likely wants SASL or TLS (security.protocol and sasl.* in --command-config)")
        if not final:
            return None
        if any("Connection refused" in t for t in texts):
            return f"cannot connect to {self.bootstrap}: connection refused (is the broker running, is the port right?)"
        if any("Name or service not known" in t or "Failed to resolve" in t for t in texts):
            return f"cannot connect to {self.bootstrap}: the host name does not resolve"
        return (f"cannot connect to {self.bootstrap}: no answer within {self.connect_timeout:g} s "
                "(--connect-timeout or SPECMESH_CONNECT_TIMEOUT waits longer)")

    # --- reads -------------------------------------------------------------------------

    def observe(self, scopes: list[Scope]) -> dict[str, Observed]:
        """Observed state per domain: topics under each prefix, their configs, the ACLs in scope."""
        owner_of = _owner_index(scopes)
        reading = self.read(lambda name: owner_of(name) is not None)
        out = {scope.domain: Observed(brokers=reading.brokers) for scope in scopes}
        for name, topic in reading.topics.items():
            observed = out[owner_of(name).domain]
            observed.topics[name] = topic
            observed.dynamic_configs[name] = reading.dynamic[name]
        by_owner = {s.owner: s for s in scopes}
        by_domain = {s.domain: s for s in scopes}
        for acl in reading.acls:
            # CLUSTER bindings belong to their principal; `D` itself is SpecMesh's delimiter-less
            # prefix (SpecMesh #564), in scope so that clean-up can remove it
            scope = (by_owner.get(acl.principal) if acl.resource_type == "CLUSTER"
                     else by_domain.get(acl.name) or owner_of(acl.name))
            if scope is not None:
                out[scope.domain].acls.add(acl)
        return out

    def read(self, wanted) -> Reading:
        """The topics whose names `wanted` accepts (partitions, replicas, configs), every ACL binding
        and the broker count, in four admin requests whatever the number of topics."""
        from confluent_kafka.admin import (AclBindingFilter, AclOperation, AclPermissionType, ConfigResource,
                                           ResourcePatternType, ResourceType)

        metadata = self.request(lambda: self.admin.list_topics(timeout=self.timeout), "list topics")
        names = sorted(n for n in metadata.topics if wanted(n))
        configs: dict[str, dict] = {}
        if names:
            futures = self.request(lambda: self.admin.describe_configs(
                [ConfigResource(ResourceType.TOPIC, n) for n in names], request_timeout=self.timeout), "describe configs")
            for resource, future in futures.items():
                configs[resource.name] = self.wait(future, f"describe configs of {resource.name}")
        self.check_may_describe_acls()
        every = AclBindingFilter(ResourceType.ANY, None, ResourcePatternType.ANY, None, None, AclOperation.ANY,
                                 AclPermissionType.ANY)
        bindings = self.wait(self.request(lambda: self.admin.describe_acls(every, request_timeout=self.timeout),
                                           "describe ACLs"), "describe ACLs")
        reading = Reading(brokers=len(metadata.brokers) or None, acls=[_acl_of(b) for b in bindings])
        for name in names:
            topic, entries = metadata.topics[name], configs.get(name, {})
            first = topic.partitions.get(0)
            reading.topics[name] = TopicState(name, len(topic.partitions), len(first.replicas) if first else None,
                                              {k: e.value for k, e in entries.items() if e.value is not None})
            reading.dynamic[name] = {k for k, e in entries.items() if e.source == DYNAMIC_TOPIC}
        return reading

    def check_may_describe_acls(self) -> None:
        """The broker answers DescribeAcls from a principal without DESCRIBE on the cluster with an
        empty list, not an error: a plan made from it would be wrong, so ask first."""
        try:
            found = self.wait(self.request(lambda: self.admin.describe_cluster(include_authorized_operations=True,
                                                                               request_timeout=self.timeout),
                                           "describe the cluster"), "describe the cluster")
        except ClusterError as exc:
            if exc.message.startswith("not authorised"):
                raise
            return  # no answer now (a node restarting): DescribeAcls itself will say what is wrong
        # librdkafka gives None for an empty set (every broker since Kafka 2.3 answers, KIP-430)
        allowed = {op.name for op in found.authorized_operations or []}
        if not allowed & {"ALL", "DESCRIBE", "ALTER"}:  # ALTER implies DESCRIBE
            raise ClusterError(f"not authorised: {self.principal} may not describe ACLs (DESCRIBE on the cluster); "
                               "provisioning needs a principal with DESCRIBE and ALTER on the cluster")

    # --- writes (each returns {item: error or None}) -------------------------------------

    def create_topics(self, topics: list[TopicState]) -> dict[str, str | None]:
        from confluent_kafka.admin import NewTopic

        if not topics:
            return {}
        results: dict[str, str | None] = {}
        for chunk in _controller_batches(topics):
            new = [NewTopic(t.name, t.partitions, t.replicas if t.replicas else -1, config=dict(t.configs)) for t in chunk]
            futures = self.request(lambda: self.admin.create_topics(new, request_timeout=self.timeout), "create topics")
            # an existing topic counts as created: the read-back checks that it has the desired settings
            results.update({name: self._error(f, f"create topic {name}", done_if="TOPIC_ALREADY_EXISTS")
                            for name, f in futures.items()})
        return results

    def grow_partitions(self, counts: dict[str, int]) -> dict[str, str | None]:
        from confluent_kafka.admin import NewPartitions

        if not counts:
            return {}
        futures = self.request(lambda: self.admin.create_partitions(
            [NewPartitions(n, c) for n, c in counts.items()], request_timeout=self.timeout), "create partitions")
        return {name: self._error(f, f"add partitions to {name}") for name, f in futures.items()}

    def alter_configs(self, changes: dict[str, dict[str, str | None]]) -> dict[str, str | None]:
        """Per topic: key -> new value, or None to remove the topic's own setting (back to the default)."""
        from confluent_kafka.admin import AlterConfigOpType, ConfigEntry, ConfigResource, ResourceType

        if not changes:
            return {}
        resources = []
        for name, entries in changes.items():
            ops = [ConfigEntry(k, v, incremental_operation=AlterConfigOpType.SET) if v is not None else
                   ConfigEntry(k, "", incremental_operation=AlterConfigOpType.DELETE) for k, v in entries.items()]
            resources.append(ConfigResource(ResourceType.TOPIC, name, incremental_configs=ops))
        futures = self.request(lambda: self.admin.incremental_alter_configs(resources, request_timeout=self.timeout),
                             "alter configs")
        return {resource.name: self._error(f, f"alter the configs of {resource.name}") for resource, f in futures.items()}

    def create_acls(self, acls: list[Acl]) -> dict[Acl, str | None]:
        if not acls:
            return {}
        bindings = {_binding_of(a): a for a in acls}
        futures = self.request(lambda: self.admin.create_acls(list(bindings), request_timeout=self.timeout), "create ACLs")
        return {bindings[b]: self._error(f, "create ACLs") for b, f in futures.items()}

    def delete_acls(self, acls: list[Acl]) -> dict[Acl, str | None]:
        if not acls:
            return {}
        filters = {_binding_of(a, filter=True): a for a in acls}
        futures = self.request(lambda: self.admin.delete_acls(list(filters), request_timeout=self.timeout), "delete ACLs")
        return {filters[b]: self._error(f, "delete ACLs") for b, f in futures.items()}

    def delete_topics(self, names: list[str]) -> dict[str, str | None]:
        if not names:
            return {}
        futures = self.request(lambda: self.admin.delete_topics(names, request_timeout=self.timeout), "delete topics")
        return {name: self._error(f, f"delete topic {name}") for name, f in futures.items()}

    # --- plumbing ------------------------------------------------------------------------

    def request(self, fn, what: str):
        self.connect()
        self.requests += 1
        try:
            return fn()
        except Exception as exc:  # librdkafka raises KafkaException with a KafkaError inside
            raise ClusterError(self._explain(exc, what)) from None

    def wait(self, future, what: str):
        try:
            return future.result(timeout=self.timeout + 5)
        except Exception as exc:
            raise ClusterError(self._explain(exc, what)) from None

    def _error(self, future, what: str, done_if: str = "") -> str | None:
        try:
            future.result(timeout=self.timeout + 5)
            return None
        except Exception as exc:
            if done_if and _code(exc) == done_if:
                return None
            return self._explain(exc, what)

    def _explain(self, exc: Exception, what: str) -> str:
        code = _code(exc)
        if code in AUTHORIZATION:
            return f"not authorised: {self.principal} may not {what} ({code})"
        return f"{what}: {_message(exc)}"


CONTROLLER_RECORDS = 5000  # KRaft refuses one operation of more than 10,000 metadata records


def _controller_batches(topics: list[TopicState]):
    """Topic creations in requests the controller accepts: a topic costs one record, plus one
    per partition and per config."""
    chunk, cost = [], 0
    for t in topics:
        weight = 1 + t.partitions + len(t.configs)
        if chunk and cost + weight > CONTROLLER_RECORDS:
            yield chunk
            chunk, cost = [], 0
        chunk.append(t)
        cost += weight
    if chunk:
        yield chunk


class ClusterError(SpecError):
    """The cluster or the registry could not be read or written. `kind` picks the exit code:
    "auth" (credentials or grants refused), "usage" (a wrong URL or setting), "unreachable"
    (no answer, or a failure worth retrying)."""

    def __init__(self, message: str, kind: str | None = None):
        super().__init__(message)
        self.kind = kind or _kind_of(message)


def _kind_of(message: str) -> str:
    words = message.lower()
    if words.startswith("not authorised") or "authentication failed" in words or "not authorised to" in words \
            or "wants sasl or tls" in words:
        return "auth"
    return "unreachable"


def _message(exc: Exception) -> str:
    err = exc.args[0] if getattr(exc, "args", None) else None
    text = err.str() if hasattr(err, "str") else str(exc) or type(exc).__name__
    return text


def _code(exc: Exception) -> str:
    err = exc.args[0] if getattr(exc, "args", None) else None
    return err.name() if hasattr(err, "name") else ""


def _first_sentence(text: str) -> str:
    return text.split(" (after ")[0].strip().rstrip(".")


_UNKNOWN_KEY = re.compile(r'No such configuration property: "([^"]+)"|Invalid value .* for configuration property "([^"]+)"')


def _settings_error(message: str, settings) -> SpecError:
    """A property librdkafka refuses, at the line of the file that set it."""
    match = _UNKNOWN_KEY.search(message)
    key = (match.group(1) or match.group(2)) if match else None
    origin = getattr(settings, "origin", {})  # Settings from client.py; a plain dict has no positions
    where = origin.get(key) if key else None
    if where is None and origin:
        where = Position(next(iter(origin.values())).file)  # at least the file
    hint = (" (a Java client setting with no librdkafka equivalent: remove it; see "
            "https://github.com/confluentinc/librdkafka/blob/master/CONFIGURATION.md)" if match and match.group(1) else "")
    return SpecError(f"client settings: {message}{hint}", where)


def _owner_index(scopes: list[Scope]):
    """name -> the scope with the longest prefix of it (nested domains: acme. vs acme.user.)."""
    by_prefix = {s.prefix: s for s in scopes}
    delimiters = {s.prefix[-1] for s in scopes}

    def owner_of(name: str) -> Scope | None:
        for i in range(len(name) - 1, -1, -1):
            if name[i] in delimiters and name[:i + 1] in by_prefix:
                return by_prefix[name[:i + 1]]
        return None

    return owner_of


LIBRDKAFKA_TYPE = {"CLUSTER": "BROKER"}  # librdkafka calls Kafka's CLUSTER resource BROKER
KAFKA_TYPE = {v: k for k, v in LIBRDKAFKA_TYPE.items()}


def _acl_of(binding) -> Acl:
    return Acl(KAFKA_TYPE.get(binding.restype.name, binding.restype.name), binding.name, binding.resource_pattern_type.name, binding.principal,
               binding.operation.name, binding.permission_type.name, binding.host)


def _binding_of(acl: Acl, filter: bool = False):
    from confluent_kafka.admin import (AclBinding, AclBindingFilter, AclOperation, AclPermissionType,
                                       ResourcePatternType, ResourceType)

    cls = AclBindingFilter if filter else AclBinding
    return cls(ResourceType[LIBRDKAFKA_TYPE.get(acl.resource_type, acl.resource_type)], acl.name, ResourcePatternType[acl.pattern], acl.principal, acl.host,
               AclOperation[acl.operation], AclPermissionType[acl.permission])
