"""A small tree-walking CEL interpreter with cel-go's *error semantics*, used when the Rust engine reports an error.

The Rust engine stops at the first error. cel-go treats errors as values that ``&&``, ``||`` and the ``all``/``exists``
macros can absorb: ``[{}, {"b": 2}].exists(x, x.b == 2)`` is ``true`` in cel-go (the first element's missing key does
not matter once another element satisfies the predicate) and ``all`` is ``false`` as soon as one element is ``false``.
Kubernetes policies rely on this (``containers.exists(c, c.securityContext.runAsNonRoot)``), so when the fast engine
fails we re-evaluate the expression here, over the same Python data, and take this interpreter's answer.

Coverage: literals, arithmetic and comparisons (heterogeneous numeric equality), ``in``, ``has()``, the macros
``all``/``exists``/``exists_one``/``map``/``filter`` and ``cel.bind``, the optional syntax and values, the standard
functions used by Kubernetes policies (``size``, conversions, ``matches`` with RE2, ``startsWith``/``endsWith``/
``contains``, ``duration``/``timestamp`` comparisons) and every Kubernetes library function of :mod:`._library`.
``variables.<name>`` are evaluated lazily with Kubernetes' error wording.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import re2

from policy_platform.engines.kyverno.cel._errors import CelRuntimeError
from policy_platform.engines.kyverno.cel._library import FUNCTIONS
from policy_platform.engines.kyverno.cel._syntax import (
    Binary,
    Call,
    Ident,
    Index,
    ListLit,
    Literal,
    MapLit,
    Node,
    Raw,
    Select,
    Ternary,
    Unary,
    parse,
)

__all__ = ["CelRuntimeError", "Interpreter"]

_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1


@dataclass(frozen=True, slots=True)
class _Opt:
    """An optional value; ``present`` False is ``optional.none()``."""

    present: bool
    value: Any = None


_NONE = _Opt(False)


@dataclass(frozen=True, slots=True)
class _Type:
    """A CEL type value (``type(x)``, or the identifiers ``int``, ``string``, ``list`` ...)."""

    name: str


_TYPE_NAMES = ("bool", "int", "uint", "double", "string", "bytes", "list", "map", "null_type", "type")


def _type_of(value: Any) -> _Type:
    if value is None:
        return _Type("null_type")
    if isinstance(value, bool):
        return _Type("bool")
    if isinstance(value, int):
        return _Type("int")
    if isinstance(value, float):
        return _Type("double")
    if isinstance(value, str):
        return _Type("string")
    if isinstance(value, bytes):
        return _Type("bytes")
    if isinstance(value, list | tuple):
        return _Type("list")
    if isinstance(value, Mapping):
        return _Type("map")
    if isinstance(value, _Opt):
        return _Type("optional_type")
    if isinstance(value, dt.timedelta):
        return _Type("google.protobuf.Duration")
    if isinstance(value, dt.datetime):
        return _Type("google.protobuf.Timestamp")
    if isinstance(value, _Type):
        return _Type("type")
    return _Type(type(value).__name__)


def _is_num(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _eq(a: Any, b: Any) -> bool:
    if _is_num(a) and _is_num(b):
        return bool(a == b)
    both_lists = isinstance(a, list | tuple) and isinstance(b, list | tuple)
    both_maps = isinstance(a, Mapping) and isinstance(b, Mapping)
    if type(a) is not type(b) and not (both_lists or both_maps):
        return False
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(_eq(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, Mapping):
        return a.keys() == b.keys() and all(_eq(a[k], b[k]) for k in a)
    return bool(a == b)


def _quantify(items: Any, pred: Callable[[Any], Any], *, decisive: bool, operator: str) -> bool:
    """cel-go's ``all`` (``decisive=False``) and ``exists`` (``decisive=True``) macros: the first element whose
    predicate is ``decisive`` decides; otherwise the first error (or non-boolean) is raised; otherwise ``not decisive``.
    Errors are absorbed when a later element decides, as the ``&&``/``||`` folds of cel-go absorb them."""
    error: CelRuntimeError | None = None
    for item in items:
        try:
            value = pred(item)
        except CelRuntimeError as err:
            error = error or err
            continue
        if not isinstance(value, bool):
            error = error or _no_overload(operator, value)
        elif value == decisive:
            return decisive
    if error is not None:
        raise error
    return not decisive


def _no_overload(op: str, *args: Any) -> CelRuntimeError:
    return CelRuntimeError(f"no such overload: {op}({', '.join(_type_of(a).name for a in args)})")


def _check_int(value: int) -> int:
    if not _INT_MIN <= value <= _INT_MAX:
        raise CelRuntimeError("integer overflow")
    return value


def _literal(text: str) -> Any:
    """The value of a literal token (numbers, strings with escapes, bytes, true/false/null)."""
    if text == "true":
        return True
    if text == "false":
        return False
    if text == "null":
        return None
    first = text[0]
    if first.isdigit() or first == ".":
        if text[-1] in "uU":
            text = text[:-1]
        if text[:2].lower() == "0x":
            return int(text, 16)
        if any(c in text for c in ".eE"):
            return float(text)
        return int(text)
    prefix = ""
    while text[0] in "rRbB":
        prefix += text[0].lower()
        text = text[1:]
    quote = text[:3] if text[:3] in ('"""', "'''") else text[0]
    body = text[len(quote) : -len(quote)]
    if "r" not in prefix:
        body = _unescape(body)
    return body.encode("utf-8") if "b" in prefix else body


