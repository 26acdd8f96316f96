"""Semantic versions as Go's ``golang.org/x/mod/semver`` reads them (Pluto compares target versions with it).

* A version starts with ``v``: ``vMAJOR[.MINOR[.PATCH]][-PRERELEASE][+BUILD]``; the shorthands ``v1`` and ``v1.2`` mean
  ``v1.0.0`` and ``v1.2.0`` and may not carry a prerelease or build suffix.
* Numbers have no leading zeros; prerelease identifiers are dot-separated ``[0-9A-Za-z-]+``, numeric ones without
  leading zeros; build metadata is ignored when comparing.
* Ordering: major, minor, patch numerically; a prerelease sorts before the release; prerelease identifiers compare
  numerically when both are numeric, numeric before alphanumeric, otherwise as ASCII; a shorter list of equal
  identifiers sorts first. Go treats an invalid string as smaller than every valid one; this module refuses invalid
  versions instead (:func:`parse` returns ``None``) so that callers can report them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUM = r"0|[1-9][0-9]*"
_IDENT = r"[0-9A-Za-z-]+"
_FULL = re.compile(
    rf"^v(?P<major>{_NUM})(?:\.(?P<minor>{_NUM})(?:\.(?P<patch>{_NUM})"
    rf"(?:-(?P<pre>{_IDENT}(?:\.{_IDENT})*))?(?:\+(?P<build>{_IDENT}(?:\.{_IDENT})*))?)?)?$"
)


@dataclass(frozen=True, slots=True)
class Version:
    """A parsed version; ``text`` is the string as written."""

    major: int
    minor: int
    patch: int
    prerelease: tuple[str, ...]
    text: str

    def canonical(self) -> str:
        """``vMAJOR.MINOR.PATCH[-PRERELEASE]`` (Go's ``semver.Canonical`` without build metadata)."""
        pre = f"-{'.'.join(self.prerelease)}" if self.prerelease else ""
        return f"v{self.major}.{self.minor}.{self.patch}{pre}"


def parse(text: str) -> Version | None:
    """Parse ``text``; ``None`` when it is not a valid Go semantic version."""
    m = _FULL.match(text)
    if m is None:
        return None
    pre = m.group("pre")
    if pre is not None and any(p.isdigit() and len(p) > 1 and p[0] == "0" for p in pre.split(".")):
        return None
    return Version(
        major=int(m.group("major")),
        minor=int(m.group("minor") or 0),
        patch=int(m.group("patch") or 0),
        prerelease=tuple(pre.split(".")) if pre else (),
        text=text,
    )


def is_valid(text: str) -> bool:
    return parse(text) is not None


def _cmp_ident(a: str, b: str) -> int:
    a_num, b_num = a.isdigit(), b.isdigit()
    if a_num and b_num:
        return (int(a) > int(b)) - (int(a) < int(b))
    if a_num != b_num:
        return -1 if a_num else 1
    return (a > b) - (a < b)


def compare_versions(a: Version, b: Version) -> int:
    """-1, 0 or 1 as ``a`` sorts before, equal to or after ``b``."""
    for x, y in ((a.major, b.major), (a.minor, b.minor), (a.patch, b.patch)):
        if x != y:
            return -1 if x < y else 1
    if a.prerelease == b.prerelease:
        return 0
    if not a.prerelease:
        return 1
    if not b.prerelease:
        return -1
    for x_id, y_id in zip(a.prerelease, b.prerelease, strict=False):
        c = _cmp_ident(x_id, y_id)
        if c:
            return c
    return -1 if len(a.prerelease) < len(b.prerelease) else 1


def compare(a: str, b: str) -> int:
    """Compare two version strings; raises ``ValueError`` if either is invalid."""
    pa, pb = parse(a), parse(b)
    if pa is None or pb is None:
        raise ValueError(f"invalid semantic version: {a if pa is None else b!r}")
    return compare_versions(pa, pb)


def at_least(target: Version, version: str) -> bool:
    """``target >= version`` where an empty ``version`` means "never" (Pluto's empty data fields)."""
    if not version:
        return False
    parsed = parse(version)
    return parsed is not None and compare_versions(target, parsed) >= 0
