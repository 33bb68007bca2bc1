"""Regular expressions that come from users (policy files) run on RE2: linear time, no backtracking.

A policy pattern such as `(a+)+$` would make Python's `re` take exponential time on a crafted
topic name; RE2 guarantees time linear in the input, so a hostile name cannot stall a hook.
"""

from __future__ import annotations

from functools import lru_cache

import re2

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # errors are reported by us, positioned, not printed by the C++ library


class BadPattern(ValueError):
    pass


@lru_cache(maxsize=256)
def compile_pattern(pattern: str):
    try:
        return re2.compile(pattern, _OPTIONS)
    except re2.error as exc:
        reason = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise BadPattern(reason) from None


def fullmatch(pattern: str, text: str) -> bool:
    return compile_pattern(pattern).fullmatch(text) is not None
