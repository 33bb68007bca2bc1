"""The one model every feature reads: a data product and its topics. Pure data."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import Position, SpecError
from .schemas import Field, Schema


@dataclass(slots=True)
class Info:
    title: str = ""
    version: str = ""
    description: str = ""
    contact: dict = field(default_factory=dict)
    license: str = ""

    def to_dict(self) -> dict:
        return {"title": self.title, "version": self.version, "description": self.description,
                "contact": self.contact, "license": self.license}


@dataclass(slots=True)
class Topic:
    """A topic this product owns (creates, writes, decides access for)."""

    name: str
    channel: str  # the channel name as written in the spec
    access: str | None  # _public | _protected | _private | None (untiered)
    pos: Position
    grants: list[str] = field(default_factory=list)  # grantee domain ids, "_public" = everyone
    grant_pos: list[Position] = field(default_factory=list)
    write_grants: list[str] = field(default_factory=list)  # domains that may produce (grant-write:<domain>)
    write_grant_pos: list[Position] = field(default_factory=list)
    expires: dict[str, str] = field(default_factory=dict)  # "read:<grantee>" / "write:<grantee>" -> last day (ISO)
    expired: list[tuple] = field(default_factory=list)  # (read|write, grantee, last day, position): not in force
    partitions: int | None = None
    replicas: int | None = None
    configs: dict[str, str] = field(default_factory=dict)
    has_bindings: bool = False
    kafka: bool = True  # a Kafka channel (bindings.kafka, or its servers speak kafka): Kafka rules and provisioning apply
    key: Schema | None = None
    value: Schema | None = None
    tags: list[str] = field(default_factory=list)
    pii_tag: bool = False  # a `pii` tag on the channel, operation or message
    summary: str = ""
    description: str = ""
    operation_id: str | None = None
    message_name: str = ""
    subject_strategy: str = "TopicNameStrategy"
    reject_unknown_fields: bool = False  # x-specmesh-unknown-fields: reject on the message (verify, Protobuf)
    compatibility: str | None = None  # x-specmesh-compatibility: this topic's registry level (else the policy's)
    compatibility_pos: Position | None = None
    examples: list = field(default_factory=list)
    node: object = field(default=None, repr=False, compare=False)  # the channel as parsed (positions)
    unreadable: list = field(default_factory=list, compare=False)  # "key"/"value": declared, failed to read (a problem)
    op: object = field(default=None, repr=False, compare=False)  # the owning operation as parsed

    @property
    def pii_fields(self) -> list[Field]:
        return [f for s in (self.key, self.value) if s for f in s.fields if f.pii]

    @property
    def pii(self) -> bool:
        return self.pii_tag or bool(self.pii_fields)

    def to_dict(self) -> dict:
        return {
            "name": self.name, "channel": self.channel, "access": self.access, "grants": self.grants,
            "write_grants": self.write_grants, "grant_expires": self.expires,
            "expired_grants": [{"kind": k, "grantee": g, "expired_after": d} for k, g, d, _ in self.expired],
            "partitions": self.partitions, "replicas": self.replicas, "configs": self.configs,
            "key": self.key.to_dict() if self.key else None,
            "value": self.value.to_dict() if self.value else None,
            "tags": self.tags, "pii": self.pii, "summary": self.summary, "description": self.description,
            "operation_id": self.operation_id, "message": self.message_name,
            "subject_strategy": self.subject_strategy, "compatibility": self.compatibility, "examples": self.examples,
            "position": str(self.pos),
        }


@dataclass(slots=True)
class ConsumedTopic:
    """Another product's topic this product reads."""

    name: str
    channel: str
    access: str | None
    pos: Position
    summary: str = ""
    operation_id: str | None = None
    group_id: str | None = None
    value: Schema | None = None
    reads: list[str] | None = None  # x-specmesh-reads: the fields it reads (`key:` for key fields); None: all
    reads_pos: list[Position] = field(default_factory=list)
    reads_reasons: dict[str, str] = field(default_factory=dict)  # path -> why (a PII field must say)
    node: object = field(default=None, repr=False, compare=False)
    op: object = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict:
        return {"name": self.name, "channel": self.channel, "access": self.access, "summary": self.summary,
                "operation_id": self.operation_id, "group_id": self.group_id, "reads": self.reads,
                "value": self.value.to_dict() if self.value else None, "position": str(self.pos)}


@dataclass(slots=True)
class DataProduct:
    """One spec: a bounded context's data product."""

    domain: str
    spec_file: str
    asyncapi: str
    pos: Position  # where `id` is written
    info: Info
    owner_principal: str
    topics: list[Topic] = field(default_factory=list)
    consumed: list[ConsumedTopic] = field(default_factory=list)
    problems: list[SpecError] = field(default_factory=list)  # errors that did not stop loading
    notes: list[SpecError] = field(default_factory=list)  # e.g. a consumed topic's schema not found
    document: object = None  # the parsed spec (positioned), for validity rules and flatten
    identity: str = ""  # why the domain is not from `id: urn:...` (rule ID-URN); "" when it is
    resolve: object = field(default=None, repr=False, compare=False)  # node -> the value its $ref chain names
    idle_channels: list[str] = field(default_factory=list)  # channels no operation uses: listed, not owned or read
    page_suffix: str = ""  # the portal's: "~2", "~3" for a second, third spec claiming the same domain
    operations_reading: str = ""  # AsyncAPI 2 only: "specmesh" (publish = produces) or "asyncapi" (subscribe = produces)

    @property
    def major_version(self) -> int:
        return 3 if self.asyncapi.startswith("3") else 2

    def to_dict(self) -> dict:
        return {
            "domain": self.domain, "spec": self.spec_file, "asyncapi": self.asyncapi,
            "owner_principal": self.owner_principal, "info": self.info.to_dict(),
            "topics": [t.to_dict() for t in self.topics],
            "consumed": [c.to_dict() for c in self.consumed],
            "idle_channels": self.idle_channels,
            "problems": [str(p) for p in self.problems],
            "notes": [str(p) for p in self.notes],
        }
