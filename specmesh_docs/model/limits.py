"""Limits against hostile input. Real specs are far below every one of them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    max_file_bytes: int = 8 * 1024 * 1024  # one spec or schema file
    max_depth: int = 128  # nesting of mappings and sequences
    max_nodes: int = 1_000_000  # nodes after alias expansion (billion-laughs guard)
    max_aliases: int = 10_000  # alias uses in one file
    max_ref_files: int = 2_000  # distinct files one spec may pull in through $ref
    max_ref_hops: int = 64  # a $ref chain longer than this is treated as a cycle
    max_schema_nodes: int = 50_000  # schema nodes visited to list one schema's fields (shared subtrees count each time)
    max_schema_depth: int = 64  # field nesting listed; deeper levels are not expanded


DEFAULT_LIMITS = Limits()
