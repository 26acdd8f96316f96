"""Kyverno's JMESPath dialect: missing keys are errors, swallowed only where the kyverno/go-jmespath fork does.

A field lookup on a map that lacks the key raises :class:`UnknownKeyError` ("Unknown key "x" in path"). The error
propagates through plain sub-expressions and indexes and is turned into null inside function arguments, comparators,
``||``, ``&&``, ``!``, pipes, projections, filters and multi-selects. Expressions are parsed once and compiled to
Python closures (cached); the generic tree interpreter stays as the reference (:func:`search_interpreted`).
"""

from __future__ import annotations

import collections
import operator
from collections.abc import Callable
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


def _wrap_errors(expression: str, data: Any, run: Callable[[Any], Any]) -> Any:
    try:
        return run(data)
    except UnknownKeyError:
        raise
    except jp_exceptions.JMESPathError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise JMESPathError(f"JMESPath query failed: {first}") from None
    except (ValueError, TypeError, ArithmeticError) as exc:
        raise JMESPathError(f"JMESPath function failed: {exc}") from None


def search_interpreted(expression: str, data: Any) -> Any:
    """:func:`search` through the generic tree interpreter (the reference the compiled form is tested against)."""
    ast = compile_expression(expression)
    return _wrap_errors(expression, data, lambda value: _INTERPRETER.visit(ast, value))


# --- compiled expressions --------------------------------------------------------------------------------------------
#
# Each AST node becomes a Python closure once; evaluating an expression is then plain calls, no per-node dispatch.
# A closure has the interpreter's *raw* semantics (a missing key raises UnknownKeyError); ``_soft`` gives the variant
# used where the interpreter calls ``_soft`` (missing key → null), skipping the try/except for nodes that cannot raise.

Compiled = Callable[[Any], Any]


class _Expression:
    """An expression reference (``&expr``) as jmespath's functions use it: ``ref.visit(ref.expression, value)``.

    jmespath type-checks function arguments by class name, so the name must stay ``_Expression``; the module is
    jmespath's so a type error quoting the object reads as it did with the interpreter.
    """

    __module__ = "jmespath.visitor"
    __slots__ = ("expression",)

    def __init__(self, expression: Compiled) -> None:
        self.expression = expression

    def visit(self, node: Compiled, value: Any) -> Any:
        return node(value)


def _is_false(value: Any) -> bool:
    """The interpreter's ``_is_false`` (JMESPath falsiness), with the JSON types decided by type first."""
    if value is None or value is False:
        return True
    kind = type(value)
    if kind is str or kind is list or kind is dict:
        return not value
    if kind is int or kind is float or kind is bool:
        return False
    return bool(_INTERPRETER._is_false(value))


_equals = visitor._equals
_is_comparable = visitor._is_comparable
_ORDERING: dict[str, Callable[[Any, Any], Any]] = {
    "lt": operator.lt,
    "gt": operator.gt,
    "lte": operator.le,
    "gte": operator.ge,
}


def _may_raise(node: Any) -> bool:
    """Whether evaluating ``node`` (raw) can raise :class:`UnknownKeyError`."""
    kind = node["type"]
    if kind == "field":
        return True
    if kind in ("subexpression", "index_expression", "key_val_pair"):
        return any(_may_raise(child) for child in node["children"])
    if kind == "function_expression":  # arguments are soft, but a function runs its &expr arguments raw
        return any(c["type"] == "expref" and _may_raise(c["children"][0]) for c in node["children"])
    return False


def _identity(value: Any) -> Any:
    return value


def _field(key: str) -> Compiled:
    def field(value: Any) -> Any:
        if isinstance(value, dict):
            try:
                return value[key]
            except KeyError:
                raise UnknownKeyError(key) from None
        return None

    return field


def _chain(keys: tuple[str, ...]) -> Compiled:
    if len(keys) == 1:
        return _field(keys[0])
    if len(keys) <= _UNROLL:
        return _unrolled(keys, soft=False)

    def chain(value: Any) -> Any:
        for key in keys:
            if isinstance(value, dict):
                try:
                    value = value[key]
                except KeyError:
                    raise UnknownKeyError(key) from None
            else:
                return None  # a field of a non-object is null, and so is every field after it
        return value

    return chain


