"""Small helpers shared by rule modules."""

from __future__ import annotations

from ...errors import Position
from ...model.yamlload import YMap, locate

__all__ = ["locate", "kafka_binding", "config_pos"]


def kafka_binding(topic) -> YMap | None:
    node = topic.node
    b = node.get("bindings") if isinstance(node, YMap) else None
    k = b.get("kafka") if isinstance(b, YMap) else None
    return k if isinstance(k, YMap) else None


def config_pos(topic, key: str) -> Position:
    kafka = kafka_binding(topic)
    for holder in ("configs", "topicConfiguration"):
        if kafka is not None and isinstance(kafka.get(holder), YMap) and key in kafka[holder]:
            return kafka[holder].pos(key)
    return locate(kafka, default=topic.pos) if kafka is not None else topic.pos
