"""Condition operators (Kyverno ``pkg/engine/variables/operator``), one function per operator, in an explicit table.

Every operator gives False for a nil or unsupported key. Equals compares durations, then quantities, then uses the
*value* as a wildcard pattern for the key; the In-family matches wildcards in both directions.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from fractions import Fraction
from functools import lru_cache
from typing import Any

from policy_platform.engines.kyverno import semver, wildcard
from policy_platform.engines.kyverno.duration import parse_duration
from policy_platform.engines.kyverno.gofmt import sprint
from policy_platform.engines.kyverno.quantity import parse_quantity

Operator = Callable[[Any, Any], bool]


class OperatorError(Exception):
    """An operator that cannot be evaluated (unknown name, Go panic case)."""


def _is_num(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _durations(key: Any, value: Any) -> tuple[Fraction, Fraction] | None:
    kd = parse_duration(key) if isinstance(key, str) and key != "0" else None
    vd = parse_duration(value) if isinstance(value, str) and value != "0" else None
    if kd is None and vd is None:
        return None
    if kd is None:
        if not _is_num(key):
            return None
        kd = Fraction(key)
    if vd is None:
        if not _is_num(value):
            return None
        vd = Fraction(value)
    return kd, vd


def _int_equal(key: int, value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return key == value
    if isinstance(value, float):
        return value == math.trunc(value) and int(value) == key
    if isinstance(value, str):
        try:
            return int(value, 10) == key
        except ValueError:
            return False
    return False


def _float_equal(key: float, value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return float(value) == key
    if isinstance(value, str):
        try:
            return float(value) == key
        except ValueError:
            return False
    return False


def _deep_equal(a: Any, b: Any) -> bool:
    if type(a) is not type(b) and not (_is_num(a) and _is_num(b)):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_deep_equal(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_deep_equal(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _string_equal(key: str, value: Any) -> bool | None:
    """True/False, or None for 'type mismatch' (NotEquals then gives True)."""
    d = _durations(key, value)
    if d is not None:
        return d[0] == d[1]
    qk = parse_quantity(key)
    if qk is not None and isinstance(value, str):
        qv = parse_quantity(value)
        if qv is not None:
            return qk == qv
    if not isinstance(value, str):
        return None
    return wildcard.match(value, key)


_MEMO_TEXT = 512  # the longest key + value pair whose string comparisons are memoised (bounds the memos' memory)


@lru_cache(maxsize=65536)
def _strings_equal(key: str, value: str) -> bool:
    """Equals of two strings (memoised: the same pairs recur across resources)."""
    return bool(_string_equal(key, value))


def equals(key: Any, value: Any) -> bool:
    if key is True or key is False:
        return value is key
    if isinstance(key, int):
        return _int_equal(key, value)
    if isinstance(key, float):
        return _float_equal(key, value)
    if isinstance(key, str):
        if type(value) is str and len(key) + len(value) <= _MEMO_TEXT:
            return _strings_equal(key, value)
        return bool(_string_equal(key, value))
    if isinstance(key, dict | list):
        return _deep_equal(key, value)
    return False


def not_equals(key: Any, value: Any) -> bool:
    if key is True or key is False:
        return value is not key
    if isinstance(key, int):
        return not _int_equal(key, value)
    if isinstance(key, float):
        return not _float_equal(key, value)
    if isinstance(key, str):
        if type(value) is str and len(key) + len(value) <= _MEMO_TEXT:
            return _strings_not_equal(key, value)
        return _string_not_equal(key, value)
    if isinstance(key, dict | list):
        return not _deep_equal(key, value)
    return False


def _string_not_equal(key: str, value: Any) -> bool:
    d = _durations(key, value)
    if d is not None:
        return d[0] != d[1]
    qk = parse_quantity(key)
    if qk is not None and isinstance(value, str):
        qv = parse_quantity(value)
        if qv is not None:
            return qk != qv
        if value != "":
            return False
    if not isinstance(value, str):
        return True
    return not wildcard.match(value, key)


@lru_cache(maxsize=65536)
def _strings_not_equal(key: str, value: str) -> bool:
    """NotEquals of two strings (memoised)."""
    return _string_not_equal(key, value)


# --- In family -----------------------------------------------------------------------------------------------------

_RANGE = re.compile(r"^([-+]?[0-9]+(?:\.[0-9]+)?)(!?)-([-+]?[0-9]+(?:\.[0-9]+)?)$")


def _both(a: str, b: str) -> bool:
    return wildcard.match(a, b) or wildcard.match(b, a)


def _key_strings(key: Any) -> list[str] | None:
    if isinstance(key, str):
        return [key]
    if isinstance(key, bool | int | float):
        return [sprint(key)]
    if isinstance(key, list):
        return [v if type(v) is str else sprint(v) for v in key]  # sprint of a str is itself
    return None


def _value_strings(keys: list[str], key_is_scalar: bool, value: Any) -> tuple[list[str] | None, bool]:
    """(value items, matched-directly) — None items means invalid type (every operator is then false)."""
    if isinstance(value, list):
        return [v if type(v) is str else sprint(v) for v in value], False
    if isinstance(value, str):
        if key_is_scalar and wildcard.match(value, keys[0]):
            return [], True
        if not key_is_scalar and len(keys) == 1 and keys[0] == value:
            return [], True
        try:
            arr = json.loads(value)
        except json.JSONDecodeError:
            return None, False
        if not isinstance(arr, list) or not all(isinstance(x, str) for x in arr):
            return None, False
        return arr, False
    return None, False


def _in_counts(key: Any, value: Any) -> tuple[int, int] | None:
    """(key items found in value, total key items), or None for an invalid type."""
    keys = _key_strings(key)
    if keys is None:
        return None
    scalar = not isinstance(key, list)
    if isinstance(value, str):
        m = _RANGE.match(value)
        if m:
            return _range_found(keys, float(m.group(1)), float(m.group(3)), bool(m.group(2))), len(keys)
    if not keys:
        return 0, 0
    values, direct = _value_strings(keys, scalar, value)
    if values is None:
        return None
    if direct:
        return 1, 1
    if scalar and isinstance(value, str):
        return (1 if keys[0] in values else 0), 1
    if len(keys) == 1:
        return (1 if _found(keys[0], values) else 0), 1
    return _count_found(keys, _ValueIndex(values)), len(keys)


def _found(k: str, values: list[str]) -> bool:
    """``any(_both(k, v) for v in values)`` in one pass: for a key without a wildcard, only equal items and items
    with a wildcard (as patterns) can match (see :func:`_count_found`)."""
    if "*" in k or "?" in k:
        return any(_both(k, v) for v in values)
    for v in values:  # noqa: SIM110 - a plain loop: no generator on this hot path
        if v == k or (("*" in v or "?" in v) and wildcard.match(v, k)):
            return True
    return False


class _ValueIndex:
    """The value items of an In-family operator, split for matching: a key is found when it equals an item or when
    either one, as a wildcard pattern, matches the other."""

    __slots__ = ("items", "patterns", "plain")

    def __init__(self, items: list[str]) -> None:
        self.items = items
        self.plain: set[str] = set()
        self.patterns: list[str] = []
        for v in items:
            if "*" in v or "?" in v:  # wildcard.has_wildcard, inlined
                self.patterns.append(v)
            else:
                self.plain.add(v)


def _count_found(keys: list[str], index: _ValueIndex) -> int:
    """How many keys ``_both(key, v)`` matches for some item ``v``.

    Without a wildcard in the key, ``wildcard.match(key, v)`` is ``key == v`` and ``wildcard.match(v, key)`` is
    ``key == v`` for an item without a wildcard, so only equality and the wildcard items need looking at.
    """
    found = 0
    for k in keys:
        if k in index.plain:
            found += 1
        elif "*" in k or "?" in k:
            if any(_both(k, v) for v in index.items):
                found += 1
        elif any(wildcard.match(v, k) for v in index.patterns):
            found += 1
    return found


def any_in(key: Any, value: Any) -> bool:
    c = _in_counts(key, value)
    return c is not None and c[0] > 0


def all_in(key: Any, value: Any) -> bool:
    c = _in_counts(key, value)
    return c is not None and c[0] == c[1]  # an empty key list is vacuously all in (Go counts found == len)


def any_not_in(key: Any, value: Any) -> bool:
    c = _in_counts(key, value)
    return c is not None and c[0] != c[1]


def all_not_in(key: Any, value: Any) -> bool:
    c = _in_counts(key, value)
    return c is not None and c[0] == 0


def _legacy_in(key: Any, value: Any) -> bool:
    if isinstance(key, str):
        if isinstance(value, list):
            return any(wildcard.match(sprint(v), key) for v in value)
        if isinstance(value, str):
            try:
                arr = json.loads(value)
            except json.JSONDecodeError:
                return False
            return isinstance(arr, list) and any(wildcard.match(sprint(v), key) for v in arr)
        return False
    if isinstance(key, list):
        if not all(isinstance(k, str) for k in key):
            raise OperatorError("In/NotIn: non-string list elements are not supported")
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                return False
        if not isinstance(value, list):
            return False
        values = {sprint(v) for v in value}
        return all(k in values for k in key)
    return False


def legacy_in(key: Any, value: Any) -> bool:
    return _legacy_in(key, value)


def legacy_not_in(key: Any, value: Any) -> bool:
    if not isinstance(key, str | list):
        return False
    if isinstance(key, str) and not isinstance(value, list | str):
        return False
    return not _legacy_in(key, value)


# --- ordering ------------------------------------------------------------------------------------------------------


def _to_fraction(value: Any) -> Fraction | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return Fraction(value)
    if isinstance(value, str):
        try:
            return Fraction(float(value))
        except ValueError:
            return None
    return None


def _finite_number(value: Any) -> int | float | None:
    """An int or finite float operand as it is (a number string parsed), None for anything else."""
    kind = type(value)
    if kind is int:
        return value  # type: ignore[no-any-return]
    if kind is float:
        return value if math.isfinite(value) else None
    if kind is str:
        try:
            number = float(value)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def _order(key: Any, value: Any) -> int | None:
    """-1/0/1 comparing key to value with Kyverno's fallbacks, None when not comparable."""
    kind = type(key)
    if kind is int or kind is float:
        # A number key against a number (or number string) value: Python compares int and float exactly, as the
        # Fractions below do; anything else (durations, NaN, infinities, other types) takes the general path.
        k = _finite_number(key)
        v = _finite_number(value)
        if k is not None and v is not None and (type(value) is not str or parse_duration(value) is None):
            return (k > v) - (k < v)
    elif kind is str and type(value) is str and len(key) + len(value) <= _MEMO_TEXT:
        return _strings_order(key, value)
    return _general_order(key, value)


