"""Compile parsed CEL (:mod:`._syntax` nodes) to Python closures with the semantics of :mod:`._interpreter`.

The tree-walking :class:`._interpreter.Interpreter` defines the semantics (cel-go's: ``&&``/``||``/``all``/``exists``
absorb errors, no-overload errors, int overflow ...). This module produces, once per expression, a closure that
computes exactly what the interpreter computes (same value, same :class:`CelRuntimeError` text, same other exceptions)
directly over the Python values, with everything that can be decided statically decided at compile time:

* identifiers are resolved once: a comprehension variable reads a slot of the evaluation frame, a binding reads the
  bindings dict, a type name is a constant, anything else raises ``undeclared reference``;
* functions are looked up once (``_BUILTINS`` then ``FUNCTIONS``, like the interpreter), operators are specialised
  per operator with fast paths for the common operand types (which fall back to the interpreter's own helpers);
* literals are decoded once; ``matches`` with a literal pattern uses a precompiled RE2 program;
* ``variables.<name>`` is read from a per-evaluation :class:`VariableState` (lazy, at most once per state).

A frame is a list: ``[bindings, variable_state, slot0, slot1, ...]``; :attr:`CompiledExpr.size` is its length.

:func:`compile_expression` returns None for what it does not cover (a source the parser rejects, a literal the
interpreter cannot decode): callers then use their other path. A closure may raise :class:`Unsupported` (a variable
that is not compiled) or, like the interpreter, another exception than :class:`CelRuntimeError` on data the
interpreter itself does not handle; callers treat both as "use the other path".
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import re2

from policy_platform.engines.kyverno.cel._errors import CelRuntimeError
from policy_platform.engines.kyverno.cel._interpreter import (
    _BUILTINS,
    _NONE,
    _TYPE_NAMES,
    Interpreter,
    _binary_op,
    _check_int,
    _eq,
    _literal,
    _need_opt,
    _no_overload,
    _Opt,
    _Type,
)
from policy_platform.engines.kyverno.cel._library import FUNCTIONS
from policy_platform.engines.kyverno.cel._syntax import (
    Binary,
    Call,
    CelSyntaxError,
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

__all__ = [
    "ROOTS",
    "ROOT_ORDER",
    "CompiledExpr",
    "RuleVariables",
    "Unsupported",
    "compile_expression",
    "compile_node",
    "roots_of",
]

Fn = Callable[[list[Any]], Any]

ROOT_ORDER = ("object", "oldObject", "request", "namespaceObject", "authorizer", "params", "variables")
ROOTS = frozenset(ROOT_ORDER)
"""The bindings (see :class:`._program.ResourceActivation`); a frame holds them at 1..7, in ``ROOT_ORDER``."""
_ROOT_INDEX = {name: 1 + i for i, name in enumerate(ROOT_ORDER)}
_FIRST_SLOT = 1 + len(ROOT_ORDER)


_ROOT_VALUES = operator.itemgetter(*ROOT_ORDER)


def roots_of(bindings: Mapping[str, Any]) -> tuple[Any, ...]:
    """The values of the bindings in ``ROOT_ORDER`` (what a frame holds after the variable state)."""
    values: tuple[Any, ...] = _ROOT_VALUES(bindings)
    return values

_NAMESPACES = ("optional", "cel", "sets", "strings")
_MACROS = frozenset({"all", "exists", "exists_one", "map", "filter", "optMap", "optFlatMap"})
_WRAPPED = (ValueError, TypeError, KeyError, IndexError, ArithmeticError, re2.error)
_SIMPLE = frozenset({str, int, bool, float})
# results of library calls on constants that are folded at compile time (immutable, or maps nothing mutates)
_FOLDABLE = (str, int, float, bytes, dt.timedelta, dt.datetime, _Type, dict, list)
# library functions of one string whose results are cached per string (pure, and slow: parsing)
_MEMOIZED = frozenset({"duration", "timestamp"})
_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1
_MATCHES_MEMO, _MATCHES_MEMO_CHARS = 4096, 256  # outcomes of a literal-pattern matches() kept per pattern


class Unsupported(Exception):
    """Raised at evaluation when a construct is not compiled (e.g. a variable whose source did not parse)."""


_MISSING: Any = object()


@dataclass(frozen=True, slots=True)
class CompiledExpr:
    """A compiled expression: ``fn(frame)``, the frame being ``[cache, *roots, *pad]`` (``cache``: the per-resource
    dict of variable outcomes, ``roots``: the binding values in ``ROOT_ORDER``, ``pad``: one ``None`` per
    comprehension variable). ``constant`` when it always returns ``value`` (and never fails)."""

    fn: Fn
    pad: tuple[None, ...] = ()
    constant: bool = False
    value: Any = None
    key: str | None = None  # set when the value depends on the resource bindings only (not params, variables)

    def run(self, bindings: Mapping[str, Any], cache: dict[Any, Any] | None = None) -> Any:
        """Evaluate over ``bindings``; ``cache`` holds the resource's variable outcomes (see :func:`_run_variable`)."""
        return self.fn([{} if cache is None else cache, *roots_of(bindings), *self.pad])


