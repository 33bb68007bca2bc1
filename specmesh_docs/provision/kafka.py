"""The edge to a real cluster (confluent-kafka AdminClient): batched reads, batched writes.

Every read is one admin request whatever the number of topics: metadata for the topic
list, one DescribeConfigs for all of a run's topics, one DescribeAcls for all ACLs.
"""

from __future__ import annotations

from ..errors import SpecError
from .state import Acl, Observed, Scope, TopicState

DYNAMIC_TOPIC = 1  # ConfigSource.DYNAMIC_TOPIC_CONFIG: set on the topic itself, not inherited


class Cluster:
    def __init__(self, settings: dict[str, str], timeout: float = 30.0):
        from confluent_kafka.admin import AdminClient

        self.timeout = timeout
        self.bootstrap = settings.get("bootstrap.servers", "")
        self.requests = 0  # admin requests made, for the benchmark
        kafka_only = {k: v for k, v in settings.items() if not k.startswith("schema.registry.")}
        try:
            self.admin = AdminClient({**kafka_only, "socket.timeout.ms": str(int(timeout * 1000))})
        except Exception as exc:  # KafkaException: an unknown or malformed client property
            raise SpecError(f"client settings: {_message(exc)}") from None

    # --- reads -------------------------------------------------------------------------

    def observe(self, scopes: list[Scope]) -> dict[str, Observed]:
        """Observed state per domain: topics under each prefix, their configs, the ACLs in scope."""
        from confluent_kafka.admin import (AclBindingFilter, AclOperation, AclPermissionType, ConfigResource,
                                           ResourcePatternType, ResourceType)

        owner_of = _owner_index(scopes)
        metadata = self.request(lambda: self.admin.list_topics(timeout=self.timeout), "list topics")
        names = sorted(n for n in metadata.topics if owner_of(n) is not None)
        configs: dict[str, dict] = {}
        if names:
            futures = self.request(lambda: self.admin.describe_configs(
                [ConfigResource(ResourceType.TOPIC, n) for n in names], request_timeout=self.timeout), "describe configs")
            for resource, future in futures.items():
                configs[resource.name] = self.wait(future, f"describe configs of {resource.name}")
        every = AclBindingFilter(ResourceType.ANY, None, ResourcePatternType.ANY, None, None, AclOperation.ANY,
                                 AclPermissionType.ANY)
        bindings = self.wait(self.request(lambda: self.admin.describe_acls(every, request_timeout=self.timeout),
                                           "describe ACLs"), "describe ACLs")
        out = {scope.domain: Observed() for scope in scopes}
        for name in names:
            scope = owner_of(name)
            topic, entries = metadata.topics[name], configs.get(name, {})
            first = topic.partitions.get(0)
            observed = out[scope.domain]
            observed.topics[name] = TopicState(name, len(topic.partitions), len(first.replicas) if first else None,
                                               {k: e.value for k, e in entries.items() if e.value is not None})
            observed.dynamic_configs[name] = {k for k, e in entries.items() if e.source == DYNAMIC_TOPIC}
        by_owner = {s.owner: s for s in scopes}
        by_domain = {s.domain: s for s in scopes}
        for binding in bindings:
            acl = _acl_of(binding)
            # CLUSTER bindings belong to their principal; `D` itself is SpecMesh's delimiter-less
            # prefix (SpecMesh #564), in scope so that clean-up can remove it
            scope = (by_owner.get(acl.principal) if acl.resource_type == "CLUSTER"
                     else by_domain.get(acl.name) or owner_of(acl.name))
            if scope is not None:
                out[scope.domain].acls.add(acl)
        return out

    # --- writes (each returns {item: error or None}) -------------------------------------

    def create_topics(self, topics: list[TopicState]) -> dict[str, str | None]:
        from confluent_kafka.admin import NewTopic

        if not topics:
            return {}
        results: dict[str, str | None] = {}
        for chunk in _controller_batches(topics):
            new = [NewTopic(t.name, t.partitions, t.replicas if t.replicas else -1, config=dict(t.configs)) for t in chunk]
            futures = self.request(lambda: self.admin.create_topics(new, request_timeout=self.timeout), "create topics")
            results.update({name: self._error(f) for name, f in futures.items()})
        return results

    def grow_partitions(self, counts: dict[str, int]) -> dict[str, str | None]:
        from confluent_kafka.admin import NewPartitions

        if not counts:
            return {}
        futures = self.request(lambda: self.admin.create_partitions(
            [NewPartitions(n, c) for n, c in counts.items()], request_timeout=self.timeout), "create partitions")
        return {name: self._error(f) for name, f in futures.items()}

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
        return {resource.name: self._error(f) for resource, f in futures.items()}

    def create_acls(self, acls: list[Acl]) -> dict[Acl, str | None]:
        if not acls:
            return {}
        bindings = {_binding_of(a): a for a in acls}
        futures = self.request(lambda: self.admin.create_acls(list(bindings), request_timeout=self.timeout), "create ACLs")
        return {bindings[b]: self._error(f) for b, f in futures.items()}

    def delete_acls(self, acls: list[Acl]) -> dict[Acl, str | None]:
        if not acls:
            return {}
        filters = {_binding_of(a, filter=True): a for a in acls}
        futures = self.request(lambda: self.admin.delete_acls(list(filters), request_timeout=self.timeout), "delete ACLs")
        return {filters[b]: self._error(f) for b, f in futures.items()}

    def delete_topics(self, names: list[str]) -> dict[str, str | None]:
        if not names:
            return {}
        futures = self.request(lambda: self.admin.delete_topics(names, request_timeout=self.timeout), "delete topics")
        return {name: self._error(f) for name, f in futures.items()}

    # --- plumbing ------------------------------------------------------------------------

    def request(self, fn, what: str):
        self.requests += 1
        try:
            return fn()
        except Exception as exc:  # librdkafka raises KafkaException with a KafkaError inside
            raise ClusterError(f"{what}: {_message(exc)}") from None

    def wait(self, future, what: str):
        try:
            return future.result(timeout=self.timeout + 5)
        except Exception as exc:
            raise ClusterError(f"{what}: {_message(exc)}") from None

    def _error(self, future) -> str | None:
        try:
            future.result(timeout=self.timeout + 5)
            return None
        except Exception as exc:
            return _message(exc)


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
    """The cluster could not be read or written (unreachable, unauthorized): exit 1."""


def _message(exc: Exception) -> str:
    err = exc.args[0] if getattr(exc, "args", None) else None
    text = err.str() if hasattr(err, "str") else str(exc) or type(exc).__name__
    return text


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
