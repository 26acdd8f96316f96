"""Python source generation for the hot CEL shapes, on top of the closures of :mod:`._compiler`.

A closure per AST node costs a Python call per node and per element of a comprehension. For the shapes Kubernetes
policies are made of (field paths, ``has()``, ``!``, ``&&``/``||`` chains, ``==``/``!=``/relations, ``in``,
``all``/``exists``, ``startsWith``/``endsWith``/``contains``/``size``) this module writes one Python function per
expression with those nodes inlined as statements; any other node is evaluated by its closure from
:class:`._compiler._Compiler`, called from the generated code. The generated statements mirror the closures (and so
the interpreter) exactly: same evaluation order, same error values, same absorption of errors by ``&&``, ``||``,
``all`` and ``exists``.

The function reads the same frame as the closures (``[cache, *roots, *slots]``); comprehension variables live in
frame slots (``for frame[k] in items:``), so closures called from the generated code see them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from policy_platform.engines.kyverno.cel import _compiler as c
from policy_platform.engines.kyverno.cel._errors import CelRuntimeError
from policy_platform.engines.kyverno.cel._interpreter import (
    _BUILTINS,
    _TYPE_NAMES,
    _binary_op,
    _eq,
    _no_overload,
    _Type,
)
from policy_platform.engines.kyverno.cel._syntax import (
    Binary,
    Call,
    Ident,
    Index,
    Literal,
    Node,
    Select,
    Ternary,
    Unary,
)

__all__ = ["generate"]

Fn = Callable[[list[Any]], Any]

_GLOBALS: dict[str, Any] = {
    "CelRuntimeError": CelRuntimeError,
    "_MISSING": c._MISSING,
    "_select": c._select,
    "_has": c._has,
    "_items": c._items,
    "_eq": _eq,
    "_binary_op": _binary_op,
    "_no_overload": _no_overload,
    "_call_wrapped": c._call_wrapped,
    "_run_variable": c._run_variable,
    "_SIMPLE": c._SIMPLE,
    "_ORDERED": frozenset({int, str, float}),
}
def _finish(value: Any, steps: tuple[c._Step, ...], mode: int) -> tuple[int, Any]:
    """The rest of an all-optional chain by :func:`._compiler._walk`: ``(1, None)`` when absent, else
    ``(2, value)``."""
    mode, value = c._walk(value, steps, mode)
    return (1, None) if mode == c._ABSENT else (2, value)


_GLOBALS["_finish"] = _finish
_SIMPLE_NAMES = {str: "str", int: "int", bool: "bool", float: "float"}
_TEXT = {"startsWith": "{a}.startswith({b})", "endsWith": "{a}.endswith({b})", "contains": "{b} in {a}"}


class _TooComplex(Exception):
    """The generated function would not compile (nesting limits): use the closure."""


def generate(tree: Node, compiler: c._Compiler) -> Fn | None:
    """A generated function for ``tree`` (slots allocated from ``compiler``), or None when it brings nothing (the
    whole tree is one closure) or cannot be compiled."""
    gen = _Gen(compiler)
    try:
        result = gen.gen(tree, {})
    except (_TooComplex, RecursionError, c._NotCovered):
        return None
    if gen.inlined == 0:
        return None
    source = "def _generated(frame):\n" + "\n".join(gen.lines) + f"\n    return {result}\n"
    namespace = dict(gen.namespace)
    try:
        exec(compile(source, "<cel>", "exec"), namespace)  # our own generated code
    except (SyntaxError, RecursionError, MemoryError):
        return None
    fn: Fn = namespace["_generated"]
    return fn


class _Gen:
    def __init__(self, compiler: c._Compiler) -> None:
        self.compiler = compiler
        self.lines: list[str] = []
        self.namespace: dict[str, Any] = dict(_GLOBALS)
        self.count = 0
        self.depth = 1
        self.inlined = 0  # nodes written as statements (0: nothing gained over the closure)

    # helpers -------------------------------------------------------------------------------------------------
    def tmp(self, prefix: str = "t") -> str:
        self.count += 1
        return f"{prefix}{self.count}"

    def emit(self, line: str) -> None:
        self.lines.append("    " * self.depth + line)

    def indent(self) -> None:
        self.depth += 1
        if self.depth > 18:  # Python allows 20 statically nested blocks
            raise _TooComplex

    def dedent(self) -> None:
        self.depth -= 1

    def constant(self, value: Any) -> str:
        if value is None or type(value) is bool:
            return repr(value)
        name = self.tmp("k")  # a global of the generated function (no literal next to ``is``)
        self.namespace[name] = value
        return name

    def closure(self, node: Node, scope: dict[str, int]) -> str:
        fn = self.compiler.node(node, scope)
        if fn in self.compiler.constants:
            return self.constant(self.compiler.constants[fn])
        name = self.tmp("f")
        self.namespace[name] = fn
        target = self.tmp()
        self.emit(f"{target} = {name}(frame)")
        return target

    # nodes ---------------------------------------------------------------------------------------------------
    def gen(self, node: Node, scope: dict[str, int]) -> str:
        """Emit statements computing ``node``; returns an atom (a local, ``frame[i]`` or a constant) holding it."""
        if isinstance(node, Ident):
            return self.ident(node, scope)
        if isinstance(node, Select) and not node.optional:
            if self.compiler.is_variables(node.operand, scope):
                return self.variable(node, scope)
            return self.select(node, scope)
        if isinstance(node, Unary) and node.op == "!":
            return self.negate(node, scope)
        if isinstance(node, Binary):
            if node.op in ("&&", "||"):
                return self.logic(node, scope)
            if node.op in ("==", "!=", "<", "<=", ">", ">=", "in"):
                return self.compare(node, scope)
        if isinstance(node, Ternary):
            return self.ternary(node, scope)
        if isinstance(node, Call):
            return self.call(node, scope)
        return self.closure(node, scope)

    def ident(self, node: Ident, scope: dict[str, int]) -> str:
        slot = scope.get(node.name)
        if slot is not None:
            return f"frame[{slot}]"
        name = node.name.removeprefix(".")
        if name in c.ROOTS:
            self.compiler.uses.add(name)
            return f"frame[{c._ROOT_INDEX[name]}]"
        if name in _TYPE_NAMES:
            return self.constant(_Type(name))
        return self.closure(node, scope)

    def variable(self, node: Select, scope: dict[str, int]) -> str:
        """``variables.<name>`` defined before this expression, not a constant: its cached outcome read inline
        (see ``_Compiler.variable``); other cases by the closure."""
        rule_variables = self.compiler.rule_variables
        name = node.field
        program = rule_variables.programs.get(name)
        if name not in self.compiler.variables or name in rule_variables.constants or program is None:
            return self.closure(node, scope)
        self.compiler.uses.add("variables")
        key = self.constant(program.fn if program.key is None else program.key)
        run = self.constant(program)
        prefix = self.constant(f'composited variable "{name}" fails to evaluate: ')
        outcome = self.tmp("o")
        t = self.tmp()
        self.inlined += 1
        self.emit(f"{outcome} = frame[0].get({key})")
        self.emit(f"if {outcome} is None: {outcome} = _run_variable({run}, frame, {key})")
        self.emit(f"if {outcome}[0]: {t} = {outcome}[1]")
        self.emit(f"else: raise CelRuntimeError({prefix} + {outcome}[1])")
        return t

    def select(self, node: Select, scope: dict[str, int]) -> str:
        base = self.gen(node.operand, scope)
        field = node.field
        t = self.tmp()
        self.inlined += 1
        self.emit(f"if type({base}) is dict:")
        self.emit(f"    {t} = {base}.get({field!r}, _MISSING)")
        self.emit(f"    if {t} is _MISSING: raise CelRuntimeError({('no such key: ' + field)!r})")
        self.emit("else:")
        self.emit(f"    {t} = _select({base}, {field!r})")
        return t

    def has_arg(self, node: Node, scope: dict[str, int]) -> Select | None:
        """The argument of a plain ``has(x.f)`` whose operand is not ``variables``, else None."""
        if not (isinstance(node, Call) and node.target is None and node.name == "has" and len(node.args) == 1):
            return None
        arg = node.args[0]
        if not isinstance(arg, Select) or arg.optional or self.compiler.is_variables(arg.operand, scope):
            return None
        return arg

    def has(self, arg: Select, scope: dict[str, int], negate: bool) -> str:
        base = self.gen(arg.operand, scope)
        t = self.tmp()
        field = arg.field
        self.inlined += 1
        if negate:
            self.emit(f"{t} = ({field!r} not in {base}) if type({base}) is dict else (not _has({base}, {field!r}))")
        else:
            self.emit(f"{t} = ({field!r} in {base}) if type({base}) is dict else _has({base}, {field!r})")
        return t

    def negate(self, node: Unary, scope: dict[str, int]) -> str:
        arg = self.has_arg(node.operand, scope)
        if arg is not None:
            return self.has(arg, scope, negate=True)
        a = self.gen(node.operand, scope)
        t = self.tmp()
        self.inlined += 1
        self.emit(f"if {a} is True: {t} = False")
        self.emit(f"elif {a} is False: {t} = True")
        self.emit(f"else: raise _no_overload('!_', {a})")
        return t

    def logic(self, node: Binary, scope: dict[str, int]) -> str:
        """A chain of ``&&`` or ``||`` (see ``_compiler._logic_n``): the first decisive operand decides, else the
        first error, else the neutral value."""
        op = node.op
        decisive, neutral = ("True", "False") if op == "||" else ("False", "True")
        name = f"_{op}_"
        t = self.tmp()
        e = self.tmp("e")
        self.inlined += 1
        self.emit(f"{e} = None")
        self.emit("while True:")
        self.indent()
        for operand in c._flatten(op, node):
            self.emit("try:")
            self.indent()
            a = self.gen(operand, scope)
            self.emit(f"{t} = {a}")
            self.dedent()
            self.emit("except CelRuntimeError as _x:")
            self.emit(f"    if {e} is None: {e} = _x")
            self.emit("else:")
            self.emit(f"    if {t} is {decisive}: break")
            self.emit(f"    if {t} is not {neutral} and {e} is None: {e} = _no_overload({name!r}, {t})")
        self.emit(f"if {e} is not None: raise {e}")
        self.emit(f"{t} = {neutral}")
        self.emit("break")
        self.dedent()
        return t

    def compare(self, node: Binary, scope: dict[str, int]) -> str:
        op = node.op
        a = self.gen(node.left, scope)
        b = self.gen(node.right, scope)
        t = self.tmp()
        self.inlined += 1
        if op in ("==", "!="):
            if isinstance(node.right, Literal):
                value = c._Compiler.literal_value(node.right)
                kind = _SIMPLE_NAMES.get(type(value))
                if kind is not None:
                    negation = "not " if op == "!=" else ""
                    self.emit(f"{t} = ({a} {op} {b}) if type({a}) is {kind} else {negation}_eq({a}, {b})")
                    return t
            self.emit(
                f"{t} = ({a} {op} {b}) if type({a}) is type({b}) and type({a}) in _SIMPLE "
                f"else {'not ' if op == '!=' else ''}_eq({a}, {b})"
            )
            return t
        if op == "in":
            strings = self.namespace.get(b)
            if type(strings) is list and all(type(s) is str for s in strings):
                fs = self.constant(frozenset(strings))
                self.emit(f"{t} = ({a} in {fs}) if type({a}) is str else _binary_op('in', {a}, {b})")
                return t
            self.emit(
                f"{t} = ({a} in {b}) if type({a}) is str and (type({b}) is list or type({b}) is dict) "
                f"else _binary_op('in', {a}, {b})"
            )
            return t
        self.emit(
            f"{t} = ({a} {op} {b}) if type({a}) is type({b}) and type({a}) in _ORDERED "
            f"else _binary_op({op!r}, {a}, {b})"
        )
        return t

    def ternary(self, node: Ternary, scope: dict[str, int]) -> str:
        cond = self.gen(node.cond, scope)
        t = self.tmp()
        self.inlined += 1
        self.emit(f"if {cond} is True:")
        self.indent()
        self.emit(f"{t} = {self.gen(node.then, scope)}")
        self.dedent()
        self.emit(f"elif {cond} is False:")
        self.indent()
        self.emit(f"{t} = {self.gen(node.other, scope)}")
        self.dedent()
        self.emit(f"else: raise _no_overload('_?_:_', {cond})")
        return t

    def call(self, node: Call, scope: dict[str, int]) -> str:
        arg = self.has_arg(node, scope)
        if arg is not None:
            return self.has(arg, scope, negate=False)
        name = node.name
        target = node.target
        if target is not None and (
            (name == "orValue" and len(node.args) == 1) or (name == "hasValue" and not node.args)
        ):
            chain = self.optional_chain(target, scope)
            if chain is not None:
                return self.chain_ending(node, chain[0], chain[1], scope)
        namespaced = isinstance(target, Ident) and target.name in c._NAMESPACES and target.name not in scope
        parts = node.args if target is None else (target, *node.args)
        literal_only = all(isinstance(p, Literal) for p in parts)  # folded by the closure compiler
        if target is not None and not namespaced and name in ("all", "exists"):
            return self.quantifier(node, target, scope)
        if target is not None and not namespaced and name in ("filter", "map", "exists_one"):
            return self.comprehension(node, target, scope)
        if namespaced or literal_only:
            return self.closure(node, scope)
        if name in _TEXT and len(parts) == 2:
            a = self.gen(parts[0], scope)
            b = self.gen(parts[1], scope)
            fn = self.constant(_BUILTINS[name])
            t = self.tmp()
            self.inlined += 1
            expr = _TEXT[name].format(a=a, b=b)
            self.emit(f"{t} = ({expr}) if type({a}) is str and type({b}) is str else _call_wrapped({fn}, [{a}, {b}])")
            return t
        if name == "size" and len(parts) == 1:
            a = self.gen(parts[0], scope)
            fn = self.constant(_BUILTINS["size"])
            t = self.tmp()
            self.inlined += 1
            self.emit(
                f"{t} = len({a}) if type({a}) is list or type({a}) is str or type({a}) is dict "
                f"else _call_wrapped({fn}, [{a}])"
            )
            return t
        return self.closure(node, scope)

    def optional_chain(self, node: Node, scope: dict[str, int]) -> tuple[Node, tuple[c._Step, ...]] | None:
        """``base.?a[?'k'].?b``: the base and the steps, when every step is optional (a field, or a string or int
        literal key) and the base is not ``variables``; else None."""
        steps: list[c._Step] = []
        while True:
            if isinstance(node, Select) and node.optional and not self.compiler.is_variables(node.operand, scope):
                steps.append((False, node.field, True))
                node = node.operand
                continue
            if isinstance(node, Index) and node.optional and isinstance(node.key, Literal):
                key = c._Compiler.literal_value(node.key)
                if type(key) is str or type(key) is int:
                    steps.append((True, key, True))
                    node = node.operand
                    continue
            break
        if not steps:
            return None
        steps.reverse()
        return node, tuple(steps)

    def chain_ending(self, node: Call, base: Node, steps: tuple[c._Step, ...], scope: dict[str, int]) -> str:
        """``<all-optional chain>.orValue(d)`` / ``.hasValue()``: maps walked inline, anything else by ``_walk``.

        After the first (optional) step the value is present or absent, never plain, so ``orValue`` returns the
        present value or the default and ``hasValue`` whether it is present."""
        v = self.tmp("v")
        state = self.tmp("s")  # 0 walking, 1 absent, 2 finished by _walk (present)
        self.emit(f"{v} = {self.gen(base, scope)}")
        self.emit(f"{state} = 0")
        self.inlined += 1
        for i, (_, key, _) in enumerate(steps):
            rest = self.constant(steps[i:])
            self.emit(f"if {state} == 0:")
            self.emit(f"    if type({v}) is dict:")
            self.emit(f"        {v} = {v}.get({self.constant(key)}, _MISSING)")
            self.emit(f"        if {v} is _MISSING: {state} = 1")
            self.emit("    else:")
            self.emit(f"        {state}, {v} = _finish({v}, {rest}, {c._PLAIN if i == 0 else c._PRESENT})")
        t = self.tmp()
        if node.name == "hasValue":
            self.emit(f"{t} = {state} != 1")
            return t
        self.emit(f"if {state} == 1:")
        self.indent()
        self.emit(f"{t} = {self.gen(node.args[0], scope)}")
        self.dedent()
        self.emit("else:")
        self.emit(f"    {t} = {v}")
        return t

    def comprehension(self, node: Call, target: Node, scope: dict[str, int]) -> str:
        """``filter``, ``map`` (with its optional filter) and ``exists_one`` (see ``_Compiler.macro``): errors are
        not absorbed, a non-boolean predicate is a no-overload error of ``_?_:_``."""
        name = node.name
        if len(node.args) not in (2, 3) or not isinstance(node.args[0], Ident):
            return self.closure(node, scope)
        var = node.args[0].name
        items = self.gen(target, scope)
        slot = self.compiler.slot()
        inner = {**scope, var: slot}
        t = self.tmp()
        self.inlined += 1
        self.emit(f"{t} = 0" if name == "exists_one" else f"{t} = []")
        self.emit(f"for frame[{slot}] in ({items} if type({items}) is list else _items({name!r}, {items})):")
        self.indent()
        if name == "map" and len(node.args) == 3:
            keep = self.gen(node.args[1], inner)
            self.emit(f"if {keep} is False: continue")
            self.emit(f"if {keep} is not True: raise _no_overload('_?_:_', {keep})")
        b = self.gen(node.args[-1], inner)
        if name == "map":
            self.emit(f"{t}.append({b})")
        elif name == "filter":
            self.emit(f"if {b} is True: {t}.append(frame[{slot}])")
            self.emit(f"elif {b} is not False: raise _no_overload('_?_:_', {b})")
        else:
            self.emit(f"if {b} is not True and {b} is not False: raise _no_overload('_?_:_', {b})")
            self.emit(f"{t} += {b}")
        self.dedent()
        if name == "exists_one":
            self.emit(f"{t} = {t} == 1")
        return t

    def quantifier(self, node: Call, target: Node, scope: dict[str, int]) -> str:
        """``all``/``exists`` (see ``_compiler._quantifier``)."""
        name = node.name
        if len(node.args) not in (2, 3) or not isinstance(node.args[0], Ident):
            return self.closure(node, scope)
        var = node.args[0].name
        items = self.gen(target, scope)
        slot = self.compiler.slot()
        inner = {**scope, var: slot}
        decisive, neutral = ("True", "False") if name == "exists" else ("False", "True")
        operator_name = "_||_" if name == "exists" else "_&&_"
        t = self.tmp()
        e = self.tmp("e")
        self.inlined += 1
        self.emit(f"{e} = None")
        self.emit(f"for frame[{slot}] in ({items} if type({items}) is list else _items({name!r}, {items})):")
        self.indent()
        self.emit("try:")
        self.indent()
        b = self.gen(node.args[-1], inner)
        self.emit(f"{t} = {b}")
        self.dedent()
        self.emit("except CelRuntimeError as _x:")
        self.emit(f"    if {e} is None: {e} = _x")
        self.emit("    continue")
        self.emit(f"if {t} is {decisive}: break")
        self.emit(f"if {t} is not {neutral} and {e} is None: {e} = _no_overload({operator_name!r}, {t})")
        self.dedent()
        self.emit("else:")
        self.emit(f"    if {e} is not None: raise {e}")
        self.emit(f"    {t} = {neutral}")
        return t