_UNROLL = 8  # field chains up to this length are generated as straight-line code (no loop over the keys)


def _unrolled(keys: tuple[str, ...], *, soft: bool) -> Compiled:
    """A field chain as one straight-line function, the same steps as the loops in :func:`_chain` (raw: a missing key
    raises UnknownKeyError) and :func:`_soft_chain` (a missing key gives null). Only the number of steps is written
    into the source; the keys are names bound in the function's globals."""
    lines = ["def chain(value):"]
    for i in range(len(keys)):
        lines += ["    if not isinstance(value, dict):", "        return None"]
        if soft:
            lines.append(f"    value = value.get(k{i})")
        else:
            lines += [
                "    try:",
                f"        value = value[k{i}]",
                "    except KeyError:",
                f"        raise UnknownKeyError(k{i}) from None",
            ]
    lines.append("    return value")
    namespace: dict[str, Any] = {f"k{i}": key for i, key in enumerate(keys)}
    namespace.update(isinstance=isinstance, dict=dict, KeyError=KeyError, UnknownKeyError=UnknownKeyError)
    exec("\n".join(lines), namespace)  # a fixed template: the keys are values in the namespace, never source
    chain: Compiled = namespace["chain"]
    return chain


def _soft_chain(keys: tuple[str, ...]) -> Compiled:
    """A field chain where a missing key gives null (the same as a null value: every later field is null too)."""
    if len(keys) == 1:
        key = keys[0]
        return lambda value: value.get(key) if isinstance(value, dict) else None

    if len(keys) <= _UNROLL:
        return _unrolled(keys, soft=True)

    def chain(value: Any) -> Any:
        for key in keys:
            if not isinstance(value, dict):
                return None
            value = value.get(key)
        return value

    return chain


def _sequence(fns: list[Compiled]) -> Compiled:
    if len(fns) == 1:
        return fns[0]
    if len(fns) == 2:
        first, second = fns
        return lambda value: second(first(value))

    def sequence(value: Any) -> Any:
        for fn in fns:
            value = fn(value)
        return value

    return sequence


def _sequence_of(children: list[Any]) -> Compiled:
    """Children applied in turn (subexpression, index expression); runs of fields become one chain walk."""
    fns: list[Compiled] = []
    run: list[str] = []
    for child in children:
        if child["type"] == "field":
            run.append(child["value"])
            continue
        if run:
            fns.append(_chain(tuple(run)))
            run = []
        fns.append(_compile(child))
    if run:
        fns.append(_chain(tuple(run)))
    return _sequence(fns)


def _field_keys(node: Any) -> tuple[str, ...] | None:
    if node["type"] == "field":
        return (node["value"],)
    if node["type"] != "subexpression" or any(c["type"] != "field" for c in node["children"]):
        return None
    return tuple(c["value"] for c in node["children"])


def _soft(node: Any) -> Compiled:
    """``node`` compiled with the interpreter's ``_soft`` around it: a missing key gives null."""
    if not _may_raise(node):
        return _compile(node)
    if node["type"] == "key_val_pair":
        return _soft(node["children"][0])
    keys = _field_keys(node)
    if keys is not None:
        return _soft_chain(keys)
    raw = _compile(node)

    def soft(value: Any) -> Any:
        try:
            return raw(value)
        except UnknownKeyError:
            return None

    return soft


# Functions whose result depends on more than their arguments: never evaluated ahead of time.
_IMPURE = frozenset({"random", "time_now", "time_now_utc", "time_since"})


@lru_cache(maxsize=16384)
def is_pure(expression: str) -> bool:
    """Whether ``expression`` gives the same result every time over the same data (it calls no clock or random
    function); False for an expression that does not parse."""
    try:
        ast = compile_expression(expression)
    except JMESPathError:
        return False
    stack = [ast]
    while stack:
        node = stack.pop()
        if node.get("type") == "function_expression" and node.get("value") in _IMPURE:
            return False
        stack.extend(child for child in node.get("children", ()) if isinstance(child, dict))
    return True