class RuleVariables:
    """The ``variables`` of one rule, for compiling its expressions: every name, the programs compiled so far (a
    reference may precede its definition) and the values of those that are constants."""

    __slots__ = ("constants", "names", "programs")

    def __init__(self, names: frozenset[str] = frozenset()) -> None:
        self.names = names
        self.programs: dict[str, CompiledExpr | None] = {}
        self.constants: dict[str, Any] = {}

    def add(self, name: str, program: CompiledExpr | None) -> None:
        self.programs[name] = program
        if program is not None and program.constant:
            self.constants[name] = program.value


_NO_VARIABLES = RuleVariables()


def _raise_unsupported(frame: list[Any]) -> Any:
    raise Unsupported("variable")


def _run_variable(program: CompiledExpr | None, frame: list[Any], key: Any) -> tuple[bool, Any]:
    """Evaluate a variable's program over the bindings of ``frame``; cache its outcome (value, or error text) in the
    frame's cache (per resource: ``variables`` are evaluated at most once per rule and resource)."""
    if program is None:
        raise Unsupported("variable")
    cache = frame[0]
    try:
        outcome = (True, program.fn([cache, *frame[1:_FIRST_SLOT], *program.pad]))
    except CelRuntimeError as err:
        outcome = (False, str(err))
    cache[key] = outcome
    return outcome


def compile_expression(source: str, variables: RuleVariables = _NO_VARIABLES) -> CompiledExpr | None:
    """Compile CEL source; ``variables`` are those ``variables.<name>`` may read. None when not covered."""
    try:
        tree = parse(source)
    except CelSyntaxError:
        return None
    return compile_node(tree, variables, source=source)


def compile_node(
    tree: Node, variables: RuleVariables = _NO_VARIABLES, *, source: str | None = None
) -> CompiledExpr | None:
    """Compile a parsed expression (see :func:`compile_expression`; ``source`` is its text, if known)."""
    compiler = _Compiler(variables)
    try:
        fn = compiler.node(tree, {})
    except (_NotCovered, CelSyntaxError):
        return None
    pad = (None,) * compiler.slots
    if fn in compiler.constants:
        return CompiledExpr(fn, pad, constant=True, value=compiler.constants[fn])
    key = None if source is None or compiler.uses & {"params", "variables"} else source
    from policy_platform.engines.kyverno.cel._codegen import generate  # imports this module

    generator = _Compiler(variables)
    generated = generate(tree, generator)
    if generated is not None:  # the same semantics, fewer Python calls
        return CompiledExpr(generated, (None,) * generator.slots, key=key)
    return CompiledExpr(fn, pad, key=key)


class _NotCovered(Exception):
    """Compile-time: a construct this compiler does not reproduce exactly."""


# ------------------------------------------------------------------------------------------------ runtime helpers


def _raiser(message: str) -> Fn:
    """A closure raising ``CelRuntimeError(message)`` (a new one each time: a re-raised instance grows its
    traceback)."""

    def fail(frame: list[Any]) -> Any:
        raise CelRuntimeError(message)

    return fail


def _const(value: Any) -> Fn:
    def const(frame: list[Any]) -> Any:
        return value

    return const


def _field(value: Any, field: str) -> Any:
    """``value.field`` on a non-optional value (``Interpreter._field``)."""
    if isinstance(value, Mapping):
        if field in value:
            return value[field]
        raise CelRuntimeError(f"no such key: {field}")
    raise _no_overload(f"select {field}", value)


def _opt_select(value: Any, field: str) -> _Opt:
    if isinstance(value, Mapping):
        return _Opt(True, value[field]) if field in value else _NONE
    raise _no_overload(f"select ?{field}", value)


def _select(base: Any, field: str) -> Any:
    """``base.field`` on any value (``Interpreter._select`` after the operand)."""
    if isinstance(base, _Opt):
        if not base.present:
            return _NONE
        return _Opt(True, _field(base.value, field))
    return _field(base, field)


def _select_optional(base: Any, field: str) -> Any:
    """``base.?field`` on any value."""
    if isinstance(base, _Opt):
        if not base.present:
            return _NONE
        return _opt_select(base.value, field)
    return _opt_select(base, field)


_at = Interpreter._at


def _index(base: Any, key: Any, optional: bool) -> Any:
    if isinstance(base, _Opt):
        if not base.present:
            return _NONE
        found = _at(base.value, key, optional)
        return found if optional else _Opt(True, found)
    return _at(base, key, optional)


def _call_wrapped(fn: Callable[..., Any], args: list[Any]) -> Any:
    try:
        return fn(*args)
    except CelRuntimeError:
        raise
    except _WRAPPED as err:
        raise CelRuntimeError(str(err) or type(err).__name__) from None


def _items(name: str, target: Any) -> Any:
    if isinstance(target, list):
        return target
    if isinstance(target, Mapping):
        return list(target.keys())
    if isinstance(target, tuple):
        return list(target)
    raise _no_overload(name, target)


# ------------------------------------------------------------------------------------------------ compiler


