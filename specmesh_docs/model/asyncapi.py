"""AsyncAPI 2.x and 3.x documents -> DataProduct, with SpecMesh semantics.

v2: `publish` = this domain owns and produces the channel's topic; `subscribe` = it
consumes someone else's. v3: `action: send` = owned and produced; `action: receive` =
consumed; the topic is the channel's `address` (else its key). Grants are
`grant-access:<domain>` tags on the owning operation (v2 `publish`, v3 `send`) or, in v3,
on the channel. Kafka settings come from the channel's `bindings.kafka`: SpecMesh's
`partitions`/`replicas`/`configs`, or the standard binding's `topicConfiguration`.
"""

from __future__ import annotations


from ..errors import Position, SpecError
from . import naming
from .model import ConsumedTopic, DataProduct, Info, Topic
from .refs import Resolver
from .schemas import AvroReader, Schema, inline_refs, json_schema_fields, protobuf_schema, PII_WORDS
from .yamlload import YMap, YSeq, pos_of

AVRO_FORMATS = ("application/vnd.apache.avro",)
PROTOBUF_FORMATS = ("application/vnd.google.protobuf", "application/x-protobuf")
LIST_CONFIGS = {"cleanup.policy"}


def _text(node: object, key: str) -> str:
    value = node.get(key) if isinstance(node, dict) else None
    return value if isinstance(value, str) else ""