def _constant_call(node: Any) -> tuple[bool, Any]:
    """(True, result) for a pure function of literal arguments whose result is an immutable scalar (it can be
    computed once, here); (False, None) otherwise, including when the call fails (the error then comes at run time)."""
    if node["value"] in _IMPURE or any(child["type"] != "literal" for child in node["children"]):
        return False, None
    try:
        value = _FUNCTIONS.call_function(node["value"], [child["value"] for child in node["children"]])
    except Exception:  # whatever it is, the call raises it again at run time
        return False, None
    if value is None or type(value) in (str, int, float, bool):
        return True, value
    return False, None


def _function(node: Any) -> Compiled:
    name: str = node["value"]
    folded, constant = _constant_call(node)
    if folded:
        return lambda value: constant
    args = [_soft(child) for child in node["children"]]
    spec = _FUNCTIONS.FUNCTION_TABLE.get(name)
    if spec is None:  # unknown: the error comes at evaluation, after the arguments (as the interpreter does)
        return lambda value: _FUNCTIONS.call_function(name, [arg(value) for arg in args])
    function = spec["function"]
    sig = spec["signature"]
    validate = _FUNCTIONS._validate_arguments
    checks = _argument_checks(sig, len(args))
    if checks is None:  # an arity error or element types to check: jmespath's own check, every call

        def checked(value: Any) -> Any:
            resolved = [arg(value) for arg in args]
            validate(resolved, sig, name)
            return function(_FUNCTIONS, *resolved)

        return checked
    if not checks:
        return lambda value: function(_FUNCTIONS, *[arg(value) for arg in args])
    allowed: list[frozenset[type] | None] = [None] * len(args)
    for i, types in checks:
        allowed[i] = types
    if len(args) == 1:
        return _call1(function, args[0], allowed[0], sig, name)
    if len(args) == 2:
        return _call2(function, args, allowed, sig, name)

    def call(value: Any) -> Any:
        resolved = [arg(value) for arg in args]
        for i, types in checks:
            if type(resolved[i]) not in types:
                validate(resolved, sig, name)  # raises jmespath's error (or, for a look-alike type, passes)
                break
        return function(_FUNCTIONS, *resolved)

    return call


def _call1(function: Any, arg: Compiled, types: frozenset[type] | None, sig: Any, name: str) -> Compiled:
    validate = _FUNCTIONS._validate_arguments
    if arg is _identity:  # f(@)

        def call_current(value: Any) -> Any:
            if types is not None and type(value) not in types:
                validate([value], sig, name)
            return function(_FUNCTIONS, value)

        return call_current

    def call1(value: Any) -> Any:
        x = arg(value)
        if types is not None and type(x) not in types:
            validate([x], sig, name)
        return function(_FUNCTIONS, x)

    return call1


def _call2(function: Any, args: list[Compiled], allowed: list[frozenset[type] | None], sig: Any, name: str) -> Compiled:
    validate = _FUNCTIONS._validate_arguments
    first, second = args
    first_types, second_types = allowed

    def call2(value: Any) -> Any:
        x = value if first is _identity else first(value)
        y = value if second is _identity else second(value)
        if (first_types is not None and type(x) not in first_types) or (
            second_types is not None and type(y) not in second_types
        ):
            validate([x, y], sig, name)
        return function(_FUNCTIONS, x, y)

    return call2


_PY_TYPES: dict[str, type] = {
    "bool": bool,
    "list": list,
    "dict": dict,
    "OrderedDict": collections.OrderedDict,
    "NoneType": type(None),
    "str": str,
    "float": float,
    "int": int,
    "_Expression": _Expression,
}