class _Compiler:
    def __init__(self, variables: RuleVariables) -> None:
        self.rule_variables = variables
        self.variables = variables.names
        self.slots = 0
        self.uses: set[str] = set()  # the bindings the expression reads
        self.constants: dict[Fn, Any] = {}  # closures that return a constant, and their value

    def const(self, value: Any) -> Fn:
        fn = _const(value)
        self.constants[fn] = value
        return fn

    def slot(self) -> int:
        self.slots += 1
        return _FIRST_SLOT - 1 + self.slots

    # nodes -----------------------------------------------------------------------------------------------------
    def node(self, node: Node, scope: dict[str, int]) -> Fn:
        if isinstance(node, Literal):
            return self.literal(node)
        if isinstance(node, Ident):
            return self.ident(node.name, scope)
        if isinstance(node, Select):
            return self.select(node, scope)
        if isinstance(node, Index):
            return self.index(node, scope)
        if isinstance(node, Call):
            return self.call(node, scope)
        if isinstance(node, Unary):
            return self.unary(node, scope)
        if isinstance(node, Binary):
            return self.binary(node, scope)
        if isinstance(node, Ternary):
            return self.ternary(node, scope)
        if isinstance(node, ListLit):
            return self.list_lit(node, scope)
        if isinstance(node, MapLit):
            return self.map_lit(node, scope)
        if isinstance(node, Raw):
            return self.node(parse(node.text), scope)
        raise _NotCovered(type(node).__name__)

    def literal(self, node: Literal) -> Fn:
        try:
            value = _literal(node.text)
        except CelRuntimeError as err:
            return _raiser(str(err))
        except Exception as err:  # the interpreter raises something else at runtime: not reproduced here
            raise _NotCovered(str(err)) from None
        return self.const(value)

    def ident(self, name: str, scope: dict[str, int]) -> Fn:
        slot = scope.get(name)
        if slot is not None:
            return operator.itemgetter(slot)
        name = name.removeprefix(".")
        if name in ROOTS:
            self.uses.add(name)
            return operator.itemgetter(_ROOT_INDEX[name])
        if name in _TYPE_NAMES:
            return _const(_Type(name))
        return _raiser(f"undeclared reference to '{name}'")

    def variable(self, name: str) -> Fn:
        """``variables.<name>``: evaluated at most once per resource (outcomes cached in the frame's cache)."""
        if name not in self.variables:
            return _raiser(f"no such key: {name}")
        rule_variables = self.rule_variables
        if name in rule_variables.constants:
            return self.const(rule_variables.constants[name])
        prefix = f'composited variable "{name}" fails to evaluate: '
        if name in rule_variables.programs:  # defined before this expression
            program = rule_variables.programs[name]
            if program is None:  # not compiled: the other path decides
                return _raise_unsupported
            key: Any = program.fn if program.key is None else program.key

            def variable(frame: list[Any]) -> Any:
                outcome = frame[0].get(key)
                if outcome is None:
                    outcome = _run_variable(program, frame, key)
                if outcome[0]:
                    return outcome[1]
                raise CelRuntimeError(prefix + outcome[1])

            return variable
        programs = rule_variables.programs

        def later_variable(frame: list[Any]) -> Any:  # defined after this expression: resolved at runtime
            program = programs.get(name)
            later_key = None if program is None else program.fn if program.key is None else program.key
            outcome = None if later_key is None else frame[0].get(later_key)
            if outcome is None:
                outcome = _run_variable(program, frame, later_key)
            if outcome[0]:
                return outcome[1]
            raise CelRuntimeError(prefix + outcome[1])

        return later_variable

    def is_variables(self, node: Node, scope: dict[str, int]) -> bool:
        return isinstance(node, Ident) and node.name == "variables" and "variables" not in scope

    def select(self, node: Select, scope: dict[str, int]) -> Fn:
        field = node.field
        if self.is_variables(node.operand, scope):
            self.uses.add("variables")
            if node.optional and field not in self.variables:
                return _const(_NONE)
            read = self.variable(field)
            if not node.optional:
                return read

            def opt_variable(frame: list[Any]) -> Any:
                return _Opt(True, read(frame))

            return opt_variable
        if node.optional:
            chain = self.opt_chain(node, scope)
            if chain is not None:
                return _walk_materialize(*chain)
            base_fn = self.node(node.operand, scope)

            def select_optional(frame: list[Any]) -> Any:
                return _select_optional(base_fn(frame), field)

            return select_optional
        # a chain of plain selections: read it in one loop
        fields = [field]
        operand = node.operand
        while isinstance(operand, Select) and not operand.optional and not self.is_variables(operand.operand, scope):
            fields.append(operand.field)
            operand = operand.operand
        fields.reverse()
        base_fn = self.node(operand, scope)
        if len(fields) == 1:

            def select1(frame: list[Any]) -> Any:
                base = base_fn(frame)
                if type(base) is dict:
                    try:
                        return base[field]
                    except KeyError:
                        raise CelRuntimeError(f"no such key: {field}") from None
                return _select(base, field)

            return select1
        path = tuple(fields)

        def select_chain(frame: list[Any]) -> Any:
            value = base_fn(frame)
            for name in path:
                if type(value) is dict:
                    try:
                        value = value[name]
                    except KeyError:
                        raise CelRuntimeError(f"no such key: {name}") from None
                else:
                    value = _select(value, name)
            return value

        return select_chain

    def index(self, node: Index, scope: dict[str, int]) -> Fn:
        if node.optional:
            chain = self.opt_chain(node, scope)
            if chain is not None:
                return _walk_materialize(*chain)
        base_fn = self.node(node.operand, scope)
        key_fn = self.node(node.key, scope)
        optional = node.optional
        if not optional and isinstance(node.key, Literal):
            key_const = self.literal_value(node.key)
            if type(key_const) is str:

                def index_str(frame: list[Any]) -> Any:
                    base = base_fn(frame)
                    if type(base) is dict and key_const in base:
                        return base[key_const]
                    return _index(base, key_const, False)

                return index_str

        def index(frame: list[Any]) -> Any:
            base = base_fn(frame)
            return _index(base, key_fn(frame), optional)

        return index

    @staticmethod
    def literal_value(node: Literal) -> Any:
        try:
            return _literal(node.text)
        except Exception:
            return None

    def unary(self, node: Unary, scope: dict[str, int]) -> Fn:
        inner = node.operand
        if (
            node.op == "!"
            and isinstance(inner, Call)
            and inner.target is None
            and inner.name == "has"
            and len(inner.args) == 1
            and isinstance(inner.args[0], Select)
            and not inner.args[0].optional
        ):
            return self.has(inner, scope, negate=True)
        operand = self.node(node.operand, scope)
        if node.op == "!":

            def negate(frame: list[Any]) -> Any:
                value = operand(frame)
                if value is True:
                    return False
                if value is False:
                    return True
                raise _no_overload("!_", value)

            return negate

        def minus(frame: list[Any]) -> Any:
            value = operand(frame)
            if type(value) is int:
                return _check_int(-value)
            return _neg(value)

        return minus

    def ternary(self, node: Ternary, scope: dict[str, int]) -> Fn:
        cond_fn = self.node(node.cond, scope)
        then_fn = self.node(node.then, scope)
        other_fn = self.node(node.other, scope)

        def ternary(frame: list[Any]) -> Any:
            cond = cond_fn(frame)
            if cond is True:
                return then_fn(frame)
            if cond is False:
                return other_fn(frame)
            raise _no_overload("_?_:_", cond)

        return ternary

    def list_lit(self, node: ListLit, scope: dict[str, int]) -> Fn:
        items = tuple(self.node(i, scope) for i in node.items)
        if all(item in self.constants for item in items):  # nothing mutates a CEL list: share one
            return self.const([self.constants[item] for item in items])

        def list_lit(frame: list[Any]) -> Any:
            return [item(frame) for item in items]

        return list_lit

    def map_lit(self, node: MapLit, scope: dict[str, int]) -> Fn:
        entries = tuple((self.node(k, scope), self.node(v, scope)) for k, v in node.entries)
        if all(k in self.constants and v in self.constants for k, v in entries):
            try:
                return self.const({self.constants[k]: self.constants[v] for k, v in entries})
            except TypeError:  # an unhashable key: fails at runtime like the interpreter
                pass

        def map_lit(frame: list[Any]) -> Any:
            return {k(frame): v(frame) for k, v in entries}

        return map_lit

    # operators -------------------------------------------------------------------------------------------------
    def binary(self, node: Binary, scope: dict[str, int]) -> Fn:
        op = node.op
        if op in ("&&", "||"):
            operands = _flatten(op, node)
            if len(operands) > 2:  # a && b && c ...: one fold (the same result as the nested binary folds)
                return _logic_n(op, tuple(self.node(o, scope) for o in operands))
        left = self.node(node.left, scope)
        right = self.node(node.right, scope)
        if op in ("&&", "||"):
            return _logic(op, left, right)
        if op in ("==", "!="):
            return _equality(op == "!=", left, right, node.right)
        if op == "in":
            strings = self.constants.get(right)
            if type(strings) is list and all(type(s) is str for s in strings):
                return _membership_strings(left, right, frozenset(strings))
            return _membership(left, right)
        if op in ("<", "<=", ">", ">="):
            return _relation(op, left, right)
        if op in ("+", "-"):
            return _additive(op, left, right)

        def arithmetic(frame: list[Any]) -> Any:
            a = left(frame)
            return _binary_op(op, a, right(frame))

        return arithmetic

    # calls -----------------------------------------------------------------------------------------------------
    def call(self, node: Call, scope: dict[str, int]) -> Fn:
        name = node.name
        if node.target is None:
            if name == "has":
                return self.has(node, scope)
            args = tuple(self.node(a, scope) for a in node.args)
            return self.apply(name, None, args, node)
        target_node = node.target
        namespace = target_node.name if isinstance(target_node, Ident) else ""
        if namespace in _NAMESPACES and namespace not in ROOTS and namespace not in scope:
            qualified = f"{namespace}.{name}"
            if qualified == "cel.bind":
                return self.bind(node, scope)
            args = tuple(self.node(a, scope) for a in node.args)
            return self.apply(qualified, None, args, node)
        if name in _MACROS:
            return self.macro(node, target_node, scope)
        fused = self.fused_ending(node, target_node, scope)
        if fused is not None:
            return fused
        target_fn = self.node(target_node, scope)
        if name in ("orValue", "or") and len(node.args) == 1:
            return _or_value(name == "orValue", target_fn, self.node(node.args[0], scope))
        args = tuple(self.node(a, scope) for a in node.args)
        return self.apply(name, target_fn, args, node)

    def apply(self, name: str, target: Fn | None, args: tuple[Fn, ...], node: Call) -> Fn:
        fn = _BUILTINS.get(name) or FUNCTIONS.get(name)
        parts = args if target is None else (target, *args)
        if fn is None:
            message = f"undeclared reference to '{name}'"

            def undeclared(frame: list[Any]) -> Any:
                for part in parts:
                    part(frame)
                raise CelRuntimeError(message)

            return undeclared
        if parts and all(part in self.constants for part in parts):
            try:
                value = fn(*(self.constants[part] for part in parts))
            except Exception:  # evaluated (and reported) at runtime, like the interpreter
                pass
            else:
                if isinstance(value, _FOLDABLE) and not isinstance(value, _Opt):
                    return self.const(value)
        if name in _MEMOIZED and len(parts) == 1:
            (only,) = parts
            cache: dict[Any, Any] = {}

            def memoized(frame: list[Any]) -> Any:
                value = only(frame)
                if type(value) is str:
                    found = cache.get(value)
                    if found is None:
                        found = _call_wrapped(fn, [value])
                        if len(cache) >= 1024:
                            cache.clear()
                        cache[value] = found
                    return found
                return _call_wrapped(fn, [value])

            return memoized
        special = _special(name, parts, node)
        if special is not None:
            return special
        if len(parts) == 1:
            (only,) = parts

            def call1(frame: list[Any]) -> Any:
                value = only(frame)
                try:
                    return fn(value)
                except CelRuntimeError:
                    raise
                except _WRAPPED as err:
                    raise CelRuntimeError(str(err) or type(err).__name__) from None

            return call1
        if len(parts) == 2:
            first, second = parts

            def call2(frame: list[Any]) -> Any:
                a = first(frame)
                b = second(frame)
                try:
                    return fn(a, b)
                except CelRuntimeError:
                    raise
                except _WRAPPED as err:
                    raise CelRuntimeError(str(err) or type(err).__name__) from None

            return call2

        def call(frame: list[Any]) -> Any:
            return _call_wrapped(fn, [part(frame) for part in parts])

        return call

    # optional chains ---------------------------------------------------------------------------------------------
    def opt_chain(self, node: Node, scope: dict[str, int]) -> tuple[Fn, tuple[_Step, ...]] | None:
        """``base.?a.b[?'k']...`` as the base closure and its steps, when at least one step is optional and every
        index is a string or int literal; else None."""
        steps: list[_Step] = []
        while True:
            if isinstance(node, Select) and not self.is_variables(node.operand, scope):
                steps.append((False, node.field, node.optional))
                node = node.operand
                continue
            if isinstance(node, Index) and isinstance(node.key, Literal):
                key = self.literal_value(node.key)
                if type(key) is str or type(key) is int:
                    steps.append((True, key, node.optional))
                    node = node.operand
                    continue
            break
        if not any(optional for _, _, optional in steps):
            return None
        steps.reverse()
        return self.node(node, scope), tuple(steps)

    def fused_ending(self, node: Call, target_node: Node, scope: dict[str, int]) -> Fn | None:
        """``<optional chain>.orValue(d)`` / ``.or(d)`` / ``.hasValue()`` without building optional values."""
        name = node.name
        if not isinstance(target_node, Select | Index):
            return None
        if name in ("orValue", "or") and len(node.args) == 1:
            ending = 0 if name == "orValue" else 1
        elif name == "hasValue" and not node.args:
            ending = 2
        else:
            return None
        chain = self.opt_chain(target_node, scope)
        if chain is None:
            return None
        base_fn, steps = chain
        default_fn = self.node(node.args[0], scope) if node.args else _const(None)
        if ending == 0:
            return _or_value_chain(base_fn, steps, default_fn)

        def fused(frame: list[Any]) -> Any:
            mode, value = _walk(base_fn(frame), steps)
            if mode == _PRESENT:
                if ending == 0:
                    return value
                return True if ending == 2 else _Opt(True, value)
            if mode == _ABSENT:
                return False if ending == 2 else default_fn(frame)
            if ending == 2:
                raise _no_overload("hasValue", value)
            return value  # cel-go returns a receiver that is not optional unchanged

        return fused

    def has(self, node: Call, scope: dict[str, int], *, negate: bool = False) -> Fn:
        """``has(x.f)`` (``negate``: ``!has(x.f)``, when ``x.f`` is a valid argument)."""
        arg = node.args[0] if len(node.args) == 1 else None
        if not isinstance(arg, Select) or arg.optional:
            return _raiser("invalid argument to has() macro")
        field = arg.field
        if self.is_variables(arg.operand, scope):
            self.uses.add("variables")
            return self.const((field in self.variables) is not negate)
        path: list[str] = []
        operand = arg.operand
        while isinstance(operand, Select) and not operand.optional and not self.is_variables(operand.operand, scope):
            path.append(operand.field)
            operand = operand.operand
        if path:  # has(x.a.b.f): read x.a.b inline
            return _has_path(self.node(operand, scope), tuple(reversed(path)), field, negate)
        base_fn = self.node(arg.operand, scope)

        if negate:

            def not_has(frame: list[Any]) -> Any:
                base = base_fn(frame)
                if type(base) is dict:
                    return field not in base
                return not _has(base, field)

            return not_has

        def has(frame: list[Any]) -> Any:
            base = base_fn(frame)
            if type(base) is dict:
                return field in base
            return _has(base, field)

        return has

    def bind(self, node: Call, scope: dict[str, int]) -> Fn:
        var = node.args[0] if len(node.args) == 3 else None
        if not isinstance(var, Ident):
            return _raiser("cel.bind() takes a variable name, an initial value and an expression")
        initial_fn = self.node(node.args[1], scope)
        slot = self.slot()
        body_fn = self.node(node.args[2], {**scope, var.name: slot})

        def bind(frame: list[Any]) -> Any:
            frame[slot] = initial_fn(frame)
            return body_fn(frame)

        return bind

    def macro(self, node: Call, target_node: Node, scope: dict[str, int]) -> Fn:
        name = node.name
        if len(node.args) not in (2, 3) or not isinstance(node.args[0], Ident):
            return _raiser(f"invalid arguments to {name}()")
        var = node.args[0].name
        target_fn = self.node(target_node, scope)
        slot = self.slot()
        inner = {**scope, var: slot}
        if name in ("optMap", "optFlatMap"):
            body_fn = self.node(node.args[1], inner)
            flat = name == "optFlatMap"

            def opt_map(frame: list[Any]) -> Any:
                opt = _need_opt(name, target_fn(frame))
                if not opt.present:
                    return _NONE
                frame[slot] = opt.value
                result = body_fn(frame)
                return _need_opt(name, result) if flat else _Opt(True, result)

            return opt_map
        body_fn = self.node(node.args[-1], inner)
        if name in ("all", "exists"):
            return _quantifier(name == "exists", name, target_fn, body_fn, slot)
        if name == "exists_one":

            def exists_one(frame: list[Any]) -> Any:
                count = 0
                target = target_fn(frame)
                for item in target if type(target) is list else _items(name, target):
                    frame[slot] = item
                    value = body_fn(frame)
                    if value is not True and value is not False:
                        raise _no_overload("_?_:_", value)
                    count += value
                return count == 1

            return exists_one
        if name == "filter":

            def filter_(frame: list[Any]) -> Any:
                kept = []
                target = target_fn(frame)
                for item in target if type(target) is list else _items(name, target):
                    frame[slot] = item
                    value = body_fn(frame)
                    if value is True:
                        kept.append(item)
                    elif value is not False:
                        raise _no_overload("_?_:_", value)
                return kept

            return filter_
        if len(node.args) == 3:
            keep_fn = self.node(node.args[1], inner)

            def map_filter(frame: list[Any]) -> Any:
                out = []
                target = target_fn(frame)
                for item in target if type(target) is list else _items(name, target):
                    frame[slot] = item
                    keep = keep_fn(frame)
                    if keep is False:
                        continue
                    if keep is not True:
                        raise _no_overload("_?_:_", keep)
                    out.append(body_fn(frame))
                return out

            return map_filter

        def map_(frame: list[Any]) -> Any:
            out = []
            target = target_fn(frame)
            for item in target if type(target) is list else _items(name, target):
                frame[slot] = item
                out.append(body_fn(frame))
            return out

        return map_