_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\", "'": "'",
            '"': '"', "`": "`", "?": "?"}


def _unescape(body: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        nxt = body[i + 1] if i + 1 < len(body) else ""
        if nxt in _ESCAPES:
            out.append(_ESCAPES[nxt])
            i += 2
        elif nxt in "xX":
            out.append(chr(int(body[i + 2 : i + 4], 16)))
            i += 4
        elif nxt == "u":
            out.append(chr(int(body[i + 2 : i + 6], 16)))
            i += 6
        elif nxt == "U":
            out.append(chr(int(body[i + 2 : i + 10], 16)))
            i += 10
        elif nxt.isdigit():
            out.append(chr(int(body[i + 1 : i + 4], 8)))
            i += 4
        else:
            raise CelRuntimeError(f"invalid escape sequence \\{nxt}")
    return "".join(out)


_DURATION_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}
_DURATION = re2.compile(r"^([-+]?)((?:[0-9]*(?:\.[0-9]*)?(?:h|ms|m|s|us|µs|ns))+)$")
_DURATION_PART = re2.compile(r"([0-9]*(?:\.[0-9]*)?)(h|ms|m|s|us|µs|ns)")


def _duration(text: Any) -> dt.timedelta:
    if isinstance(text, dt.timedelta):
        return text
    if not isinstance(text, str):
        raise _no_overload("duration", text)
    match = _DURATION.match(text)
    if match is None or text in ("", "+", "-"):
        if text in ("0", "+0", "-0"):
            return dt.timedelta(0)
        raise CelRuntimeError(f"invalid duration: {text!r}")
    seconds = sum(float(num) * _DURATION_UNITS[unit] for num, unit in _DURATION_PART.findall(match.group(2)))
    return dt.timedelta(seconds=-seconds if match.group(1) == "-" else seconds)


def _timestamp(text: Any) -> dt.datetime:
    if isinstance(text, dt.datetime):
        return text
    if not isinstance(text, str):
        raise _no_overload("timestamp", text)
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise CelRuntimeError(f"invalid timestamp: {text!r}") from None


def _to_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if not value.is_integer() or abs(value) >= 1e21 else str(int(value))
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, dt.timedelta):
        return f"{value.total_seconds():g}s"
    raise _no_overload("string", value)


def _to_int(value: Any) -> int:
    if isinstance(value, bool):
        raise _no_overload("int", value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value) or not _INT_MIN <= value <= _INT_MAX:
            raise CelRuntimeError("double is out of range of int")
        return int(value)
    if isinstance(value, str):
        try:
            return _check_int(int(value, 10))
        except ValueError:
            raise CelRuntimeError(f"cannot convert {value!r} to int") from None
    if isinstance(value, dt.timedelta):
        return int(value.total_seconds())
    if isinstance(value, dt.datetime):
        return int(value.timestamp())
    raise _no_overload("int", value)


