"""Small helpers shared by rule modules."""

from __future__ import annotations

from ...errors import Position
from ...spec.yamlload import YMap, YSeq


def locate(node: object, *path: str | int, default: Position | None = None) -> Position:
    """Position of the deepest existing key along `path` below `node`."""
    best = node.pos() if isinstance(node, (YMap, YSeq)) else default
    for key in path:
        if isinstance(node, YMap) and key in node:
            best = node.pos(key)
            node = node[key]
        elif isinstance(node, YSeq) and isinstance(key, int) and key < len(node):
            best = node.pos(key)
            node = node[key]
        else:
            break
    return best or default or Position("<input>")


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
