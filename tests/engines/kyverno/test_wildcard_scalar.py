"""Wildcards, scalar pattern operators, quantities and durations (Kyverno's pattern.go semantics)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

from policy_platform.engines.kyverno import scalar, wildcard
from policy_platform.engines.kyverno.duration import format_duration, parse_duration
from policy_platform.engines.kyverno.gofmt import sprint, to_json
from policy_platform.engines.kyverno.quantity import format_quantity, parse_quantity


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        ("*", "", True),
        ("?*", "", False),
        ("?*", "a", True),
        ("*:latest", "nginx:latest", True),
        ("*:latest", "nginx:1.2", False),
        ("a?c", "a/c", True),
        ("a.c", "abc", False),
        ("[ab]", "a", False),
        ("[ab]", "[ab]", True),
        ("", "", True),
        ("", "x", False),
        ("Pod", "pod", False),
        ("*-snippet", "nginx.org/server-snippet", True),
    ],
)
def test_wildcard(pattern: str, text: str, expected: bool) -> None:
    assert wildcard.match(pattern, text) is expected


@pytest.mark.parametrize(
    ("value", "pattern", "expected"),
    [
        (True, True, True),
        ("true", True, False),
        (3, 3, True),
        (3.0, 3, True),
        ("3", 3, True),
        (3.5, 3, False),
        (None, None, True),
        (0, None, True),
        ("", None, True),
        (False, None, True),
        ("x", None, False),
        ("nginx:latest", "!*:latest", False),
        ("nginx:1.0", "!*:latest", True),
        ("a", "a | b", True),
        ("c", "a | b", False),
        (5, ">3 & <10", True),
        (15, ">3 & <10", False),
        ("512Mi", "<=1Gi", True),
        ("2Gi", "<=1Gi", False),
        (None, "<10", True),
        (None, "!x", False),
        (None, "?*", False),
        (None, "*", False),
        ("90s", ">1m", True),
        ("30s", ">1m", False),
        (5500, "5000-6000", True),
        (7000, "5000-6000", False),
        (7000, "5000!-6000", True),
        ("abc", ">1", False),
        (1.5, "1.5E+00", True),
        ("100m", "<1", True),
    ],
)
def test_scalar_patterns(value: Any, pattern: Any, expected: bool) -> None:
    assert scalar.validate(value, pattern) is expected


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1Ki", Fraction(1024)),
        ("100m", Fraction(1, 10)),
        ("1e3", Fraction(1000)),
        ("2k", Fraction(2000)),
        ("0.5Gi", Fraction(2**29)),
        ("abc", None),
        ("1d", None),
    ],
)
def test_quantity(text: str, value: Fraction | None) -> None:
    assert parse_quantity(text) == value


def test_quantity_format() -> None:
    assert format_quantity(Fraction(1536 * 2**20), "1Gi") == "1536Mi"
    assert format_quantity(Fraction(3 * 2**30), "1Gi") == "3Gi"


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("0", Fraction(0)), ("1h30m", Fraction(5400)), ("-1.5s", Fraction(-3, 2)), ("300ms", Fraction(3, 10)),
     ("1d", None), ("10", None), ("", None)],
)
def test_duration(text: str, seconds: Fraction | None) -> None:
    assert parse_duration(text) == seconds


def test_duration_format() -> None:
    assert format_duration(Fraction(3600)) == "1h0m0s"
    assert format_duration(Fraction(3, 2)) == "1.5s"
    assert format_duration(Fraction(3, 10)) == "300ms"
    assert format_duration(0) == "0s"


def test_go_formatting() -> None:
    assert sprint(3.0) == "3"
    assert sprint(1e21) == "1e+21"
    assert sprint(1.5) == "1.5"
    assert sprint(None) == "<nil>"
    assert to_json({"b": 1.0, "a": [True, None]}) == '{"a":[true,null],"b":1}'