def _to_double(value: Any) -> float:
    if _is_num(value):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            raise CelRuntimeError(f"cannot convert {value!r} to double") from None
    raise _no_overload("double", value)


def _size(value: Any) -> int:
    if isinstance(value, str | bytes | list | tuple | Mapping):
        return len(value)
    raise _no_overload("size", value)


def _text_fn(name: str, fn: Callable[[str, str], bool]) -> Callable[..., bool]:
    def call(target: Any, arg: Any) -> bool:
        if not isinstance(target, str) or not isinstance(arg, str):
            raise _no_overload(name, target, arg)
        return fn(target, arg)

    return call


def _matches(target: Any, pattern: Any) -> bool:
    if not isinstance(target, str) or not isinstance(pattern, str):
        raise _no_overload("matches", target, pattern)
    try:
        return re2.search(pattern, target) is not None
    except re2.error as err:
        raise CelRuntimeError(f"invalid regular expression {pattern!r}: {err}") from None


def _opt_of(value: Any) -> _Opt:
    return _Opt(True, value)


def _opt_non_zero(value: Any) -> _Opt:
    """``optional.ofNonZeroValue``: none for the zero value of the type (null, false, 0, "", empty list/map)."""
    is_zero = value is None or value is False or (_is_num(value) and value == 0)
    is_zero = is_zero or (isinstance(value, str | bytes | list | tuple | Mapping) and len(value) == 0)
    return _NONE if is_zero else _Opt(True, value)


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value in ("true", "false"):
        return value == "true"
    raise _no_overload("bool", value)