@lru_cache(maxsize=65536)
def _strings_order(key: str, value: str) -> int | None:
    """The order of two strings (memoised)."""
    return _general_order(key, value)


def _general_order(key: Any, value: Any) -> int | None:
    if key is None or value is None:
        return None
    d = _durations(key, value)
    if d is not None:
        return (d[0] > d[1]) - (d[0] < d[1])
    if isinstance(key, str) and isinstance(value, str):
        qk, qv = parse_quantity(key), parse_quantity(value)
        if qk is not None and qv is not None:
            return (qk > qv) - (qk < qv)
    if isinstance(key, bool):
        return None
    if isinstance(key, int | float):
        v = _to_fraction(value)
        if v is None:
            return None
        k = Fraction(key)
        return (k > v) - (k < v)
    if isinstance(key, str):
        k2 = _to_fraction(key)
        if k2 is not None:
            v = _to_fraction(value)
            if v is None:
                return None
            return (k2 > v) - (k2 < v)
        if isinstance(value, str):
            return semver.compare(key, value)
    return None


def greater_than(key: Any, value: Any) -> bool:
    c = _order(key, value)
    return c is not None and c > 0


def greater_than_or_equals(key: Any, value: Any) -> bool:
    c = _order(key, value)
    return c is not None and c >= 0


