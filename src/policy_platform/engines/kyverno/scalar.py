"""Scalar pattern values (Kyverno ``pkg/engine/pattern``): operators, ranges, durations, quantities, wildcards.

String patterns are evaluated in Kyverno's order: exact equality; ``|`` (OR) of ``&`` (AND) terms; per term an operator
prefix (``>=``, ``<=``, ``>``, ``<``, ``!``) or a range ``a-b`` / ``a!-b``; then the first comparison that parses both
sides: Go duration, Kubernetes quantity, wildcard string (``=`` and ``!`` only). A nil value counts as ``"0"`` for the
duration and quantity comparisons, numbers as their ``%f`` text.
"""

from __future__ import annotations

import math
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


def compile_check(pattern: Any) -> Callable[[Any], bool]:
    """A predicate equivalent to ``validate(value, pattern)``, with the string pattern parsed once."""
    if not isinstance(pattern, str):
        return lambda value: validate(value, pattern)
    terms = [[_parse_term(t.strip(" ")) for t in alt.strip(" ").split("&")] for alt in pattern.split("|")]
    if len(terms) == 1 and len(terms[0]) == 1 and terms[0][0][0] == "" and not wildcard.has_wildcard(pattern):
        literal = terms[0][0][1]
        if parse_duration(literal) is None and parse_quantity(literal) is None:
            return lambda value: value in (pattern, literal) or (
                not isinstance(value, str) and value is not None and compare(value, literal, "")
            )

    def check(value: Any) -> bool:
        if isinstance(value, str) and value == pattern:
            return True
        return any(all(_eval_term(value, term) for term in alt) for alt in terms)

    return check


_Term = tuple[str, str, str, str]  # (op, operand, range-low, range-high); op "in"/"notin" for ranges


def _parse_term(term: str) -> _Term:
    m = _IN_RANGE.match(term)
    if m:
        return ("in", "", m.group(1), m.group(2))
    m = _NOT_IN_RANGE.match(term)
    if m:
        return ("notin", "", m.group(1), m.group(2))
    op = ""
    for candidate in _OPERATORS:
        if term.startswith(candidate):
            op = candidate
            break
    return (op, term[len(op) :].strip(), "", "")


def _eval_term(value: Any, term: _Term) -> bool:
    op, operand, low, high = term
    if op == "in":
        return compare(value, low, ">=") and compare(value, high, "<=")
    if op == "notin":
        return compare(value, low, "<") or compare(value, high, ">")
    return compare(value, operand, op)


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
