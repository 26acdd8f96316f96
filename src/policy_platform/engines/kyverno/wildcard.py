"""Kyverno's wildcard matcher (IGLOU-EU/go-wildcard, MinIO algorithm).

``*`` matches zero or more runes, ``?`` exactly one rune (``/`` included), everything else is literal and
case-sensitive: no character classes, no escaping. An empty pattern matches only the empty string. Matching compiles to
RE2, so it is linear in the input whatever the pattern.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import re2


def has_wildcard(pattern: str) -> bool:
    """Whether ``pattern`` holds ``*`` or ``?``."""
    return "*" in pattern or "?" in pattern


@lru_cache(maxsize=8192)
def _compile(pattern: str) -> Any:
    parts: list[str] = []
    for ch in pattern:
        if ch == "*":
            if not parts or parts[-1] != ".*":
                parts.append(".*")
        elif ch == "?":
            parts.append(".")
        else:
            parts.append(re2.escape(ch))
    return re2.compile("(?s)" + "".join(parts))


def match(pattern: str, text: str) -> bool:
    """Whether ``text`` matches the wildcard ``pattern`` in full."""
    if pattern == text:
        return True
    if pattern == "*":
        return True
    if "*" not in pattern and "?" not in pattern:
        return False
    return _compile(pattern).fullmatch(text) is not None