def _argument_checks(sig: Any, count: int) -> tuple[tuple[int, frozenset[type]], ...] | None:
    """The (argument index, allowed exact types) that decide jmespath's argument check for ``count`` arguments, or
    None when that check needs jmespath itself (wrong arity, typed array elements such as ``array-number``).

    jmespath checks the types by class name against its type table; a type listed here passes that check, and any
    other goes to jmespath's check, which decides.
    """
    variadic = bool(sig) and bool(sig[-1].get("variadic"))
    if (count < len(sig)) if variadic else (count != len(sig)):
        return None
    checks: list[tuple[int, frozenset[type]]] = []
    for i, param in enumerate(sig):
        types = param["types"]
        if not types:
            continue
        if any("-" in t for t in types):
            return None
        names = _FUNCTIONS._get_allowed_pytypes(types)[0]
        checks.append((i, frozenset(_PY_TYPES[n] for n in names if n in _PY_TYPES)))
    return tuple(checks)


def _comparator(node: Any) -> Compiled:
    left = _soft(node["children"][0])
    right = _soft(node["children"][1])
    op = node["value"]
    if op == "eq":
        return lambda value: _equals(left(value), right(value))
    if op == "ne":
        return lambda value: not _equals(left(value), right(value))
    compare = _ORDERING[op]

    def ordering(value: Any) -> Any:
        lhs = left(value)
        rhs = right(value)
        if not (_is_comparable(lhs) and _is_comparable(rhs)):
            return None
        return compare(lhs, rhs)

    return ordering


def _projection(node: Any) -> Compiled:
    base = _soft(node["children"][0])
    right_node = node["children"][1]
    if right_node["type"] in ("identity", "current"):

        def project_identity(value: Any) -> Any:
            items = base(value)
            if not isinstance(items, list):
                return None
            return [item for item in items if item is not None]

        return project_identity
    keys = _field_keys(right_node)
    if keys is not None and len(keys) == 1:  # ``list[].name``: the soft field lookup inlined
        key = keys[0]

        def project_field(value: Any) -> Any:
            items = base(value)
            if not isinstance(items, list):
                return None
            out = []
            for item in items:
                if isinstance(item, dict):
                    current = item.get(key)
                    if current is not None:
                        out.append(current)
            return out

        return project_field
    right = _soft(right_node)

    def project(value: Any) -> Any:
        items = base(value)
        if not isinstance(items, list):
            return None
        out = []
        for item in items:
            current = right(item)
            if current is not None:
                out.append(current)
        return out

    return project


def _value_projection(node: Any) -> Compiled:
    base = _soft(node["children"][0])
    right = _soft(node["children"][1])

    def project(value: Any) -> Any:
        items = base(value)
        if not isinstance(items, dict):
            return None
        out = []
        for item in items.values():
            current = right(item)
            if current is not None:
                out.append(current)
        return out

    return project


def _filter_projection(node: Any) -> Compiled:
    base = _soft(node["children"][0])
    right_node = node["children"][1]
    right = None if right_node["type"] in ("identity", "current") else _soft(right_node)
    cond = _soft(node["children"][2])

    def filtered(value: Any) -> Any:
        items = base(value)
        if not isinstance(items, list):
            return None
        out = []
        for item in items:
            if not _is_false(cond(item)):
                current = item if right is None else right(item)
                if current is not None:
                    out.append(current)
        return out

    return filtered


def _flatten(node: Any) -> Compiled:
    base = _soft(node["children"][0])

    def flatten(value: Any) -> Any:
        items = base(value)
        if not isinstance(items, list):
            return None
        out: list[Any] = []
        for item in items:
            if isinstance(item, list):
                out.extend(item)
            else:
                out.append(item)
        return out

    return flatten


def _index(position: int) -> Compiled:
    def index(value: Any) -> Any:
        if not isinstance(value, list):
            return None
        try:
            return value[position]
        except IndexError:
            return None

    return index


def _slice(bounds: list[Any]) -> Compiled:
    window = slice(*bounds)
    return lambda value: value[window] if isinstance(value, list) else None


def _multi_select_dict(node: Any) -> Compiled:
    pairs = [(child["value"], _soft(child)) for child in node["children"]]
    return lambda value: None if value is None else {key: fn(value) for key, fn in pairs}


def _multi_select_list(node: Any) -> Compiled:
    fns = [_soft(child) for child in node["children"]]
    return lambda value: None if value is None else [fn(value) for fn in fns]


