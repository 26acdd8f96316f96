"""Go ``x/mod/semver`` parsing and ordering, as Pluto uses it for target versions."""

from __future__ import annotations

import pytest

from policy_platform.engines.deprecations import semver

VALID = [
    ("v1.25.0", (1, 25, 0, ())),
    ("v1.25", (1, 25, 0, ())),
    ("v1", (1, 0, 0, ())),
    ("v1.29.0-rc.1", (1, 29, 0, ("rc", "1"))),
    ("v1.29.0+build.5", (1, 29, 0, ())),
    ("v0.11.0", (0, 11, 0, ())),
]
INVALID = ["1.25.0", "v1.25.0.1", "v01.2.3", "v1.02.0", "v1.2-rc1", "v1.2.3-01", "", "v", "vX.Y.Z", "v1.2.3 "]


@pytest.mark.parametrize(("text", "parts"), VALID, ids=[v[0] for v in VALID])
def test_parse_valid(text: str, parts: tuple[int, int, int, tuple[str, ...]]) -> None:
    v = semver.parse(text)
    assert v is not None
    assert (v.major, v.minor, v.patch, v.prerelease) == parts
    assert v.text == text


@pytest.mark.parametrize("text", INVALID)
def test_parse_invalid(text: str) -> None:
    assert semver.parse(text) is None
    assert not semver.is_valid(text)


ORDER = [
    ("v1.16.0", "v1.16.0", 0),
    ("v1.16", "v1.16.0", 0),
    ("v1.9.0", "v1.16.0", -1),  # numeric, not lexical
    ("v1.22.0", "v1.9.0", 1),
    ("v2.0.0", "v1.99.99", 1),
    ("v1.29.0-rc.1", "v1.29.0", -1),  # a prerelease sorts before its release
    ("v1.29.0-alpha", "v1.29.0-alpha.1", -1),
    ("v1.29.0-alpha.2", "v1.29.0-alpha.10", -1),  # numeric identifiers compare as numbers
    ("v1.29.0-1", "v1.29.0-alpha", -1),  # numeric before alphanumeric
    ("v1.29.0-beta", "v1.29.0-alpha", 1),
    ("v1.29.0+a", "v1.29.0+b", 0),  # build metadata ignored
]


@pytest.mark.parametrize(("a", "b", "want"), ORDER, ids=[f"{a}~{b}" for a, b, _ in ORDER])
def test_compare(a: str, b: str, want: int) -> None:
    assert semver.compare(a, b) == want
    assert semver.compare(b, a) == -want


def test_compare_rejects_invalid() -> None:
    with pytest.raises(ValueError, match="invalid semantic version"):
        semver.compare("1.2.3", "v1.2.3")


@pytest.mark.parametrize(
    ("target", "version", "want"),
    [("v1.22.0", "v1.22.0", True), ("v1.21.9", "v1.22.0", False), ("v1.30.0", "", False), ("v1.30.0", "v1.22", True)],
)
def test_at_least(target: str, version: str, want: bool) -> None:
    t = semver.parse(target)
    assert t is not None
    assert semver.at_least(t, version) is want


def test_canonical() -> None:
    v = semver.parse("v1.2")
    assert v is not None and v.canonical() == "v1.2.0"