# ------------------------------------------------------------------------------------------------ optional chains

_Step = tuple[bool, Any, bool]  # (is an index, field or key, optional)
_PLAIN, _PRESENT, _ABSENT = 0, 1, 2


def _walk(value: Any, steps: tuple[_Step, ...], mode: int = _PLAIN) -> tuple[int, Any]:
    """Apply selection/index steps to ``value`` with the interpreter's semantics, representing the current value as
    ``(_PLAIN, v)`` (``v``, not an optional), ``(_PRESENT, v)`` (``optional.of(v)``) or ``(_ABSENT, None)``; ``mode``
    is that of ``value`` (``_PLAIN``: ``value`` itself may be an optional)."""
    if mode == _PLAIN and isinstance(value, _Opt):
        mode, value = (_PRESENT, value.value) if value.present else (_ABSENT, None)
    for is_index, key, optional in steps:
        if mode == _ABSENT:
            break
        if type(value) is dict:  # a field selection and a key index agree on maps
            if key in value:
                value = value[key]
                if optional:
                    mode = _PRESENT
                elif mode == _PLAIN and isinstance(value, _Opt):
                    mode, value = (_PRESENT, value.value) if value.present else (_ABSENT, None)
            elif optional:
                mode, value = _ABSENT, None
            else:
                raise CelRuntimeError(f"no such key: {key}")
            continue
        if optional:
            found = _at(value, key, True) if is_index else _opt_select(value, key)
            mode, value = (_PRESENT, found.value) if found.present else (_ABSENT, None)
        elif mode == _PRESENT:
            value = _at(value, key, False) if is_index else _field(value, key)
        else:
            value = _at(value, key, False) if is_index else _field(value, key)
            if isinstance(value, _Opt):
                mode, value = (_PRESENT, value.value) if value.present else (_ABSENT, None)
    return mode, value