def _or(node: Any) -> Compiled:
    left = _soft(node["children"][0])
    right = _soft(node["children"][1])

    def either(value: Any) -> Any:
        matched = left(value)
        return right(value) if _is_false(matched) else matched

    return either


def _and(node: Any) -> Compiled:
    left = _soft(node["children"][0])
    right = _soft(node["children"][1])

    def both(value: Any) -> Any:
        matched = left(value)
        return matched if _is_false(matched) else right(value)

    return both


def _not(node: Any) -> Compiled:
    inner = _soft(node["children"][0])

    def negate(value: Any) -> Any:
        original = inner(value)
        if visitor._is_actual_number(original) and original == 0:
            return False
        return not original

    return negate


def _unsupported(kind: str) -> Compiled:
    def unsupported(value: Any) -> Any:
        raise NotImplementedError(kind)

    return unsupported


def _compile(node: Any) -> Compiled:
    """One AST node as a closure with the interpreter's raw semantics."""
    kind = node["type"]
    children = node["children"]
    if kind == "field":
        return _field(node["value"])
    if kind in ("subexpression", "index_expression"):
        return _sequence_of(children)
    if kind in ("current", "identity"):
        return _identity
    if kind == "literal":
        literal = node["value"]
        return lambda value: literal
    if kind == "index":
        return _index(node["value"])
    if kind == "slice":
        return _slice(children)
    if kind == "key_val_pair":
        return _compile(children[0])
    if kind == "comparator":
        return _comparator(node)
    if kind == "function_expression":
        return _function(node)
    if kind == "expref":
        reference = _Expression(_compile(children[0]))
        return lambda value: reference
    if kind == "projection":
        return _projection(node)
    if kind == "value_projection":
        return _value_projection(node)
    if kind == "filter_projection":
        return _filter_projection(node)
    if kind == "flatten":
        return _flatten(node)
    if kind == "multi_select_dict":
        return _multi_select_dict(node)
    if kind == "multi_select_list":
        return _multi_select_list(node)
    if kind == "or_expression":
        return _or(node)
    if kind == "and_expression":
        return _and(node)
    if kind == "not_expression":
        return _not(node)
    if kind == "pipe":
        first, second = (_soft(child) for child in children)
        return lambda value: second(first(value))
    return _unsupported(kind)


@lru_cache(maxsize=16384)
def compiled(expression: str) -> Compiled:
    """``expression`` compiled to a closure (cached); raw: it may raise :class:`UnknownKeyError`, and jmespath's or
    a function's own errors unwrapped. Use :func:`search` unless you map errors yourself."""
    return _compile(compile_expression(expression))


def search(expression: str, data: Any) -> Any:
    """Evaluate ``expression`` over ``data`` with Kyverno's semantics."""
    run = compiled(expression)
    try:
        return run(data)
    except UnknownKeyError:
        raise
    except jp_exceptions.JMESPathError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise JMESPathError(f"JMESPath query failed: {first}") from None
    except (ValueError, TypeError, ArithmeticError) as exc:
        raise JMESPathError(f"JMESPath function failed: {exc}") from None


@lru_cache(maxsize=16384)
def searcher(expression: str) -> Compiled:
    """``lambda data: search(expression, data)`` without the per-call cache look-up: same results, same errors
    (a syntax error is raised here, by the call that makes the searcher)."""
    run = compiled(expression)

    def searching(data: Any) -> Any:
        try:
            return run(data)
        except EVALUATION_ERRORS as exc:
            raise evaluation_error(exc) from None

    return searching


# What a compiled closure raises besides UnknownKeyError (jmespath's errors, a function's own failures).
EVALUATION_ERRORS = (jp_exceptions.JMESPathError, ValueError, TypeError, ArithmeticError)


def evaluation_error(exc: Exception) -> JMESPathError:
    """The error :func:`search` raises for an exception of a compiled closure (UnknownKeyError: itself)."""
    if isinstance(exc, UnknownKeyError):
        return exc
    if isinstance(exc, jp_exceptions.JMESPathError):
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return JMESPathError(f"JMESPath query failed: {first}")
    return JMESPathError(f"JMESPath function failed: {exc}")
