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
        self.requests = 0  # admin requests made, for the benchmark
        self.admin = AdminClient({**settings, "socket.timeout.ms": str(int(timeout * 1000))})

    # --- reads -------------------------------------------------------------------------

    def observe(self, scopes: list[Scope]) -> dict[str, Observed]:
        """Observed state per domain: topics under each prefix, their configs, the ACLs in scope."""
        from confluent_kafka.admin import (AclBindingFilter, AclOperation, AclPermissionType, ConfigResource,
                                           ResourcePatternType, ResourceType)

        metadata = self.request(lambda: self.admin.list_topics(timeout=self.timeout), "list topics")
        names = sorted(n for n in metadata.topics if any(s.covers(n) for s in scopes))
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
        acls = {_acl_of(b) for b in bindings}
        out: dict[str, Observed] = {}
        for scope in scopes:
            observed = Observed()
            for name in names:
                if _owned_by(scope, name, scopes):
                    topic = metadata.topics[name]
                    first = topic.partitions.get(0)
                    entries = configs.get(name, {})
                    dynamic = {k for k, e in entries.items() if e.source == DYNAMIC_TOPIC}
                    observed.topics[name] = TopicState(name, len(topic.partitions), len(first.replicas) if first else None,
                                                       {k: e.value for k, e in entries.items() if e.value is not None})
                    observed.dynamic_configs[name] = set(dynamic)
            observed.acls = {a for a in acls if _acl_in_scope(scope, a, scopes)}
            out[scope.domain] = observed
        return out

    # --- writes (each returns {item: error or None}) -------------------------------------

    def create_topics(self, topics: list[TopicState]) -> dict[str, str | None]:
        from confluent_kafka.admin import NewTopic

        if not topics:
            return {}
        new = [NewTopic(t.name, t.partitions, t.replicas if t.replicas else -1, config=dict(t.configs)) for t in topics]
        futures = self.request(lambda: self.admin.create_topics(new, request_timeout=self.timeout), "create topics")
        return {name: self._error(f) for name, f in futures.items()}

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


class ClusterError(SpecError):
    """The cluster could not be read or written (unreachable, unauthorized): exit 1."""


def _message(exc: Exception) -> str:
    err = exc.args[0] if getattr(exc, "args", None) else None
    text = err.str() if hasattr(err, "str") else str(exc) or type(exc).__name__
    return text


def _owned_by(scope: Scope, name: str, scopes: list[Scope]) -> bool:
    """Under the scope's prefix and not under a longer domain's (nested domains: acme vs acme.user)."""
    return scope.covers(name) and not any(o is not scope and o.covers(name) and len(o.prefix) > len(scope.prefix)
                                          for o in scopes)


def _acl_in_scope(scope: Scope, acl: Acl, scopes: list[Scope]) -> bool:
    if acl.resource_type == "CLUSTER":
        return acl.principal == scope.owner
    # `D` itself: SpecMesh's delimiter-less prefixes, cleaned up when migrating (SpecMesh #564)
    return acl.name == scope.domain or _owned_by(scope, acl.name, scopes)


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