def _or_value_chain(base_fn: Fn, steps: tuple[_Step, ...], default_fn: Fn) -> Fn:
    """``<chain>.orValue(d)``, walking maps inline (the common case) and the rest with :func:`_walk`."""
    keys = tuple((key, optional) for _, key, optional in steps)

    def or_value(frame: list[Any]) -> Any:
        value = base_fn(frame)
        mode = _PLAIN
        for i, (key, optional) in enumerate(keys):
            if type(value) is not dict:
                mode, value = _walk(value, steps[i:], mode)
                break
            found = value.get(key, _MISSING)
            if found is _MISSING:
                if optional:
                    return default_fn(frame)
                raise CelRuntimeError(f"no such key: {key}")
            value = found
            if optional:
                mode = _PRESENT
            elif mode == _PLAIN and isinstance(found, _Opt):
                mode, value = _walk(found, steps[i + 1 :])
                break
        if mode == _ABSENT:
            return default_fn(frame)
        return value  # present: its value; plain (not an optional): returned unchanged, like cel-go

    return or_value


def _has_path(base_fn: Fn, path: tuple[str, ...], field: str, negate: bool) -> Fn:
    def has_path(frame: list[Any]) -> Any:
        value = base_fn(frame)
        for name in path:
            if type(value) is dict:
                value = value.get(name, _MISSING)
                if value is _MISSING:
                    raise CelRuntimeError(f"no such key: {name}")
            else:
                value = _select(value, name)
        if type(value) is dict:
            return (field in value) is not negate
        return _has(value, field) is not negate

    return has_path


