"""Cluster state as plain values, desired or observed: topics and ACL bindings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple


class Acl(NamedTuple):
    """One Kafka ACL binding (one operation), the unit Kafka creates and deletes."""

    resource_type: str  # TOPIC | GROUP | TRANSACTIONAL_ID | CLUSTER
    name: str
    pattern: str  # LITERAL | PREFIXED
    principal: str
    operation: str
    permission: str = "ALLOW"
    host: str = "*"

    def to_dict(self) -> dict:
        return self._asdict()

    def __str__(self) -> str:
        return f"{self.permission} {self.principal} {self.operation} {self.resource_type}:{self.pattern}:{self.name}"


@dataclass
class TopicState:
    name: str
    partitions: int
    replicas: int | None  # None: the broker's default.replication.factor
    configs: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"name": self.name, "partitions": self.partitions, "replicas": self.replicas, "configs": dict(self.configs)}


@dataclass
class Scope:
    """What one data product controls: names under its domain prefix, and its owner principal."""

    domain: str
    prefix: str  # domain + delimiter
    owner: str


@dataclass
class Desired:
    scope: Scope
    spec_file: str
    topics: dict[str, TopicState] = field(default_factory=dict)
    acls: set[Acl] = field(default_factory=set)
    schemas: list = field(default_factory=list)  # schemas.Registration, in registration order
    compatibility: str = "FULL_TRANSITIVE"
    keyed: set[str] = field(default_factory=set)  # topics with a key schema: partition changes move keys
    ended: dict[tuple[str, str], str] = field(default_factory=dict)  # (topic, principal) -> why its grant ended


@dataclass
class Observed:
    topics: dict[str, TopicState] = field(default_factory=dict)
    dynamic_configs: dict[str, set[str]] = field(default_factory=dict)  # topic -> keys set on the topic itself
    acls: set[Acl] = field(default_factory=set)
    brokers: int | None = None  # brokers the cluster has (None: unknown)


@dataclass
class Reading:
    """What one read of a cluster returned, before it is split by domain."""

    topics: dict[str, TopicState] = field(default_factory=dict)
    dynamic: dict[str, set[str]] = field(default_factory=dict)  # topic -> keys set on the topic itself
    acls: list[Acl] = field(default_factory=list)
    brokers: int | None = None
