"""User-facing errors: every one names a file, line and column so editors can jump to it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Position:
    """A place in a source file; line and column are 1-based (0 means unknown)."""

    file: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


class SpecError(Exception):
    """Bad input: printed as `path:line:col: error: message`, exit code 2."""

    def __init__(self, message: str, pos: Position | None = None):
        super().__init__(message)
        self.message = message
        self.pos = pos

    def __str__(self) -> str:
        return f"{self.pos}: error: {self.message}" if self.pos else f"specmesh: error: {self.message}"


def seconds_from_env(name: str, default: float, maximum: float) -> float:
    """A timeout the user sets in the environment (git, catalogue fetches): bad values are usage errors."""
    import os

    text = os.environ.get(name, str(default))
    try:
        value = float(text)
    except ValueError:
        value = -1
    if not 0 < value <= maximum:
        raise SpecError(f"{name} is a number of seconds in (0, {maximum:g}], not {text!r}")
    return value
