"""Scalar pattern values (Kyverno ``pkg/engine/pattern``): operators, ranges, durations, quantities, wildcards.

String patterns are evaluated in Kyverno's order: exact equality; ``|`` (OR) of ``&`` (AND) terms; per term an operator
prefix (``>=``, ``<=``, ``>``, ``<``, ``!``) or a range ``a-b`` / ``a!-b``; then the first comparison that parses both
sides: Go duration, Kubernetes quantity, wildcard string (``=`` and ``!`` only). A nil value counts as ``"0"`` for the
duration and quantity comparisons, numbers as their ``%f`` text.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from policy_platform.engines.kyverno import wildcard
from policy_platform.engines.kyverno.duration import parse_duration
from policy_platform.engines.kyverno.gofmt import format_e, format_f
from policy_platform.engines.kyverno.quantity import parse_quantity

_NUM = r"[-+]?[0-9]+(?:\.[0-9]+)?[A-Za-z]*"
_IN_RANGE = re.compile(rf"^({_NUM})-({_NUM})$")
_NOT_IN_RANGE = re.compile(rf"^({_NUM})!-({_NUM})$")
_OPERATORS = (">=", "<=", ">", "<", "!")


Check = Callable[[Any], bool]


def compile_check(pattern: Any) -> Check:
    """A predicate equivalent to ``validate(value, pattern)``, with the pattern parsed once.

    String patterns become a closure per ``|`` alternative and ``&`` term; each term knows at compile time whether its
    operand is a duration or a quantity (else only the wildcard comparison can apply, so the value is never parsed)
    and carries a pre-built wildcard matcher.
    """
    if pattern is True or pattern is False:
        return lambda value: value is pattern
    if isinstance(pattern, int):
        return lambda value: _int_pattern(value, pattern)
    if isinstance(pattern, float):
        return lambda value: _float_pattern(value, pattern)
    if pattern is None:
        return _nil_pattern
    if not isinstance(pattern, str):
        return _never
    alternatives = tuple(
        tuple(_compile_term(t.strip(" ")) for t in alt.strip(" ").split("&")) for alt in pattern.split("|")
    )
    if len(alternatives) == 1 and len(alternatives[0]) == 1:
        term = alternatives[0][0]
        op, operand = _split_term(pattern.strip(" ").strip(" "))
        if op in ("", "!") and parse_duration(operand) is None and parse_quantity(operand) is None:
            # the commonest shape (``?*``, ``!*:latest``, ``Always``): a string value only meets the wildcard
            matches = wildcard.compile_matcher(operand)
            negate = op == "!"

            def text(value: Any) -> bool:
                if isinstance(value, str):
                    return value == pattern or matches(value) is not negate
                return term(value)

            return text

        def single(value: Any) -> bool:
            if isinstance(value, str) and value == pattern:
                return True
            return term(value)

        return single

    def check(value: Any) -> bool:
        if isinstance(value, str) and value == pattern:
            return True
        for terms in alternatives:
            for term in terms:
                if not term(value):
                    break
            else:
                return True
        return False

    return check


def _never(value: Any) -> bool:
    return False


def _compile_term(term: str) -> Check:
    m = _IN_RANGE.match(term)
    if m:
        low, high = _compile_op(">=", m.group(1)), _compile_op("<=", m.group(2))
        return lambda value: low(value) and high(value)
    m = _NOT_IN_RANGE.match(term)
    if m:
        below, above = _compile_op("<", m.group(1)), _compile_op(">", m.group(2))
        return lambda value: below(value) or above(value)
    return _compile_op(*_split_term(term))


def _split_term(term: str) -> tuple[str, str]:
    """(operator or '', operand) of a term that is not a range."""
    if _IN_RANGE.match(term) or _NOT_IN_RANGE.match(term):
        return "range", ""
    for candidate in _OPERATORS:
        if term.startswith(candidate):
            return candidate, term[len(candidate) :].strip()
    return "", term.strip()


_ORDER: dict[str, Callable[[Fraction, Fraction], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
    "!": operator.ne,
    "": operator.eq,
}


def _compile_op(op: str, operand: str) -> Check:
    """``compare(value, operand, op)`` with the operand parsed once."""
    duration, quantity = parse_duration(operand), parse_quantity(operand)
    textual = op in ("", "!")
    if textual:
        matches = wildcard.compile_matcher(operand)
        negate = op == "!"

        def by_text(value: Any) -> bool:
            if isinstance(value, str):
                return matches(value) is not negate
            if value is None:
                return False
            if value is True or value is False:
                text = "true" if value else "false"
            elif isinstance(value, float):
                text = format_e(value)
            elif isinstance(value, int):
                text = str(value)
            else:
                return False
            return matches(text) is not negate

    if duration is None and quantity is None:
        return by_text if textual else _never
    order = _ORDER[op]

    def numeric(value: Any) -> bool:
        text = _as_text(value)
        if text is not None:
            if duration is not None:
                dv = parse_duration(text)
                if dv is not None:
                    return order(dv, duration)
            if quantity is not None:
                qv = parse_quantity(text)
                if qv is not None:
                    return order(qv, quantity)
        return by_text(value) if textual else False

    return numeric


def validate(value: Any, pattern: Any) -> bool:
    """Whether a resource value satisfies a scalar pattern value."""
    if pattern is True or pattern is False:
        return value is pattern
    if isinstance(pattern, int):
        return _int_pattern(value, pattern)
    if isinstance(pattern, float):
        return _float_pattern(value, pattern)
    if pattern is None:
        return _nil_pattern(value)
    if isinstance(pattern, str):
        return validate_string(value, pattern)
    return False


def _int_pattern(value: Any, pattern: int) -> bool:
    if value is True or value is False:
        return False
    if isinstance(value, int):
        return value == pattern
    if isinstance(value, float):
        return value == math.trunc(value) and int(value) == pattern
    if isinstance(value, str):
        try:
            return int(value, 10) == pattern
        except ValueError:
            return False
    return False


def _float_pattern(value: Any, pattern: float) -> bool:
    if value is True or value is False:
        return False
    if isinstance(value, int | float):
        return float(value) == pattern
    if isinstance(value, str):
        try:
            return float(value) == pattern
        except ValueError:
            return False
    return False


def _nil_pattern(value: Any) -> bool:
    if value is None:
        return True
    if value is True or value is False:
        return not value
    if isinstance(value, int | float):
        return value == 0
    if isinstance(value, str):
        return value == ""
    return False


def validate_string(value: Any, pattern: str) -> bool:
    """A string pattern with ``|``, ``&``, operators and ranges."""
    if isinstance(value, str) and value == pattern:
        return True
    for alternative in pattern.split("|"):
        if all(_term(value, term.strip(" ")) for term in alternative.strip(" ").split("&")):
            return True
    return False


def _term(value: Any, term: str) -> bool:
    m = _IN_RANGE.match(term)
    if m:
        return _term(value, ">= " + m.group(1)) and _term(value, "<= " + m.group(2))
    m = _NOT_IN_RANGE.match(term)
    if m:
        return _term(value, "< " + m.group(1)) or _term(value, "> " + m.group(2))
    op = ""
    for candidate in _OPERATORS:
        if term.startswith(candidate):
            op = candidate
            break
    operand = term[len(op) :].strip()
    return compare(value, operand, op)


def _as_text(value: Any) -> str | None:
    if value is None:
        return "0"
    if value is True or value is False:
        return None
    if isinstance(value, int | float):
        return format_f(value)
    if isinstance(value, str):
        return value
    return None


def _cmp(left: Fraction, right: Fraction, op: str) -> bool:
    if op == ">=":
        return left >= right
    if op == "<=":
        return left <= right
    if op == ">":
        return left > right
    if op == "<":
        return left < right
    if op == "!":
        return left != right
    return left == right


def compare(value: Any, operand: str, op: str) -> bool:
    """Compare ``value`` with one operand under ``op`` (``""`` means equality)."""
    text = _as_text(value)
    if text is not None:
        dv, dp = parse_duration(text), parse_duration(operand)
        if dv is not None and dp is not None:
            return _cmp(dv, dp, op)
        qv, qp = parse_quantity(text), parse_quantity(operand)
        if qv is not None and qp is not None:
            return _cmp(qv, qp, op)
    if op not in ("", "!"):
        return False
    if value is None:
        return False
    if isinstance(value, str):
        s = value
    elif value is True or value is False:
        s = "true" if value else "false"
    elif isinstance(value, float):
        s = format_e(value)
    elif isinstance(value, int):
        s = str(value)
    else:
        return False
    matched = wildcard.match(operand, s)
    return matched if op == "" else not matched