def _has(base: Any, field: str) -> bool:
    """``has(base.field)`` on a value that is not a dict."""
    if isinstance(base, _Opt):
        base = base.value if base.present else {}
    if isinstance(base, Mapping):
        return field in base
    raise _no_overload("has", base)


def _walk_materialize(base_fn: Fn, steps: tuple[_Step, ...]) -> Fn:
    def chain(frame: list[Any]) -> Any:
        mode, value = _walk(base_fn(frame), steps)
        if mode == _PRESENT:
            return _Opt(True, value)
        return _NONE if mode == _ABSENT else value

    return chain


# ------------------------------------------------------------------------------------------------ specialisations


def _neg(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float | dt.timedelta):
        raise _no_overload("-_", value)
    return _check_int(-value) if isinstance(value, int) else -value


def _flatten(op: str, node: Node) -> list[Node]:
    """The operands of a chain of one logical operator, left to right (``(a || b) || c`` and ``a || (b || c)``)."""
    if isinstance(node, Binary) and node.op == op:
        return [*_flatten(op, node.left), *_flatten(op, node.right)]
    return [node]


def _logic_n(op: str, operands: tuple[Fn, ...]) -> Fn:
    """``a op b op c ...`` for ``&&``/``||``: the first decisive operand decides (later ones are not evaluated);
    otherwise the first error (a non-boolean operand counts as a no-overload error at its place); otherwise the
    neutral value. Nesting :func:`_logic` either way gives exactly this."""
    decisive = op == "||"
    neutral = not decisive
    name = f"_{op}_"

    def logic_n(frame: list[Any]) -> Any:
        error: CelRuntimeError | None = None
        for operand in operands:
            try:
                value = operand(frame)
            except CelRuntimeError as err:
                if error is None:
                    error = err
                continue
            if value is decisive:
                return decisive
            if value is not neutral and error is None:
                error = _no_overload(name, value)
        if error is not None:
            raise error
        return neutral

    return logic_n


