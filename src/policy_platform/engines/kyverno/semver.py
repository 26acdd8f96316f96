"""Semantic versions and blang/semver ranges (``>=1.2.0 <2.0.0 || 3.x``) for ``semver_compare`` and comparisons."""

from __future__ import annotations

import re
from functools import lru_cache

_VERSION = re.compile(
    r"^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?(?:\+([0-9A-Za-z.-]+))?$"
)
_OP = re.compile(r"^(>=|<=|!=|==|=|>|<)?\s*(.*)$")


@lru_cache(maxsize=1024)
def parse(text: str) -> tuple[int, int, int, tuple[tuple[int, int | str], ...]] | None:
    """(major, minor, patch, pre-release key) or None when ``text`` is not a strict semantic version."""
    m = _VERSION.match(text.strip())
    if m is None:
        return None
    pre: tuple[tuple[int, int | str], ...] = ()
    if m.group(4):
        pre = tuple((0, int(p)) if p.isdigit() else (1, p) for p in m.group(4).split("."))
    return (int(m.group(1)), int(m.group(2)), int(m.group(3)), pre)


def _key(v: tuple[int, int, int, tuple[tuple[int, int | str], ...]]) -> tuple[object, ...]:
    # a version without pre-release sorts after any pre-release of the same triple
    return (v[0], v[1], v[2], (1,) if not v[3] else (0, v[3]))


def compare(a: str, b: str) -> int | None:
    """-1/0/1, or None when either side is not a semantic version."""
    pa, pb = parse(a), parse(b)
    if pa is None or pb is None:
        return None
    ka, kb = _key(pa), _key(pb)
    return (ka > kb) - (ka < kb)


def _expand_wildcard(op: str, text: str) -> list[tuple[str, str]]:
    parts = text.split(".")
    if len(parts) == 3 and parts[2] in ("x", "X", "*") and parts[1] not in ("x", "X", "*"):
        low = f"{parts[0]}.{parts[1]}.0"
        high = f"{parts[0]}.{int(parts[1]) + 1}.0"
    elif len(parts) >= 2 and parts[1] in ("x", "X", "*"):
        low = f"{parts[0]}.0.0"
        high = f"{int(parts[0]) + 1}.0.0"
    else:
        return [(op, text)]
    if op in ("", "=", "=="):
        return [(">=", low), ("<", high)]
    if op == ">":
        return [(">=", high)]
    if op == "<":
        return [("<", low)]
    if op == ">=":
        return [(">=", low)]
    if op == "<=":
        return [("<", high)]
    return [(op, low)]


def satisfies(version: str, rng: str) -> bool:
    """Whether ``version`` is in the blang/semver range ``rng``; raise ValueError for malformed input."""
    if parse(version) is None:
        raise ValueError(f"semver_compare: invalid version {version!r}")
    for alternative in rng.split("||"):
        ok = True
        terms = alternative.split()
        if not terms:
            raise ValueError(f"semver_compare: invalid range {rng!r}")
        for term in terms:
            m = _OP.match(term)
            assert m is not None
            for op, target in _expand_wildcard(m.group(1) or "", m.group(2)):
                c = compare(version, target)
                if c is None:
                    raise ValueError(f"semver_compare: invalid range {rng!r}")
                if not {
                    "": c == 0, "=": c == 0, "==": c == 0, "!=": c != 0,
                    ">": c > 0, ">=": c >= 0, "<": c < 0, "<=": c <= 0,
                }[op]:
                    ok = False
        if ok:
            return True
    return False