def less_than(key: Any, value: Any) -> bool:
    c = _order(key, value)
    return c is not None and c < 0


def less_than_or_equals(key: Any, value: Any) -> bool:
    c = _order(key, value)
    return c is not None and c <= 0


def _duration_only(key: Any, value: Any) -> int | None:
    def conv(v: Any) -> Fraction | None:
        if isinstance(v, bool):
            return None
        if isinstance(v, int | float):
            return Fraction(v)
        if isinstance(v, str):
            return parse_duration(v)
        return None

    k, v = conv(key), conv(value)
    if k is None or v is None:
        return None
    return (k > v) - (k < v)


def duration_greater_than(key: Any, value: Any) -> bool:
    c = _duration_only(key, value)
    return c is not None and c > 0


def duration_greater_than_or_equals(key: Any, value: Any) -> bool:
    c = _duration_only(key, value)
    return c is not None and c >= 0


def duration_less_than(key: Any, value: Any) -> bool:
    c = _duration_only(key, value)
    return c is not None and c < 0


def duration_less_than_or_equals(key: Any, value: Any) -> bool:
    c = _duration_only(key, value)
    return c is not None and c <= 0


OPERATORS: dict[str, Operator] = {
    "equal": equals,
    "equals": equals,
    "notequal": not_equals,
    "notequals": not_equals,
    "anyin": any_in,
    "allin": all_in,
    "anynotin": any_not_in,
    "allnotin": all_not_in,
    "in": legacy_in,
    "notin": legacy_not_in,
    "greaterthan": greater_than,
    "greaterthanorequals": greater_than_or_equals,
    "lessthan": less_than,
    "lessthanorequals": less_than_or_equals,
    "durationgreaterthan": duration_greater_than,
    "durationgreaterthanorequals": duration_greater_than_or_equals,
    "durationlessthan": duration_less_than,
    "durationlessthanorequals": duration_less_than_or_equals,
}