def _logic(op: str, left: Fn, right: Fn) -> Fn:
    """``&&``/``||`` with cel-go's commutative error absorption (``Interpreter._logic``)."""
    decisive = op == "||"
    name = f"_{op}_"

    def logic(frame: list[Any]) -> Any:
        try:
            a = left(frame)
        except CelRuntimeError as err:
            error: CelRuntimeError = err
        else:
            if a is decisive:
                return decisive
            if a is not (not decisive):
                error = _no_overload(name, a)
            else:
                b = right(frame)  # a is the neutral value: the right side decides (or fails)
                if b is True or b is False:
                    return b
                raise _no_overload(name, b)
        try:
            b = right(frame)
        except CelRuntimeError:
            raise error from None
        if b is decisive:
            return decisive
        raise error

    return logic


def _equality(negate: bool, left: Fn, right: Fn, right_node: Node) -> Fn:
    if isinstance(right_node, Literal):
        value = _Compiler.literal_value(right_node)
        kind = type(value)
        if kind in _SIMPLE:

            def eq_literal(frame: list[Any]) -> Any:
                a = left(frame)  # the right side is a constant: evaluating it has no effect
                if type(a) is kind:
                    return (a != value) if negate else (a == value)
                result = _eq(a, value)
                return not result if negate else result

            return eq_literal
    return _eq_generic(negate, left, right)


