"""Reading the JSON documents the tool writes itself (plans, baselines, metrics): errors name
file, line and column like every other input error."""

from __future__ import annotations

import json
from pathlib import Path

from .errors import Position, SpecError


def read_json(path: Path, what: str) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SpecError(f"cannot read {what}: {exc.strerror}", Position(str(path))) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = Position(str(path), getattr(exc, "lineno", 1), getattr(exc, "colno", 1))
        raise SpecError(f"{what} is not JSON: {getattr(exc, 'msg', exc)}", where) from None
