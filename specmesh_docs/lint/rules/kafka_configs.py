"""Kafka's topic-level configs and how their values must look (Kafka 4.x)."""

from __future__ import annotations

LONG_MIN1 = ("long", -1)
TOPIC_CONFIGS: dict[str, tuple] = {
    "cleanup.policy": ("list", {"delete", "compact"}),
    "compression.type": ("enum", {"uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"}),
    "compression.gzip.level": ("int", -1), "compression.lz4.level": ("int", 1), "compression.zstd.level": ("int", -131072),
    "delete.retention.ms": ("long", 0), "file.delete.delay.ms": ("long", 0), "flush.messages": ("long", 1),
    "flush.ms": ("long", 0), "follower.replication.throttled.replicas": ("text", None),
    "leader.replication.throttled.replicas": ("text", None), "index.interval.bytes": ("int", 0),
    "local.retention.bytes": ("long", -2), "local.retention.ms": ("long", -2), "max.compaction.lag.ms": ("long", 1),
    "max.message.bytes": ("int", 0), "message.timestamp.after.max.ms": ("long", 0),
    "message.timestamp.before.max.ms": ("long", 0), "message.timestamp.type": ("enum", {"CreateTime", "LogAppendTime"}),
    "min.cleanable.dirty.ratio": ("ratio", None), "min.compaction.lag.ms": ("long", 0), "min.insync.replicas": ("int", 1),
    "preallocate": ("bool", None), "remote.storage.enable": ("bool", None), "remote.log.copy.disable": ("bool", None),
    "remote.log.delete.on.disable": ("bool", None), "retention.bytes": LONG_MIN1, "retention.ms": LONG_MIN1,
    "segment.bytes": ("int", 14), "segment.index.bytes": ("int", 4), "segment.jitter.ms": ("long", 0),
    "segment.ms": ("long", 1), "unclean.leader.election.enable": ("bool", None),
}
VENDOR_PREFIXES = ("confluent.",)


def check_config(key: str, value: str, replicas: int | None) -> str | None:
    """A one-line problem with `key: value`, or None when it is fine."""
    spec = TOPIC_CONFIGS.get(key)
    if spec is None:
        if key.startswith(VENDOR_PREFIXES):
            return None
        return f"{key!r} is not a Kafka topic config"
    kind, arg = spec
    if kind in ("int", "long"):
        try:
            number = int(value)
        except ValueError:
            return f"{key} must be a whole number, not {value!r}"
        if number < arg:
            return f"{key} must be >= {arg}, not {number}"
        if key == "min.insync.replicas" and replicas is not None and number > max(replicas - 1, 1):
            return f"min.insync.replicas {number} leaves no room for a broker failure with {replicas} replicas (use <= {max(replicas - 1, 1)})"
    elif kind == "bool" and value not in ("true", "false"):
        return f"{key} must be true or false, not {value!r}"
    elif kind == "enum" and value not in arg:
        return f"{key} must be one of {', '.join(sorted(arg))}, not {value!r}"
    elif kind == "list":
        parts = value.split(",")
        if not parts or any(p not in arg for p in parts) or len(set(parts)) != len(parts):
            return f"{key} must be delete, compact or compact,delete, not {value!r}"
    elif kind == "ratio":
        try:
            ratio = float(value)
        except ValueError:
            return f"{key} must be a number between 0 and 1, not {value!r}"
        if not 0 <= ratio <= 1:
            return f"{key} must be between 0 and 1, not {value}"
    return None