def _eq_generic(negate: bool, left: Fn, right: Fn) -> Fn:
    def eq(frame: list[Any]) -> Any:
        a = left(frame)
        b = right(frame)
        kind = type(a)
        if kind is type(b) and kind in _SIMPLE:
            return (a != b) if negate else (a == b)
        result = _eq(a, b)
        return not result if negate else result

    return eq


def _membership(left: Fn, right: Fn) -> Fn:
    def member(frame: list[Any]) -> Any:
        a = left(frame)
        b = right(frame)
        if type(a) is str and (type(b) is list or type(b) is dict):
            return a in b
        return _binary_op("in", a, b)

    return member


def _membership_strings(left: Fn, right: Fn, strings: frozenset[str]) -> Fn:
    """``x in [<string constants>]``: a string is found by hashing (equal to the interpreter's ``_eq`` scan)."""

    def member_strings(frame: list[Any]) -> Any:
        a = left(frame)
        if type(a) is str:
            return a in strings
        return _binary_op("in", a, right(frame))

    return member_strings


_RELATIONS: Mapping[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _relation(op: str, left: Fn, right: Fn) -> Fn:
    compare = _RELATIONS[op]

    def relation(frame: list[Any]) -> Any:
        a = left(frame)
        b = right(frame)
        kind = type(a)
        if kind is type(b) and (kind is int or kind is str or kind is float):
            return compare(a, b)
        return _binary_op(op, a, b)

    return relation


def _additive(op: str, left: Fn, right: Fn) -> Fn:
    plus = op == "+"

    def additive(frame: list[Any]) -> Any:
        a = left(frame)
        b = right(frame)
        kind = type(a)
        if kind is type(b):
            if kind is int:
                value = a + b if plus else a - b
                if _INT_MIN <= value <= _INT_MAX:
                    return value
                raise CelRuntimeError("integer overflow")
            if (kind is str or kind is list) and plus:
                return a + b
        return _binary_op(op, a, b)

    return additive


def _or_value(or_value: bool, target_fn: Fn, default_fn: Fn) -> Fn:
    def or_(frame: list[Any]) -> Any:
        target = target_fn(frame)
        if not isinstance(target, _Opt):
            return target  # cel-go returns a receiver that is not optional unchanged
        if target.present:
            return target.value if or_value else target
        return default_fn(frame)

    return or_


def _quantifier(decisive: bool, name: str, target_fn: Fn, body_fn: Fn, slot: int) -> Fn:
    """``all``/``exists`` (``_quantify``): the first decisive element decides, else the first error, else the other
    value."""
    operator_name = "_||_" if decisive else "_&&_"
    neutral = not decisive

    def quantify(frame: list[Any]) -> Any:
        error: CelRuntimeError | None = None
        target = target_fn(frame)
        for item in target if type(target) is list else _items(name, target):
            frame[slot] = item
            try:
                value = body_fn(frame)
            except CelRuntimeError as err:
                if error is None:
                    error = err
                continue
            if value is decisive:
                return decisive
            if value is not neutral and error is None:
                error = _no_overload(operator_name, value)
        if error is not None:
            raise error
        return neutral

    return quantify


def _special(name: str, parts: tuple[Fn, ...], node: Call) -> Fn | None:
    """Faster equivalents of a few hot library calls (same results; other operand types take the generic path)."""
    if name in ("startsWith", "endsWith", "contains") and len(parts) == 2:
        generic = _BUILTINS[name]
        first, second = parts
        method = {"startsWith": str.startswith, "endsWith": str.endswith, "contains": str.__contains__}[name]

        def text(frame: list[Any]) -> Any:
            a = first(frame)
            b = second(frame)
            if type(a) is str and type(b) is str:
                return method(a, b)
            return _call_wrapped(generic, [a, b])

        return text
    if name == "size" and len(parts) == 1:
        (only,) = parts
        generic_size = _BUILTINS["size"]

        def size(frame: list[Any]) -> Any:
            value = only(frame)
            kind = type(value)
            if kind is list or kind is str or kind is dict:
                return len(value)
            return _call_wrapped(generic_size, [value])

        return size
    if name == "matches" and len(parts) == 2:
        pattern_node = node.args[-1]
        pattern = _Compiler.literal_value(pattern_node) if isinstance(pattern_node, Literal) else None
        if isinstance(pattern, str):
            try:
                program = re2.compile(pattern)
            except re2.error:
                return None
            first, second = parts
            generic_matches = _BUILTINS["matches"]
            # the outcome per string (a search through the re2 binding costs microseconds; values recur, e.g. the
            # same annotation on many resources); bounded, and a pure function of the string
            found: dict[str, bool] = {}

            def matches(frame: list[Any]) -> Any:
                a = first(frame)
                b = second(frame)
                if type(a) is str:
                    hit = found.get(a)
                    if hit is None:
                        hit = program.search(a) is not None
                        if len(found) < _MATCHES_MEMO and len(a) <= _MATCHES_MEMO_CHARS:
                            found[a] = hit
                    return hit
                return _call_wrapped(generic_matches, [a, b])

            return matches
    return None
