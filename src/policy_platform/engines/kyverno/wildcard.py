"""Kyverno's wildcard matcher (IGLOU-EU/go-wildcard, MinIO algorithm).

``*`` matches zero or more runes, ``?`` exactly one rune (``/`` included), everything else is literal and
case-sensitive: no character classes, no escaping. An empty pattern matches only the empty string. Matching compiles to
RE2, so it is linear in the input whatever the pattern.
"""

from __future__ import annotations

from collections.abc import Callable
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


@lru_cache(maxsize=8192)
def _shape(pattern: str) -> tuple[str, str]:
    """A fast form for common patterns: ('nonempty'|'prefix'|'suffix'|'contains'|'regex', literal)."""
    if pattern in ("?*", "*?"):
        return "nonempty", ""
    if "?" not in pattern:
        stars = pattern.count("*")
        inner = pattern.strip("*")
        if "*" not in inner:
            if stars == 1 and pattern.endswith("*"):
                return "prefix", inner
            if stars == 1 and pattern.startswith("*"):
                return "suffix", inner
            if stars == 2 and pattern.startswith("*") and pattern.endswith("*") and len(pattern) > 1:
                return "contains", inner
    return "regex", ""


def match(pattern: str, text: str) -> bool:
    """Whether ``text`` matches the wildcard ``pattern`` in full."""
    if pattern in (text, "*"):
        return True
    if "*" not in pattern and "?" not in pattern:
        return False
    shape, literal = _shape(pattern)
    if shape == "nonempty":
        return text != ""
    if shape == "prefix":
        return text.startswith(literal)
    if shape == "suffix":
        return text.endswith(literal)
    if shape == "contains":
        return literal in text
    return _compile(pattern).fullmatch(text) is not None


def compile_matcher(pattern: str) -> Callable[[str], bool]:
    """A predicate equal to ``lambda text: match(pattern, text)``, with the pattern's shape decided once."""
    if pattern == "*":
        return _always
    if "*" not in pattern and "?" not in pattern:
        return pattern.__eq__
    shape, literal = _shape(pattern)
    if shape == "nonempty":
        return bool
    if shape == "prefix":
        return lambda text: text.startswith(literal)
    if shape == "suffix":
        return lambda text: text.endswith(literal)
    if shape == "contains":
        return lambda text: literal in text
    regex = _compile(pattern)
    return lambda text: text == pattern or regex.fullmatch(text) is not None


def _always(text: str) -> bool:
    return True
