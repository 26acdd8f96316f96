"""Kyverno's JMESPath dialect: missing keys are errors, swallowed only where the kyverno/go-jmespath fork does.

A field lookup on a map that lacks the key raises :class:`UnknownKeyError` ("Unknown key "x" in path"). The error
propagates through plain sub-expressions and indexes and is turned into null inside function arguments, comparators,
``||``, ``&&``, ``!``, pipes, projections, filters and multi-selects. Expressions are compiled once and cached.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import jmespath
from jmespath import exceptions as jp_exceptions
from jmespath import visitor

from policy_platform.engines.kyverno.jmespath_functions import KyvernoFunctions


class JMESPathError(Exception):
    """A JMESPath parse or evaluation error (one line)."""


class UnknownKeyError(JMESPathError):
    """A lookup of a key the map does not have."""

    def __init__(self, key: str) -> None:
        super().__init__(f'Unknown key "{key}" in path')
        self.key = key


_FUNCTIONS = KyvernoFunctions()


class _Interpreter(visitor.TreeInterpreter):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__(jmespath.Options(custom_functions=_FUNCTIONS))

    def _soft(self, node: Any, value: Any) -> Any:
        try:
            return self.visit(node, value)
        except UnknownKeyError:
            return None

    def visit_field(self, node: Any, value: Any) -> Any:
        if isinstance(value, dict):
            key = node["value"]
            try:
                return value[key]
            except KeyError:
                raise UnknownKeyError(key) from None
        return None

    def visit_comparator(self, node: Any, value: Any) -> Any:
        left = self._soft(node["children"][0], value)
        right = self._soft(node["children"][1], value)
        op = node["value"]
        if op == "eq":
            return visitor._equals(left, right)
        if op == "ne":
            return not visitor._equals(left, right)
        if not (visitor._is_comparable(left) and visitor._is_comparable(right)):
            return None
        return self.COMPARATOR_FUNC[op](left, right)

    def visit_function_expression(self, node: Any, value: Any) -> Any:
        args = [self._soft(child, value) for child in node["children"]]
        return self._functions.call_function(node["value"], args)

    def visit_filter_projection(self, node: Any, value: Any) -> Any:
        base = self._soft(node["children"][0], value)
        if not isinstance(base, list):
            return None
        cond = node["children"][2]
        out = []
        for element in base:
            if self._is_true(self._soft(cond, element)):
                current = self._soft(node["children"][1], element)
                if current is not None:
                    out.append(current)
        return out

    def visit_flatten(self, node: Any, value: Any) -> Any:
        base = self._soft(node["children"][0], value)
        if not isinstance(base, list):
            return None
        out: list[Any] = []
        for element in base:
            if isinstance(element, list):
                out.extend(element)
            else:
                out.append(element)
        return out

    def visit_multi_select_dict(self, node: Any, value: Any) -> Any:
        if value is None:
            return None
        return {child["value"]: self._soft(child, value) for child in node["children"]}

    def visit_multi_select_list(self, node: Any, value: Any) -> Any:
        if value is None:
            return None
        return [self._soft(child, value) for child in node["children"]]

    def visit_or_expression(self, node: Any, value: Any) -> Any:
        matched = self._soft(node["children"][0], value)
        if self._is_false(matched):
            matched = self._soft(node["children"][1], value)
        return matched

    def visit_and_expression(self, node: Any, value: Any) -> Any:
        matched = self._soft(node["children"][0], value)
        if self._is_false(matched):
            return matched
        return self._soft(node["children"][1], value)

    def visit_not_expression(self, node: Any, value: Any) -> Any:
        original = self._soft(node["children"][0], value)
        if visitor._is_actual_number(original) and original == 0:
            return False
        return not original

    def visit_pipe(self, node: Any, value: Any) -> Any:
        result = value
        for child in node["children"]:
            result = self._soft(child, result)
        return result

    def visit_projection(self, node: Any, value: Any) -> Any:
        base = self._soft(node["children"][0], value)
        if not isinstance(base, list):
            return None
        out = []
        for element in base:
            current = self._soft(node["children"][1], element)
            if current is not None:
                out.append(current)
        return out

    def visit_value_projection(self, node: Any, value: Any) -> Any:
        base = self._soft(node["children"][0], value)
        if not isinstance(base, dict):
            return None
        out = []
        for element in base.values():
            current = self._soft(node["children"][1], element)
            if current is not None:
                out.append(current)
        return out


_INTERPRETER = _Interpreter()


@lru_cache(maxsize=16384)
def compile_expression(expression: str) -> Any:
    """Parse once (cached); raise :class:`JMESPathError` with a one-line message on a syntax error."""
    try:
        return jmespath.compile(expression).parsed
    except jp_exceptions.JMESPathError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise JMESPathError(f"invalid JMESPath expression {expression!r}: {first}") from None


def _chain_of(ast: Any) -> tuple[str, ...] | None:
    if ast["type"] == "field":
        return (ast["value"],)
    if ast["type"] != "subexpression":
        return None
    keys: list[str] = []
    for child in ast["children"]:
        if child["type"] != "field":
            return None
        keys.append(child["value"])
    return tuple(keys)


@lru_cache(maxsize=16384)
def _field_chain(expression: str) -> tuple[str, ...] | None:
    """The keys of a plain ``a.b.c`` expression (None for anything else), for a direct walk."""
    return _chain_of(compile_expression(expression))


@lru_cache(maxsize=16384)
def _chain_or_literal(expression: str) -> tuple[tuple[str, ...], Any] | None:
    """(keys, literal node) of ``a.b.c || <literal>`` (e.g. ``request.operation || 'BACKGROUND'``), else None."""
    ast = compile_expression(expression)
    if ast["type"] != "or_expression" or ast["children"][1]["type"] != "literal":
        return None
    chain = _chain_of(ast["children"][0])
    return None if chain is None else (chain, ast["children"][1])


def search(expression: str, data: Any) -> Any:
    """Evaluate ``expression`` over ``data`` with Kyverno's semantics."""
    chain = _field_chain(expression)
    if chain is not None:
        value = data
        for key in chain:
            if isinstance(value, dict):
                if key not in value:
                    raise UnknownKeyError(key)
                value = value[key]
            else:
                return None
        return value
    or_literal = _chain_or_literal(expression)
    if or_literal is not None:  # as visit_or_expression: a soft walk (missing key → null), the literal when falsy
        keys, literal = or_literal
        value = data
        for key in keys:
            if not isinstance(value, dict):
                value = None
                break
            value = value.get(key)
            if value is None:
                break
        return literal["value"] if _INTERPRETER._is_false(value) else value
    ast = compile_expression(expression)
    try:
        return _INTERPRETER.visit(ast, data)
    except UnknownKeyError:
        raise
    except jp_exceptions.JMESPathError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise JMESPathError(f"JMESPath query failed: {first}") from None
    except (ValueError, TypeError, ArithmeticError) as exc:
        raise JMESPathError(f"JMESPath function failed: {exc}") from None
