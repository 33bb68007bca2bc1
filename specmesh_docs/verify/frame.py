"""The registry wire format (pure): magic byte 0, a 4-byte big-endian schema id, and for
Protobuf the message indexes (zig-zag varints: a count, then the path to the message type;
a single 0 byte means the first message)."""

from __future__ import annotations

from dataclasses import dataclass

MAX_INDEXES = 64  # a message nested deeper than this is not a schema anyone registers


class Unframed(Exception):
    """The bytes do not start with the registry's framing."""


@dataclass(frozen=True, slots=True)
class Frame:
    schema_id: int
    indexes: tuple[int, ...]
    body: memoryview


def _varint(data: memoryview, at: int) -> tuple[int, int]:
    shift = value = 0
    while True:
        if at >= len(data) or shift > 63:
            raise Unframed("the Protobuf message indexes are cut short")
        byte = data[at]
        value |= (byte & 0x7F) << shift
        at += 1
        if not byte & 0x80:
            return (value >> 1) ^ -(value & 1), at
        shift += 7


def split(data: bytes, protobuf: bool = False) -> Frame:
    view = memoryview(data)
    if len(view) < 5 or view[0] != 0:
        raise Unframed("no registry framing (magic byte 0 and a schema id)")
    schema_id = int.from_bytes(view[1:5], "big")
    if not protobuf:
        return Frame(schema_id, (), view[5:])
    count, at = _varint(view, 5)
    if count == 0:
        return Frame(schema_id, (0,), view[at:])
    if not 0 < count <= MAX_INDEXES:
        raise Unframed(f"the Protobuf message index count is {count}")
    indexes = []
    for _ in range(count):
        index, at = _varint(view, at)
        if index < 0:
            raise Unframed("a negative Protobuf message index")
        indexes.append(index)
    return Frame(schema_id, tuple(indexes), view[at:])