_IN_FAMILY: dict[Operator, Callable[[int, int], bool]] = {
    any_in: lambda found, total: found > 0,
    all_in: lambda found, total: found == total,
    any_not_in: lambda found, total: found != total,
    all_not_in: lambda found, total: found == 0,
}


def bind_value(op: Operator, value: Any) -> Callable[[Any], bool]:
    """``lambda key: op(key, value)`` for a value known in advance (a policy constant, not modified afterwards).

    An In-family operator over a list value indexes the list once instead of at every call.
    """
    decide = _IN_FAMILY.get(op)
    if decide is not None and isinstance(value, str):
        m = _RANGE.match(value)
        if m:
            return _bind_range(decide, float(m.group(1)), float(m.group(3)), bool(m.group(2)))
    if decide is None or not isinstance(value, list):
        return lambda key: op(key, value)
    try:
        index = _ValueIndex([sprint(v) for v in value])
    except Exception:  # the operator raises it again, at the call
        return lambda key: op(key, value)

    def bound(key: Any) -> bool:
        keys = _key_strings(key)
        if keys is None:
            return False
        if not keys:
            return decide(0, 0)
        return decide(_count_found(keys, index), len(keys))

    return bound


def _bind_range(decide: Callable[[int, int], bool], low: float, high: float, outside: bool) -> Callable[[Any], bool]:
    """An In-family operator bound to a ``low-high`` (``low!-high``: outside) range value, as :func:`_in_counts`."""

    def bound(key: Any) -> bool:
        keys = _key_strings(key)
        if keys is None:
            return False
        return decide(_range_found(keys, low, high, outside), len(keys))

    return bound


def _range_found(keys: list[str], low: float, high: float, outside: bool) -> int:
    """How many numeric ``keys`` lie inside ``low..high`` (outside it when ``outside``); non-numbers never count."""
    found = 0
    for k in keys:
        try:
            inside = low <= float(k) <= high
        except ValueError:
            continue
        if inside != outside:
            found += 1
    return found


def get_operator(name: Any) -> Operator:
    """The operator function for a (case-insensitive) name; :class:`OperatorError` for an unknown one."""
    op = OPERATORS.get(str(name).lower()) if isinstance(name, str) else None
    if op is None:
        raise OperatorError(f"unknown operator {name!r}")
    return op
