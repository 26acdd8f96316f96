"""``$(path)`` references in patterns (Kyverno ``pkg/engine/variables``): a value taken from another place of the
same pattern, by a path relative to the current node (``./../../limits/memory``) or absolute (``/spec/x``), with an
optional operator prefix (``$(<=./../../limits/memory)`` becomes ``<=2048Mi``). Resolved before ``{{ }}`` variables.
"""

from __future__ import annotations

import re
from typing import Any

from policy_platform.engines.kyverno.gofmt import sprint
from policy_platform.engines.kyverno.pattern import parse_anchor

_REFERENCE = re.compile(r"\$\((>=|<=|>|<|!)?([^ )]*)\)")


class ReferenceError_(Exception):
    """A reference that does not resolve inside the pattern."""


def has_references(value: Any) -> bool:
    """Whether a pattern holds any ``$(`` (in a value: keys are not resolved). A container's answer is kept per object
    (patterns are policy data, asked about at every evaluation)."""
    if isinstance(value, str):
        return "$(" in value
    if not isinstance(value, dict | list):
        return False
    known = _KNOWN.get(id(value))
    if known is not None and known[0] is value:
        return known[1]
    found = _scan(value)
    if len(_KNOWN) >= _MAX_KNOWN:
        _KNOWN.clear()
    _KNOWN[id(value)] = (value, found)  # holding the object keeps its id from being reused while the entry lives
    return found


_KNOWN: dict[int, tuple[Any, bool]] = {}
_MAX_KNOWN = 4096


def _scan(value: Any) -> bool:
    if isinstance(value, str):
        return "$(" in value
    if isinstance(value, dict):
        return any(_scan(v) for v in value.values())
    if isinstance(value, list):
        return any(_scan(v) for v in value)
    return False


def resolve_references(pattern: Any) -> Any:
    """The pattern with every ``$(…)`` replaced (a new structure); raise :class:`ReferenceError_` when unresolved."""
    return _walk(pattern, pattern, [])


def _walk(node: Any, root: Any, path: list[str | int]) -> Any:
    if isinstance(node, dict):
        return {k: _walk(v, root, [*path, k]) for k, v in node.items()}
    if isinstance(node, list):
        return [_walk(v, root, [*path, i]) for i, v in enumerate(node)]
    if isinstance(node, str) and "$(" in node:
        return _REFERENCE.sub(lambda m: (m.group(1) or "") + _lookup(root, path, m.group(2)), node)
    return node


def _lookup(root: Any, current: list[str | int], reference: str) -> str:
    if reference.startswith("/"):
        target: list[str | int] = []
        parts = reference.strip("/").split("/")
    else:
        target = list(current)
        parts = reference.split("/")
    for part in parts:
        if part in ("", "."):
            continue
        if part == "..":
            if not target:
                raise ReferenceError_(f"reference $({reference}) leaves the pattern")
            target.pop()
        else:
            target.append(int(part) if part.isdigit() else part)
    value = root
    for seg in target:
        if isinstance(value, dict):
            key = seg if seg in value else next((k for k in value if parse_anchor(k)[1] == seg), None)
            if key is None:
                raise ReferenceError_(f"reference $({reference}) not found in the pattern")
            value = value[key]
        elif isinstance(value, list) and isinstance(seg, int) and 0 <= seg < len(value):
            value = value[seg]
        else:
            raise ReferenceError_(f"reference $({reference}) not found in the pattern")
    return value if isinstance(value, str) else sprint(value)