def _to_bytes(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    raise _no_overload("bytes", value)


def _need_opt(name: str, value: Any) -> _Opt:
    if not isinstance(value, _Opt):
        raise _no_overload(name, value)
    return value


def _opt_value(target: Any) -> Any:
    opt = _need_opt("value", target)
    if not opt.present:
        raise CelRuntimeError("optional.none() dereference")
    return opt.value


_BUILTINS: Mapping[str, Callable[..., Any]] = {
    "size": _size,
    "int": _to_int,
    "uint": _to_int,
    "double": _to_double,
    "string": _to_string,
    "bool": _to_bool,
    "bytes": _to_bytes,
    "dyn": lambda v: v,
    "type": _type_of,
    "duration": _duration,
    "timestamp": _timestamp,
    "matches": _matches,
    "startsWith": _text_fn("startsWith", lambda s, p: s.startswith(p)),
    "endsWith": _text_fn("endsWith", lambda s, p: s.endswith(p)),
    "contains": _text_fn("contains", lambda s, p: p in s),
    "optional.of": _opt_of,
    "optional.ofNonZeroValue": _opt_non_zero,
    "optional.none": lambda: _NONE,
    "hasValue": lambda t: _need_opt("hasValue", t).present,
    "value": _opt_value,
}


class _Scope:
    """Comprehension variables over the base bindings."""

    __slots__ = ("names", "parent")

    def __init__(self, names: dict[str, Any], parent: _Scope | None = None) -> None:
        self.names = names
        self.parent = parent

    def lookup(self, name: str) -> tuple[bool, Any]:
        scope: _Scope | None = self
        while scope is not None:
            if name in scope.names:
                return True, scope.names[name]
            scope = scope.parent
        return False, None


class Interpreter:
    """Evaluates parsed CEL over Python values with cel-go error semantics.

    ``bindings`` are the top-level variables (``object``, ``request`` ...); ``variables`` maps a Kubernetes variable
    name to its CEL source, evaluated lazily and at most once.
    """

    def __init__(self, bindings: Mapping[str, Any], variables: Sequence[tuple[str, str]] = ()) -> None:
        self._bindings = dict(bindings)
        self._variable_src = dict(variables)
        self._variable_values: dict[str, tuple[bool, Any]] = {}

    def evaluate(self, source: str) -> Any:
        """Evaluate ``source``; raises :class:`CelRuntimeError` (with cel-go-like text) on an error value."""
        return self._eval(parse(source), _Scope({}))

    # -------------------------------------------------------------------------------------------- variables
    def _variable(self, name: str) -> Any:
        if name not in self._variable_src:
            raise CelRuntimeError(f"no such key: {name}")
        if name not in self._variable_values:
            try:
                self._variable_values[name] = (True, self._eval(parse(self._variable_src[name]), _Scope({})))
            except CelRuntimeError as err:
                self._variable_values[name] = (False, f'composited variable "{name}" fails to evaluate: {err}')
        ok, value = self._variable_values[name]
        if not ok:
            raise CelRuntimeError(value)
        return value

    # -------------------------------------------------------------------------------------------- evaluation
    def _eval(self, node: Node, scope: _Scope) -> Any:
        if isinstance(node, Literal):
            return _literal(node.text)
        if isinstance(node, Ident):
            return self._ident(node.name, scope)
        if isinstance(node, Select):
            return self._select(node, scope)
        if isinstance(node, Index):
            return self._index(node, scope)
        if isinstance(node, Call):
            return self._call(node, scope)
        if isinstance(node, Unary):
            return self._unary(node, scope)
        if isinstance(node, Binary):
            return self._binary(node, scope)
        if isinstance(node, Ternary):
            cond = self._eval(node.cond, scope)
            if not isinstance(cond, bool):
                raise _no_overload("_?_:_", cond)
            return self._eval(node.then if cond else node.other, scope)
        if isinstance(node, ListLit):
            return [self._eval(item, scope) for item in node.items]
        if isinstance(node, MapLit):
            return {self._eval(k, scope): self._eval(v, scope) for k, v in node.entries}
        if isinstance(node, Raw):
            return self._eval(parse(node.text), scope)
        raise CelRuntimeError(f"unsupported expression {type(node).__name__}")

    def _ident(self, name: str, scope: _Scope) -> Any:
        found, value = scope.lookup(name)
        if found:
            return value
        name = name.removeprefix(".")
        if name in self._bindings:
            return self._bindings[name]
        if name in _TYPE_NAMES:
            return _Type(name)
        raise CelRuntimeError(f"undeclared reference to '{name}'")

    @staticmethod
    def _field(value: Any, field: str) -> Any:
        if isinstance(value, Mapping):
            if field in value:
                return value[field]
            raise CelRuntimeError(f"no such key: {field}")
        raise _no_overload(f"select {field}", value)

    def _select(self, node: Select, scope: _Scope) -> Any:
        if isinstance(node.operand, Ident) and node.operand.name == "variables" and not scope.lookup("variables")[0]:
            if node.optional:
                return _Opt(True, self._variable(node.field)) if node.field in self._variable_src else _NONE
            return self._variable(node.field)
        base = self._eval(node.operand, scope)
        if isinstance(base, _Opt):
            if not base.present:
                return _NONE
            inner = base.value
            if node.optional:
                return self._opt_select(inner, node.field)
            return _Opt(True, self._field(inner, node.field))
        if node.optional:
            return self._opt_select(base, node.field)
        return self._field(base, node.field)

    def _opt_select(self, value: Any, field: str) -> _Opt:
        if isinstance(value, Mapping):
            return _Opt(True, value[field]) if field in value else _NONE
        raise _no_overload(f"select ?{field}", value)

    @staticmethod
    def _at(value: Any, key: Any, optional: bool) -> Any:
        if isinstance(value, list | tuple):
            if isinstance(key, float) and key.is_integer():
                key = int(key)
            if not isinstance(key, int) or isinstance(key, bool):
                raise _no_overload("_[_]", value, key)
            if 0 <= key < len(value):
                return _Opt(True, value[key]) if optional else value[key]
            if optional:
                return _NONE
            raise CelRuntimeError(f"index out of range: {key}")
        if isinstance(value, Mapping):
            if key in value:
                return _Opt(True, value[key]) if optional else value[key]
            if optional:
                return _NONE
            raise CelRuntimeError(f"no such key: {key}")
        raise _no_overload("_[_]", value, key)

    def _index(self, node: Index, scope: _Scope) -> Any:
        base = self._eval(node.operand, scope)
        key = self._eval(node.key, scope)
        if isinstance(base, _Opt):
            if not base.present:
                return _NONE
            found = self._at(base.value, key, node.optional)
            return found if node.optional else _Opt(True, found)
        return self._at(base, key, node.optional)

    def _unary(self, node: Unary, scope: _Scope) -> Any:
        value = self._eval(node.operand, scope)
        if node.op == "!":
            if not isinstance(value, bool):
                raise _no_overload("!_", value)
            return not value
        if isinstance(value, bool) or not isinstance(value, int | float | dt.timedelta):
            raise _no_overload("-_", value)
        return _check_int(-value) if isinstance(value, int) else -value

    def _logic(self, node: Binary, scope: _Scope) -> bool:
        """``&&``/``||`` with cel-go's commutative error absorption."""
        decisive = node.op == "||"  # the value that decides the result on its own
        error: CelRuntimeError | None = None
        for side in (node.left, node.right):
            try:
                value = self._eval(side, scope)
            except CelRuntimeError as err:
                error = error or err
                continue
            if not isinstance(value, bool):
                error = error or _no_overload(f"_{node.op}_", value)
                continue
            if value is decisive:
                return decisive
        if error is not None:
            raise error
        return not decisive

    def _binary(self, node: Binary, scope: _Scope) -> Any:
        if node.op in ("&&", "||"):
            return self._logic(node, scope)
        left = self._eval(node.left, scope)
        right = self._eval(node.right, scope)
        return _binary_op(node.op, left, right)

    # -------------------------------------------------------------------------------------------- calls
    def _call(self, node: Call, scope: _Scope) -> Any:
        name = node.name
        if node.target is None:
            if name == "has":
                return self._has(node, scope)
            args = [self._eval(a, scope) for a in node.args]
            return self._apply(name, None, args)
        namespace = node.target.name if isinstance(node.target, Ident) else ""
        is_namespace = namespace in ("optional", "cel", "sets", "strings") and namespace not in self._bindings
        if is_namespace and not scope.lookup(namespace)[0]:
            qualified = f"{namespace}.{name}"
            if qualified == "cel.bind":
                var = node.args[0] if len(node.args) == 3 else None
                if not isinstance(var, Ident):
                    raise CelRuntimeError("cel.bind() takes a variable name, an initial value and an expression")
                initial = self._eval(node.args[1], scope)
                return self._eval(node.args[2], _Scope({var.name: initial}, scope))
            return self._apply(qualified, None, [self._eval(a, scope) for a in node.args])
        if name in ("all", "exists", "exists_one", "map", "filter", "optMap", "optFlatMap"):
            return self._macro(node, scope)
        target = self._eval(node.target, scope)
        if name in ("orValue", "or") and len(node.args) == 1:
            if not isinstance(target, _Opt):
                return target  # cel-go returns a receiver that is not optional unchanged
            if target.present:
                return target.value if name == "orValue" else target
            return self._eval(node.args[0], scope)
        args = [self._eval(a, scope) for a in node.args]
        return self._apply(name, target, args)

    def _has(self, node: Call, scope: _Scope) -> bool:
        arg = node.args[0] if len(node.args) == 1 else None
        if not isinstance(arg, Select) or arg.optional:
            raise CelRuntimeError("invalid argument to has() macro")
        if isinstance(arg.operand, Ident) and arg.operand.name == "variables" and not scope.lookup("variables")[0]:
            return arg.field in self._variable_src
        base = self._eval(arg.operand, scope)
        if isinstance(base, _Opt):
            base = base.value if base.present else {}
        if isinstance(base, Mapping):
            return arg.field in base
        raise _no_overload("has", base)

    def _apply(self, name: str, target: Any, args: list[Any]) -> Any:
        call_args = args if target is None else [target, *args]
        fn = _BUILTINS.get(name) or FUNCTIONS.get(name)
        if fn is None:
            raise CelRuntimeError(f"undeclared reference to '{name}'")
        try:
            return fn(*call_args)
        except CelRuntimeError:
            raise
        except (ValueError, TypeError, KeyError, IndexError, ArithmeticError, re2.error) as err:
            raise CelRuntimeError(str(err) or type(err).__name__) from None

    def _macro(self, node: Call, scope: _Scope) -> Any:
        name = node.name
        if len(node.args) not in (2, 3) or not isinstance(node.args[0], Ident):
            raise CelRuntimeError(f"invalid arguments to {name}()")
        var = node.args[0].name
        target = self._eval(node.target, scope) if node.target is not None else None
        if name in ("optMap", "optFlatMap"):
            opt = _need_opt(name, target)
            if not opt.present:
                return _NONE
            result = self._eval(node.args[1], _Scope({var: opt.value}, scope))
            return _Opt(True, result) if name == "optMap" else _need_opt(name, result)
        if isinstance(target, Mapping):
            items: list[Any] = list(target.keys())
        elif isinstance(target, list | tuple):
            items = list(target)
        else:
            raise _no_overload(name, target)
        body = node.args[-1]

        def pred(item: Any) -> Any:
            return self._eval(body, _Scope({var: item}, scope))

        if name == "all":
            return _quantify(items, pred, decisive=False, operator="_&&_")
        if name == "exists":
            return _quantify(items, pred, decisive=True, operator="_||_")
        if name == "exists_one":
            count = 0
            for item in items:
                value = pred(item)
                if not isinstance(value, bool):
                    raise _no_overload("_?_:_", value)
                count += value
            return count == 1
        if name == "filter":
            kept = []
            for item in items:
                value = pred(item)
                if not isinstance(value, bool):
                    raise _no_overload("_?_:_", value)
                if value:
                    kept.append(item)
            return kept
        # map, with an optional filter as the middle argument
        out = []
        for item in items:
            if len(node.args) == 3:
                keep = self._eval(node.args[1], _Scope({var: item}, scope))
                if not isinstance(keep, bool):
                    raise _no_overload("_?_:_", keep)
                if not keep:
                    continue
            out.append(pred(item))
        return out


def _binary_op(op: str, left: Any, right: Any) -> Any:
    if op == "==":
        return _eq(left, right)
    if op == "!=":
        return not _eq(left, right)
    if op == "in":
        if isinstance(right, list | tuple):
            return any(_eq(left, item) for item in right)
        if isinstance(right, Mapping):
            return any(_eq(left, key) for key in right)
        raise _no_overload("@in", left, right)
    if op in ("<", "<=", ">", ">="):
        comparable = (_is_num(left) and _is_num(right)) or (
            type(left) is type(right) and isinstance(left, str | bytes | bool | dt.timedelta | dt.datetime)
        )
        if not comparable:
            raise _no_overload(f"_{op}_", left, right)
        return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]
    if op == "+":
        if _is_num(left) and _is_num(right) and type(left) is type(right):
            return _check_int(left + right) if isinstance(left, int) else left + right
        if type(left) is type(right) and isinstance(left, str | bytes | list):
            return left + right
        if isinstance(left, list | tuple) and isinstance(right, list | tuple):
            return [*left, *right]
        if isinstance(left, dt.datetime | dt.timedelta) and isinstance(right, dt.timedelta):
            return left + right
        raise _no_overload("_+_", left, right)
    if op == "-":
        if _is_num(left) and _is_num(right) and type(left) is type(right):
            return _check_int(left - right) if isinstance(left, int) else left - right
        if isinstance(left, dt.datetime) and isinstance(right, dt.datetime | dt.timedelta):
            return left - right
        if isinstance(left, dt.timedelta) and isinstance(right, dt.timedelta):
            return left - right
        raise _no_overload("_-_", left, right)
    if not (_is_num(left) and _is_num(right) and type(left) is type(right)):
        raise _no_overload(f"_{op}_", left, right)
    if op == "*":
        return _check_int(left * right) if isinstance(left, int) else left * right
    if isinstance(left, int):
        if right == 0:
            raise CelRuntimeError("division by zero" if op == "/" else "modulus by zero")
        quotient = abs(left) // abs(right) * (1 if (left >= 0) == (right >= 0) else -1)
        return _check_int(quotient) if op == "/" else left - right * quotient
    if op == "/":
        return left / right if right else (math.copysign(math.inf, left) if left else math.nan)
    raise _no_overload("_%_", left, right)