def config_value(key: str, value: object) -> str:
    """Kafka stores configs as text: `compact, delete` -> `compact,delete`, True -> `true`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(v).strip() for v in value)
    if key in LIST_CONFIGS and isinstance(value, str):
        return ",".join(p.strip() for p in value.split(","))
    return str(value)


KAFKA_MAX_PARTITIONS = 2**31 - 1  # CreateTopics: partitions is an int32, replication factor an int16
KAFKA_MAX_REPLICAS = 2**15 - 1

class Mapper:
    """Builds one DataProduct from one parsed spec document."""

    def __init__(self, doc: YMap, resolver: Resolver, shown: str, principal_format: str = "User:{domain}",
                 domain_from: str = "id", v2_operations: str = "specmesh"):
        self.doc = doc
        self.resolver = resolver
        self.shown = shown
        self.principal_format = principal_format
        self.domain_from = domain_from
        self.v2_operations = v2_operations  # specmesh: `publish` = this application produces; asyncapi: `subscribe` does
        self.problems: list[SpecError] = []  # errors in what this product owns
        self.notes: list[SpecError] = []  # problems in schemas of topics it only consumes
        self._sink = self.problems
        from ..clock import now

        self.today = now().date()  # grants end after their x-expires day (SPECMESH_NOW in tests)

    # -- helpers ---------------------------------------------------------------------
    def deref(self, node: object) -> object:
        return self.resolver.deref(node)[0]

    KAFKA_PROTOCOLS = ("kafka", "kafka-secure")

    def on_kafka(self, chan: YMap) -> bool:
        """A channel without Kafka bindings is still Kafka when the servers it runs on are: those it
        names, else any in the document. A SpecMesh spec (`id: urn:...`) is a Kafka data product
        whatever its servers say (SpecMesh's own specs carry an MQTT server as boilerplate), and so
        is a document with no servers."""
        servers = self.doc.get("servers")
        if naming.domain_from_id(self.doc.get("id")) or not isinstance(servers, YMap) or not servers:
            return True
        protocols = {}
        for name, raw in servers.items():
            try:
                server = self.deref(raw)
            except SpecError:
                continue
            protocols[name] = str(server.get("protocol", "")).lower() if isinstance(server, YMap) else ""
        named = chan.get("servers")
        if isinstance(named, list) and named:
            keys = [n if isinstance(n, str) else str(n.get("$ref", "")).rpartition("/")[2] if isinstance(n, YMap) else ""
                    for n in named]
            return any(protocols.get(k) in self.KAFKA_PROTOCOLS for k in keys)
        return any(p in self.KAFKA_PROTOCOLS for p in protocols.values())

    def mapping(self, parent: YMap, key: str, required: bool = False) -> YMap | None:
        value = parent.get(key)
        if value is None:
            if required:
                raise SpecError(f"'{key}' is missing", parent.pos())
            return None
        value = self.deref(value)
        if not isinstance(value, YMap):
            raise SpecError(f"'{key}' must be a mapping, not {type(value).__name__}", parent.pos(key))
        return value

    def whole(self, parent: YMap, key: str, maximum: int) -> int | None:
        value = parent.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise SpecError(f"'{key}' must be a whole number, not {str(value)[:40]!r}", parent.pos(key))
        if value > maximum:
            raise SpecError(f"'{key}' is larger than Kafka allows ({maximum})", parent.pos(key))
        return value

    def tag_names(self, node: object) -> list[tuple[str, Position]]:
        return [(name, at) for name, at, _ in self.tag_nodes(node)]

    def grant(self, topic: Topic, tag: str, at: Position, node: object) -> None:
        """A `grant-access:` / `grant-write:` tag: in force, or expired (its `x-expires` day is past,
        UTC: the grant holds through that day); any other tag is a tag."""
        read, write = naming.grantee_of(tag), naming.write_grantee_of(tag)
        if read is None and write is None:
            topic.tags.append(tag)
            return
        kind, grantee = ("read", read) if read is not None else ("write", write)
        names, places = (topic.grants, topic.grant_pos) if kind == "read" else (topic.write_grants, topic.write_grant_pos)
        until = self.expiry(node)
        if until is not None and until < self.today:
            topic.expired.append((kind, grantee, until.isoformat(), at))
            return
        if grantee in names:
            return
        names.append(grantee)
        places.append(at)
        if until is not None:
            topic.expires[f"{kind}:{grantee}"] = until.isoformat()

    def expiry(self, node: object):
        """The tag's `x-expires` as a date; None when it has none (a malformed one is a problem)."""
        from datetime import date, datetime

        value = node.get("x-expires") if isinstance(node, YMap) else None
        if value is None:
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            self._sink.append(SpecError(f"x-expires must be a date (2027-03-31), not {str(value)[:40]!r}",
                                        node.pos("x-expires")))
            return None

    def tag_nodes(self, node: object) -> list[tuple[str, Position, object]]:
        tags = node.get("tags") if isinstance(node, YMap) else None
        if tags is None:
            return []
        tags = self.deref(tags)
        if not isinstance(tags, YSeq):
            raise SpecError("'tags' must be a list", pos_of(node, "tags"))
        out = []
        for i, tag in enumerate(tags):
            tag = self.deref(tag)
            name = tag.get("name") if isinstance(tag, YMap) else tag
            if isinstance(name, str):
                out.append((name, tag.pos("name") if isinstance(tag, YMap) else tags.pos(i), tag))
        return out

    # -- entry -----------------------------------------------------------------------
    def product(self) -> DataProduct:
        doc = self.doc
        version = doc.get("asyncapi")
        version = str(version) if version is not None else ""
        if version.startswith("1."):
            raise SpecError(f"AsyncAPI {version} is not supported: convert it to 2.x or 3.x first (for example with "
                            "the AsyncAPI CLI's `asyncapi convert`)", doc.pos("asyncapi"))
        spec_id = doc.get("id")
        domain = naming.domain_from_id(spec_id) if isinstance(spec_id, str) else None
        identity = ""
        if not domain:
            identity = ("'id' is missing: a SpecMesh spec names its domain with `id: urn:<domain>`" if spec_id is None
                        else f"'id' must be a URN like urn:finance.campaign, not {str(spec_id)[:80]!r}")
            domain = naming.fallback_domain(doc, self.shown, self.domain_from)
            identity += f" (domain taken from the {self.domain_from if self.domain_from != 'id' else 'path'}: {domain})"
        info_node = self.mapping(doc, "info") or YMap()
        contact = self.deref(info_node.get("contact")) if "contact" in info_node else {}
        license_node = self.deref(info_node.get("license")) if "license" in info_node else None
        info = Info(
            title=_text(info_node, "title"), version=str(info_node.get("version", "") or ""),
            description=_text(info_node, "description"),
            contact=dict(contact) if isinstance(contact, dict) else {},
            license=_text(license_node, "name") if isinstance(license_node, dict) else "",
        )
        product = DataProduct(
            domain=domain, spec_file=self.shown, asyncapi=version, pos=doc.pos("id") if "id" in doc else doc.pos(),
            info=info, owner_principal=self.principal_format.format(domain=domain), document=doc, identity=identity)
        self.domain = domain
        if version.startswith("3"):
            self.map_v3(product)
        else:
            self.map_v2(product)
        product.problems = self.problems
        product.notes = self.notes
        product.resolve = self.deref
        product.operations_reading = self.v2_operations if not version.startswith("3") else ""
        return product

    # -- AsyncAPI 2 ------------------------------------------------------------------
    def map_v2(self, product: DataProduct) -> None:
        channels = self.mapping(self.doc, "channels") or YMap()
        for name, raw in channels.items():
            chan = self.deref(raw)
            if not isinstance(chan, YMap):
                raise SpecError(f"channel '{name}' must be a mapping", channels.pos(name))
            pub = self.mapping(chan, "publish")
            sub = self.mapping(chan, "subscribe")
            if self.v2_operations == "asyncapi":  # AsyncAPI 2's own meaning: others publish to us, we send on subscribe
                pub, sub = sub, pub
            at = channels.pos(name)
            topic = naming.canonical_topic(name, self.domain, owned=pub is not None)
            if pub is not None and naming.is_owned_by(topic, self.domain):
                grant_sources = [pub]
                product.topics.append(self.topic(topic, name, at, chan, pub, grant_sources))
            elif sub is not None or pub is not None:
                product.consumed.append(self.consumed(topic, name, at, sub if sub is not None else pub))
            else:
                product.idle_channels.append(name)

    # -- AsyncAPI 3 ------------------------------------------------------------------
    def map_v3(self, product: DataProduct) -> None:
        channels = self.mapping(self.doc, "channels") or YMap()
        operations = self.mapping(self.doc, "operations") or YMap()
        by_channel: dict[str, list[tuple[str, YMap, str]]] = {}  # channel -> (operation, node, send|receive)
        for op_name, raw in operations.items():
            op = self.deref(raw)
            if not isinstance(op, YMap):
                raise SpecError(f"operation '{op_name}' must be a mapping", operations.pos(op_name))
            ref = op.get("channel")
            target = ref.get("$ref") if isinstance(ref, YMap) else None
            if not isinstance(target, str) or not target.startswith("#/channels/"):
                raise SpecError("an operation's 'channel' must be {$ref: '#/channels/<name>'}", op.pos("channel"))
            chan_id = target[len("#/channels/"):].replace("~1", "/").replace("~0", "~")
            if chan_id not in channels:
                raise SpecError(f"operation refers to channel '{chan_id}', which is not defined", op.pos("channel"))
            if op.get("action") not in ("send", "receive"):
                raise SpecError("an operation's 'action' must be send or receive", op.pos("action"))
            by_channel.setdefault(chan_id, []).append((op_name, op, op["action"]))
            reply = self.deref(op.get("reply")) if "reply" in op else None
            reply_ref = reply.get("channel") if isinstance(reply, YMap) else None
            reply_target = reply_ref.get("$ref") if isinstance(reply_ref, YMap) else None
            if isinstance(reply_target, str) and reply_target.startswith("#/channels/"):
                # request-reply: who receives the request sends the reply, and the other way round
                reply_id = reply_target[len("#/channels/"):].replace("~1", "/").replace("~0", "~")
                if reply_id in channels:
                    other = "send" if op["action"] == "receive" else "receive"
                    by_channel.setdefault(reply_id, []).append((f"{op_name}.reply", reply, other))
        for chan_id, raw in channels.items():
            chan = self.deref(raw)
            if not isinstance(chan, YMap):
                raise SpecError(f"channel '{chan_id}' must be a mapping", channels.pos(chan_id))
            address = chan.get("address") or chan_id
            if not isinstance(address, str):
                raise SpecError("a channel's 'address' must be a string", chan.pos("address"))
            ops = by_channel.get(chan_id, [])
            sends = [op for _, op, action in ops if action == "send"]
            receives = [op for _, op, action in ops if action == "receive"]
            at = channels.pos(chan_id)
            topic = naming.canonical_topic(address, self.domain, owned=bool(sends))
            if sends and naming.is_owned_by(topic, self.domain):
                op_id = next(n for n, op, _ in ops if op is sends[0])
                product.topics.append(self.topic(topic, address, at, chan, sends[0], [*sends, chan], op_id=op_id))
            elif receives:
                op_id = next(n for n, op, _ in ops if op is receives[0])
                product.consumed.append(self.consumed(topic, address, at, receives[0], chan, op_id=op_id))
            elif not ops:
                product.idle_channels.append(address)

    # -- shared ------------------------------------------------------------------------
    def message_of(self, op: YMap, chan: YMap | None = None) -> YMap | None:
        """The operation's message (first of `oneOf`/list), else the channel's first message."""
        msg = op.get("message")
        if msg is None and isinstance(op.get("messages"), list) and op["messages"]:
            msg = op["messages"][0]
        if msg is None and chan is not None and isinstance(chan.get("messages"), dict) and chan["messages"]:
            msg = next(iter(chan["messages"].values()))
        msg = self.deref(msg) if msg is not None else None
        if isinstance(msg, YMap) and isinstance(msg.get("oneOf"), list) and msg["oneOf"]:
            msg = self.deref(msg["oneOf"][0])
        if msg is not None and not isinstance(msg, YMap):
            raise SpecError("a message must be a mapping", pos_of(op, "message"))
        return msg

    def topic(self, name: str, channel: str, at: Position, chan: YMap, op: YMap, grant_sources: list,
              op_id: str | None = None) -> Topic:
        topic = Topic(name=name, channel=channel, access=naming.access_of(name), pos=at, node=chan, op=op,
                      summary=_text(op, "summary"), description=_text(op, "description") or _text(chan, "description"),
                      operation_id=op.get("operationId") if isinstance(op.get("operationId"), str) else op_id)
        bindings = self.mapping(chan, "bindings")
        kafka = self.mapping(bindings, "kafka") if bindings is not None else None
        topic.kafka = kafka is not None or self.on_kafka(chan)
        if kafka is not None:
            topic.has_bindings = True
            topic.partitions = self.whole(kafka, "partitions", KAFKA_MAX_PARTITIONS)
            topic.replicas = self.whole(kafka, "replicas", KAFKA_MAX_REPLICAS)
            for key in ("topicConfiguration", "configs"):
                configs = self.mapping(kafka, key)
                for ckey, cval in (configs or {}).items():
                    if cval is not None:
                        topic.configs[str(ckey)] = config_value(str(ckey), cval)
        for source in grant_sources:
            for tag, tag_at, node in self.tag_nodes(source):
                self.grant(topic, tag, tag_at, node)
        msg = self.message_of(op, chan)
        if msg is not None:
            topic.message_name = _text(msg, "name") or _text(msg, "title")
            topic.tags.extend(t for t, _ in self.tag_names(msg) if t not in topic.tags)
            fmt = _text(msg, "schemaFormat")
            topic.value = self.schema_or_problem(msg.get("payload"), fmt, msg.pos("payload"))
            if topic.value is None and msg.get("payload") is not None:
                topic.unreadable.append("value")  # declared, and reported as a problem: not "missing" too
            mbind = self.mapping(msg, "bindings")
            mkafka = self.mapping(mbind, "kafka") if mbind is not None else None
            if mkafka is not None:
                key_fmt = fmt if _is_ref(mkafka.get("key")) else ""
                topic.key = self.schema_or_problem(mkafka.get("key"), key_fmt, mkafka.pos("key"))
                if topic.key is None and mkafka.get("key") is not None:
                    topic.unreadable.append("key")
                strategy = mkafka.get("schemaLookupStrategy")
                if isinstance(strategy, str) and strategy:
                    topic.subject_strategy = strategy
            self.compatibility(topic, [mkafka, kafka, msg])
            unknown = msg.get("x-specmesh-unknown-fields")
            if unknown is not None:
                if unknown in ("accept", "reject"):
                    topic.reject_unknown_fields = unknown == "reject"
                else:
                    self._sink.append(SpecError("'x-specmesh-unknown-fields' is accept or reject",
                                                msg.pos("x-specmesh-unknown-fields")))
            examples = msg.get("examples")
            if isinstance(examples, list):
                topic.examples = [e.get("payload", e) if isinstance(e, dict) else e for e in examples]
        topic.pii_tag = any(t in PII_WORDS for t in topic.tags)
        return topic

    def consumed(self, name: str, channel: str, at: Position, op: YMap, chan: YMap | None = None,
                 op_id: str | None = None) -> ConsumedTopic:
        group = None
        for holder in (op, chan):
            b = holder.get("bindings") if isinstance(holder, YMap) else None
            kafka = b.get("kafka") if isinstance(b, YMap) else None
            group = _group_id(kafka.get("groupId")) if isinstance(kafka, YMap) else None
            if group:
                break
        item = ConsumedTopic(name=name, channel=channel, access=naming.access_of(name), pos=at, node=chan, op=op,
                             summary=_text(op, "summary"),
                             operation_id=op.get("operationId") if isinstance(op.get("operationId"), str) else op_id,
                             group_id=group)
        self.reads(item, op, chan)
        msg = self.message_of(op, chan)
        if msg is not None:
            self._sink = self.notes  # the owner's schema may live only in the registry
            try:
                item.value = self.schema_or_problem(msg.get("payload"), _text(msg, "schemaFormat"), msg.pos("payload"))
            finally:
                self._sink = self.problems
        return item

    def compatibility(self, topic: Topic, holders: list) -> None:
        """`x-specmesh-compatibility` on the message's Kafka binding, the channel's, or the message."""
        from .schemas import COMPATIBILITY_LEVELS as LEVELS

        for holder in holders:
            if isinstance(holder, YMap) and "x-specmesh-compatibility" in holder:
                level = holder["x-specmesh-compatibility"]
                at = holder.pos("x-specmesh-compatibility")
                if not isinstance(level, str) or level.upper() not in LEVELS:
                    self._sink.append(SpecError(f"x-specmesh-compatibility is one of {', '.join(LEVELS)}", at))
                    return
                topic.compatibility, topic.compatibility_pos = level.upper(), at
                return

    def reads(self, item: ConsumedTopic, op: YMap, chan: YMap | None) -> None:
        """`x-specmesh-reads` on the consuming operation (or its channel): field paths, each a string or
        `{field: path, reason: why}`. Absent: the consumer reads everything."""
        holder = op if "x-specmesh-reads" in op else chan if isinstance(chan, YMap) and "x-specmesh-reads" in chan else None
        if holder is None:
            return
        listed = holder["x-specmesh-reads"]
        if not isinstance(listed, YSeq):
            self._sink.append(SpecError("x-specmesh-reads is a list of field paths", holder.pos("x-specmesh-reads")))
            return
        item.reads = []
        for i, entry in enumerate(listed):
            path, reason = (entry.get("field"), entry.get("reason")) if isinstance(entry, YMap) else (entry, None)
            if not isinstance(path, str) or not path.strip() or len(path) > 1000 or (
                    reason is not None and not isinstance(reason, str)):
                self._sink.append(SpecError("an x-specmesh-reads entry is a field path, or {field: path, reason: text}",
                                            listed.pos(i)))
                continue
            item.reads.append(path.strip())
            item.reads_pos.append(listed.pos(i))
            if isinstance(reason, str) and reason.strip():
                item.reads_reasons[path.strip()] = reason.strip()

    def schema_or_problem(self, node: object, schema_format: str, at: Position) -> Schema | None:
        """A broken schema file is recorded, not fatal, so one run reports every problem."""
        try:
            return self.schema(node, schema_format, at)
        except SpecError as exc:
            self._sink.append(exc)
            return None

    def schema(self, node: object, schema_format: str, at: Position) -> Schema | None:
        if node is None:
            return None
        if isinstance(node, YMap) and "schema" in node and "schemaFormat" in node:  # v3 multi-format
            schema_format, at, node = str(node["schemaFormat"]), node.pos("schema"), node["schema"]
        ref = node.get("$ref") if isinstance(node, YMap) else None
        file_part = ref.partition("#")[0] if isinstance(ref, str) else ""
        if file_part:
            ref_at = node.pos("$ref")
            path = self.resolver.target_path(file_part, self.resolver.file_of(node), ref_at)
            suffix = path.suffix.lower()
            if suffix == ".proto":
                text = self.resolver.files.read(path, ref_at)
                return protobuf_schema(text, self.resolver.files_display(path), ref_at)
            if suffix == ".avsc" or schema_format.startswith(AVRO_FORMATS):
                doc, _ = self.resolver.deref(node)
                return AvroReader(self.resolver.files.read, self.resolver.files_display).load(path, doc, ref_at)
            fields, kind = json_schema_fields(node, self.deref, ref_at)
            return Schema("json", fields, type=kind, file=self.resolver.files_display(path),
                          full_name=_text(self.deref(node), "title") or None, document=self.deref(node), pos=ref_at,
                          resolved=inline_refs(node, self.deref, ref_at))
        target = self.deref(node)
        if schema_format.startswith(PROTOBUF_FORMATS) and isinstance(target, str):  # an inline .proto
            return protobuf_schema(target, self.shown, at, single_root=True)
        if schema_format.startswith(AVRO_FORMATS):
            return AvroReader(self.resolver.files.read, self.resolver.files_display).load(self.resolver.spec_path, target, at)
        if isinstance(target, YMap) and set(target) <= {"type", "enum", "description", "format"} and isinstance(target.get("type"), str) \
                and target["type"] not in ("object", "array"):
            return Schema("primitive", [], type=target["type"], document=target, pos=at)
        fields, kind = json_schema_fields(target, self.deref, at)
        return Schema("json", fields, type=kind, full_name=_text(target, "title") or None, document=target, pos=at,
                      resolved=inline_refs(target, self.deref, at))


def _group_id(value: object) -> str | None:
    """`groupId` as SpecMesh writes it (a string) or as the Kafka binding defines it (a schema)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        if isinstance(value.get("const"), str):
            return value["const"]
        if isinstance(value.get("enum"), list) and value["enum"] and isinstance(value["enum"][0], str):
            return value["enum"][0]
    return None


def _is_ref(node: object) -> bool:
    return isinstance(node, YMap) and "$ref" in node
