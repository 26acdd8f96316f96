"""Compile and evaluate Kyverno ``validate.cel`` rules and ``celPreconditions`` (Kyverno 1.13 semantics).

Kyverno 1.13 runs a ``validate.cel`` rule through the Kubernetes ValidatingAdmissionPolicy validator
(``pkg/engine/handlers/validation/validate_cel.go``). What this module reproduces:

* ``variables`` are exposed as ``variables.<name>``, lazily: a variable that fails to evaluate makes an expression
  that uses it an evaluation error (``... resulted in error: composited variable "x" fails to evaluate: <cause>``);
  an unused failing variable is harmless.
* ``expressions`` are evaluated in order; the first one that is not ``true`` (``false`` or any non-boolean value)
  decides. Its message is the ``messageExpression`` result (a non-empty single-line string), else ``message``
  (else the rule's ``validate.message``), else ``failed expression: <expression>``.
* An evaluation error gives ``expression '<expression>' resulted in error: <cause>``. Kyverno 1.13 builds the
  validator without a failure policy, so Kubernetes applies ``Fail`` and the error becomes a *denial*: the rule
  reports ``fail`` with that message. That is our default; pass ``error_status="error"`` to report such rules as
  ``error`` instead ("could not evaluate").
* ``celPreconditions``: any condition ``false`` → not met; otherwise any error → :class:`CelEvaluationError`.
* Bindings: ``object``, ``oldObject``, ``request`` (all admission-request fields, zero values unless given),
  ``namespaceObject`` (offline: ``{metadata: {name}}``), ``params`` and ``authorizer`` (an offline stub that denies
  every check).

How: at policy load every expression, variable and messageExpression is parsed (:mod:`._syntax`) and compiled to
Python (:mod:`._compiler`: closures with exactly the semantics of the cel-go-like :mod:`._interpreter`;
:mod:`._codegen`: one generated function per expression for the hot shapes, calling those closures for the rest).
They run directly over the Python values of the bindings, with ``variables.<name>`` evaluated lazily, at most once
per resource (outcomes cached in the activation; variables that read only the resource are shared by rules).

The Rust engine (``cel`` package) is kept for two things: validating the syntax at load time (its parse errors are
the messages of :class:`CelError`), and as the fallback for what the compiler does not cover, decided per
expression: a source our parser rejects, or a closure raising anything but :class:`._errors.CelRuntimeError` (data
the interpreter does not handle either). The fallback is the previous path: expressions rewritten to plain CEL
(optional syntax, ``cel.bind``, ``variables`` inlined), run by the Rust engine, and when it reports an error
re-evaluated by the interpreter. The bench and conformance expressions never take it.

Speed: build one :class:`ResourceActivation` per resource (a few µs, no conversion) and pass it to every
``evaluate_*`` call for that resource; the Rust engine's context is created and filled only if a program falls
back to it. An activation is not thread-safe; use one per worker.
"""

from __future__ import annotations

import logging
import sys
import types
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from policy_platform.engines.kyverno.cel._compiler import CompiledExpr, RuleVariables, compile_expression, roots_of
from policy_platform.engines.kyverno.cel._errors import CelRuntimeError

if TYPE_CHECKING:
    from policy_platform.engines.kyverno.cel._interpreter import Interpreter
from policy_platform.engines.kyverno.cel._library import FUNCTIONS, authorizer_stub
from policy_platform.engines.kyverno.cel._syntax import (
    CelSyntaxError,
    bind_object_paths,
    rewrite,
    tokenize,
    variable_refs,
)

__all__ = [
    "CelError",
    "CelEvaluationError",
    "CelResult",
    "CompiledPreconditions",
    "CompiledValidation",
    "ResourceActivation",
    "compile_preconditions",
    "compile_validation",
    "evaluate_preconditions",
    "evaluate_validation",
]

_MAX_MESSAGE_BYTES = 5 * 1024
_R = TypeVar("_R")


class CelError(Exception):
    """A CEL rule that cannot be compiled; ``str()`` is one line naming the location and the expression."""


class CelEvaluationError(Exception):
    """A CEL precondition that could not be evaluated; ``str()`` is one line naming the location and expression.

    ``message`` is the text Kyverno reports for it (Kubernetes' aggregate of the condition errors, without location).
    """

    def __init__(self, text: str, *, message: str = "") -> None:
        super().__init__(text)
        self.message = message or text


@dataclass(frozen=True, slots=True)
class CelResult:
    """The outcome of one ``validate.cel`` rule on one resource."""

    status: Literal["pass", "fail", "error"]
    message: str = ""


def _cel() -> Any:
    """Import the Rust CEL engine lazily, without its command-line module (saves about 130 ms).

    The engine logs a warning on the ``cel`` logger whenever a Python function raises (which is how our library
    functions report misuse, and which becomes an evaluation error anyway); a ``NullHandler`` keeps that warning
    off stderr when the application has not configured logging.
    """
    module = sys.modules.get("cel")
    if module is not None and hasattr(module, "compile"):
        return module
    if "cel.cli" not in sys.modules:
        sys.modules["cel.cli"] = types.ModuleType("cel.cli")
    import cel  # deliberately lazy, see the docstring

    logger = logging.getLogger("cel")
    if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
        logger.addHandler(logging.NullHandler())
    return cel


# ------------------------------------------------------------------------------------------------ compiled forms


_LAZY_ROOTS = ("object", "oldObject", "request", "namespaceObject", "authorizer", "params", "variables")


def _roots(text: str) -> tuple[str, ...]:
    try:
        names = {t.text for t in tokenize(text) if t.kind == "ident"}
    except CelSyntaxError:
        return _LAZY_ROOTS
    return tuple(r for r in _LAZY_ROOTS if r in names)


@dataclass(frozen=True, slots=True)
class _Program:
    """One compiled expression with the ``variables.<name>`` it references.

    ``fast`` is the same expression with ``object`` field chains read from variables (``paths``: name → (path, has),
    see :func:`._syntax.bind_object_paths`), or None when there are none.
    """

    source: str
    program: Any = field(repr=False, compare=False)
    variable_refs: tuple[str, ...] = ()
    fast: Any = field(default=None, repr=False, compare=False)
    paths: tuple[tuple[str, tuple[str, ...], bool], ...] = ()
    roots: tuple[str, ...] = _LAZY_ROOTS  # the (lazily bound) activation roots the executed program names
    compiled: CompiledExpr | None = field(default=None, repr=False, compare=False)  # see :mod:`._compiler`


@dataclass(frozen=True, slots=True)
class _Variable:
    name: str
    expr: _Program


@dataclass(frozen=True, slots=True)
class _Validation:
    expr: _Program
    message: str = ""
    message_expression: _Program | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class CompiledValidation:
    """A precompiled ``validate.cel`` block (see :func:`compile_validation`)."""

    location: str
    variables: tuple[_Variable, ...]
    validations: tuple[_Validation, ...]
    has_params: bool = False
    variable_programs: RuleVariables = field(default_factory=RuleVariables, repr=False, compare=False)
    memo: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)  # for callers (e.g. result objects)

    def evaluate(
        self, activation: ResourceActivation, error_status: Literal["fail", "error"] = "fail", params: Any = None
    ) -> CelResult:
        """:func:`evaluate_validation` on an activation (the engine's per-rule call)."""
        bindings = activation._bindings
        if params is not None or bindings["params"] is not None:
            activation._set_params(params)
        slow: list[Interpreter] = []
        roots = activation._roots
        cache = activation._shared
        for index, validation in enumerate(self.validations):
            expr = validation.expr
            program = expr.compiled
            try:
                if program is None:
                    result = _fallback(activation, expr, slow, self.variables)
                else:
                    try:
                        result = program.fn([cache, *roots, *program.pad])
                    except CelRuntimeError:
                        raise
                    except Exception:  # not covered by the closures
                        result = _fallback(activation, expr, slow, self.variables)
            except CelRuntimeError as err:
                return CelResult(error_status, f"expression '{expr.source.strip()}' resulted in error: {err}")
            if result is True:
                continue
            # like Kubernetes: anything but true (false, or a non-boolean value) denies with the failure message
            if validation.message_expression is None:  # a static message: one (immutable) result per validation
                key = ("denied", index)
                denied: CelResult | None = self.memo.get(key)
                if denied is None:
                    denied = self.memo[key] = CelResult("fail", _failure_message(validation, _no_run))
                return denied
            return CelResult(
                "fail",
                _failure_message(validation, lambda e: _evaluate(activation, e, cache, slow, self.variables)),
            )
        return _PASS

    def runner(self, passed: _R, denied: Callable[[str], _R]) -> Callable[[ResourceActivation], _R | None]:
        """A one-call form of :meth:`evaluate` (default ``error_status``, no ``params``) for callers with their own
        result objects: ``run(activation)`` returns ``passed`` when every expression is true, ``denied(message)``
        (made here, once per validation) when one with a static message denies, and None when the caller must call
        :meth:`evaluate` for the outcome (an evaluation error or a fallback, a ``messageExpression`` to run, params
        set on the activation). Same outcomes as :meth:`evaluate`: the expressions run in order on the same frame, and
        what they cache in the activation (variable outcomes) is what :meth:`evaluate` would cache.
        """
        steps: list[tuple[Any, tuple[None, ...] | None, _R | None]] = []
        for validation in self.validations:
            program = validation.expr.compiled
            if program is None:  # the fallback path: evaluate decides
                return _undecided
            fail = None if validation.message_expression is not None else denied(_failure_message(validation, _no_run))
            # without comprehension slots a program only reads its frame: the activation's frame start is shared
            steps.append((program.fn, program.pad or None, fail))
        if len(steps) == 1 and steps[0][1] is None:  # one expression, no comprehension slots
            fn, _pad, fail = steps[0]

            def run_one(activation: ResourceActivation) -> _R | None:
                frame = activation._frame
                if frame is None:
                    return None
                try:
                    result = fn(frame)
                except Exception:  # an error or a fallback: evaluate reports it
                    return None
                return passed if result is True else fail

            return run_one
        all_steps = tuple(steps)

        def run(activation: ResourceActivation) -> _R | None:
            frame = activation._frame
            if frame is None:
                return None
            try:
                for fn, pad, fail in all_steps:
                    if fn(frame if pad is None else [*frame, *pad]) is not True:
                        return fail
            except Exception:  # an error or a fallback: evaluate reports it
                return None
            return passed

        return run

    def programs(self) -> Iterator[_Program]:
        """The programs evaluation may execute (for :meth:`ResourceActivation.prepare`)."""
        for validation in self.validations:
            yield validation.expr
            if validation.message_expression is not None:
                yield validation.message_expression


@dataclass(frozen=True, slots=True)
class _Condition:
    name: str
    expr: _Program


@dataclass(frozen=True, slots=True)
class CompiledPreconditions:
    """Precompiled ``celPreconditions`` (see :func:`compile_preconditions`)."""

    location: str
    conditions: tuple[_Condition, ...]

    def evaluate(self, activation: ResourceActivation) -> bool:
        """:func:`evaluate_preconditions` on an activation (the engine's per-rule call)."""
        return evaluate_preconditions(self, activation=activation)

    def programs(self) -> Iterator[_Program]:
        """The programs evaluation may execute (for :meth:`ResourceActivation.prepare`)."""
        return (c.expr for c in self.conditions)


def _compile(
    source: Any,
    *,
    location: str,
    what: str,
    definitions: Mapping[str, str] | None = None,
    variables: RuleVariables | None = None,
) -> tuple[_Program, str]:
    """Compile one expression (optional syntax rewritten, earlier ``variables`` inlined); returns it and its text.

    The expression as written is also compiled to closures (:mod:`._compiler`), ``variables`` being the names of
    the rule's variables; that is what evaluation runs when it covers the expression.
    """
    if not isinstance(source, str) or not source.strip():
        raise CelError(f"{location}: {what} must be a non-empty string")
    one_line = " ".join(source.split())
    try:
        rewritten = rewrite(source, definitions)
        refs = variable_refs(source)
    except CelSyntaxError as err:
        raise CelError(f"{location}: {what} {one_line!r}: {err}") from None
    try:
        program = _cel().compile(rewritten)
    except (ValueError, RuntimeError) as err:
        raise CelError(f"{location}: {what} {one_line!r}: {_compile_message(str(err))}") from None
    compiled = compile_expression(source) if variables is None else compile_expression(source, variables)
    fast: Any = None
    paths: tuple[tuple[str, tuple[str, ...], bool], ...] = ()
    roots = _roots(rewritten)
    if compiled is None:  # the Rust engine will run it: read object paths into variables (cheaper for the engine)
        try:
            bound, found = bind_object_paths(rewritten)
            if found:
                fast = _cel().compile(bound)
                paths = tuple((name, path, has) for name, (path, has) in found.items())
                roots = _roots(bound)
        except (CelSyntaxError, ValueError, RuntimeError):  # keep the plain program
            fast, paths, roots = None, (), _roots(rewritten)
    return _Program(source, program, refs, fast, paths, roots, compiled), rewritten


def _compile_message(text: str) -> str:
    """The first useful line of the engine's parse error (``ERROR: <input>:1:7: unexpected ...``)."""
    for line in text.splitlines():
        if "ERROR:" in line:
            detail = line.split("ERROR:", 1)[1].strip()
            if detail.startswith("<input>:"):
                parts = detail.split(":", 3)
                if len(parts) == 4:
                    return f"{parts[3].strip()} (line {parts[1]}, column {parts[2]})"
            return detail
    return text.splitlines()[0] if text else "syntax error"


def compile_validation(cel: Mapping[str, Any], *, location: str, message: str = "") -> CompiledValidation:
    """Compile a rule's ``validate.cel`` mapping; ``message`` is the rule's ``validate.message`` (the fallback).

    Accepts ``expressions[{expression, message, messageExpression, reason}]``, ``variables[{name, expression}]``,
    ``paramKind``, ``paramRef`` and ``auditAnnotations`` (accepted, not evaluated offline). Raises :class:`CelError`.
    """
    if not isinstance(cel, Mapping):
        raise CelError(f"{location}: validate.cel must be a mapping")
    known = {"expressions", "variables", "paramKind", "paramRef", "auditAnnotations", "generate"}
    unknown = sorted(str(k) for k in cel if k not in known)
    if unknown:
        raise CelError(f"{location}: validate.cel: unknown field {unknown[0]!r}")
    variables: list[_Variable] = []
    definitions: dict[str, str] = {}
    seen: set[str] = set()
    entries = _entries(cel.get("variables"), f"{location}: validate.cel.variables")
    rule_variables = RuleVariables(frozenset(str(e.get("name")) for e in entries))
    for i, entry in enumerate(entries):
        name = entry.get("name")
        where = f"{location}: validate.cel.variables[{i}]"
        if not isinstance(name, str) or not name.isidentifier():
            raise CelError(f"{where}: name must be a CEL identifier, got {name!r}")
        if name in seen:
            raise CelError(f"{where}: duplicate variable name {name!r}")
        seen.add(name)
        expr, definitions[name] = _compile(
            entry.get("expression"),
            location=where,
            what="expression",
            definitions=definitions,
            variables=rule_variables,
        )
        rule_variables.add(name, expr.compiled)
        variables.append(_Variable(name, expr))
    validations: list[_Validation] = []
    for i, entry in enumerate(_entries(cel.get("expressions"), f"{location}: validate.cel.expressions")):
        where = f"{location}: validate.cel.expressions[{i}]"
        msg = entry.get("message") or message or ""
        if not isinstance(msg, str):
            raise CelError(f"{where}: message must be a string")
        msg_expr = entry.get("messageExpression")
        validations.append(
            _Validation(
                expr=_compile(
                    entry.get("expression"),
                    location=where,
                    what="expression",
                    definitions=definitions,
                    variables=rule_variables,
                )[0],
                message=msg,
                message_expression=(
                    None
                    if msg_expr is None
                    else _compile(
                        msg_expr,
                        location=where,
                        what="messageExpression",
                        definitions=definitions,
                        variables=rule_variables,
                    )[0]
                ),
                reason=str(entry.get("reason") or ""),
            )
        )
    return CompiledValidation(
        location=location,
        variables=tuple(variables),
        validations=tuple(validations),
        has_params=cel.get("paramKind") is not None or cel.get("paramRef") is not None,
        variable_programs=rule_variables,
    )


def _entries(value: Any, where: str) -> list[Mapping[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise CelError(f"{where} must be a list of mappings")
    return value


def compile_preconditions(preconditions: Sequence[Mapping[str, Any]], *, location: str) -> CompiledPreconditions:
    """Compile a rule's ``celPreconditions`` (``[{name, expression}]``); raises :class:`CelError`."""
    if not isinstance(preconditions, Sequence) or isinstance(preconditions, str | bytes):
        raise CelError(f"{location}: celPreconditions must be a list")
    conditions: list[_Condition] = []
    for i, entry in enumerate(preconditions):
        where = f"{location}: celPreconditions[{i}]"
        if not isinstance(entry, Mapping):
            raise CelError(f"{where} must be a mapping")
        expr, _ = _compile(entry.get("expression"), location=where, what="expression")
        conditions.append(_Condition(str(entry.get("name") or ""), expr))
    return CompiledPreconditions(location=location, conditions=tuple(conditions))


# ------------------------------------------------------------------------------------------------ activation


def _request(obj: Any, old_object: Any, given: Mapping[str, Any] | None) -> dict[str, Any]:
    """The ``request`` binding: Kubernetes' admission request fields with their zero values, then ``given`` on top.

    Kubernetes declares ``request`` with a schema, so an unset field reads as its zero value (``''``, ``[]``), never
    as a missing key; ``given`` (e.g. operation, userInfo from a test's values) overrides field by field, and
    ``userInfo`` is merged the same way.
    """
    # (type checks first: isinstance against an ABC costs more than the rest of a check)
    if type(obj) is dict or isinstance(obj, Mapping):
        source: Mapping[str, Any] = obj
    else:
        source = old_object if type(old_object) is dict or isinstance(old_object, Mapping) else {}
    api_version = str(source.get("apiVersion") or "")
    group, _, version = api_version.rpartition("/")
    raw_metadata = source.get("metadata")
    metadata: Mapping[str, Any] = (
        raw_metadata if type(raw_metadata) is dict or isinstance(raw_metadata, Mapping) else {}
    )
    operation = "CREATE" if old_object is None else "UPDATE" if obj is not None else "DELETE"
    kind = {"group": group, "version": version, "kind": str(source.get("kind") or "")}
    resource = {"group": group, "version": version, "resource": ""}
    request: dict[str, Any] = {
        "uid": "",
        "kind": kind,
        "resource": resource,
        "subResource": "",
        "requestKind": kind,
        "requestResource": resource,
        "requestSubResource": "",
        "name": str(metadata.get("name") or ""),
        "namespace": str(metadata.get("namespace") or ""),
        "operation": operation,
        "userInfo": {"username": "", "uid": "", "groups": [], "extra": {}},
        "dryRun": False,
    }
    for key, value in (given or {}).items():
        if key == "userInfo" and isinstance(value, Mapping):
            request["userInfo"] = {**request["userInfo"], **value}
        else:
            request[key] = value
    return request


def _default_namespace_object(obj: Any, old_object: Any) -> Any:
    source = obj if isinstance(obj, Mapping) else old_object if isinstance(old_object, Mapping) else {}
    if source.get("kind") == "Namespace" and source.get("apiVersion") == "v1":
        return None
    metadata = source.get("metadata")
    namespace = metadata.get("namespace") if isinstance(metadata, Mapping) else None
    return {"metadata": {"name": namespace}} if namespace else None


class ResourceActivation:
    """The CEL bindings for one resource, built once and reused by every rule evaluated on that resource.

    ``request`` defaults to a CREATE request (UPDATE when ``old_object`` is given) describing ``obj``, with every
    admission-request field present (zero values); a given ``request`` overrides it field by field;
    ``namespace_object`` defaults to ``{metadata: {name: <metadata.namespace>}}`` (none for a Namespace).
    """

    __slots__ = ("_bindings", "_context", "_frame", "_paths", "_prepared", "_roots", "_shared")

    def __init__(
        self,
        *,
        obj: Any,
        old_object: Any = None,
        request: Mapping[str, Any] | None = None,
        namespace_object: Any = None,
    ) -> None:
        if namespace_object is None:
            namespace_object = _default_namespace_object(obj, old_object)
        bindings = {
            "object": obj,
            "oldObject": old_object,
            "request": _request(obj, old_object, request),
            "namespaceObject": namespace_object,
            "authorizer": authorizer_stub(),
            "params": None,
            "variables": {},
        }
        self._bindings = bindings
        # the Rust engine's context exists only when a program falls back to it; bindings are converted for it only
        # when a program names them, in batches (see prepare)
        self._context: Any = None
        self._paths: set[str] = set()
        self._prepared: list[Iterable[_Program]] = []
        # the outcome of each variable evaluated for this resource (see _compiler._run_variable): by source for those
        # that read only the resource bindings (shared by rules), else by program
        self._shared: dict[Any, tuple[bool, Any]] = {}
        self._roots = roots_of(bindings)  # the bindings as compiled closures read them
        # the frame start compiled closures run on ([cache, *roots]; see CompiledValidation.runner); None with params
        self._frame: list[Any] | None = [self._shared, *self._roots]

    def _engine_context(self) -> Any:
        """The Rust engine's context, created (with the programs given to :meth:`prepare` bound) on first use."""
        if self._context is None:
            self._context = _cel().Context(variables={}, functions=dict(FUNCTIONS))
            out: dict[str, Any] = {}
            for programs in self._prepared:
                for expr in programs:
                    self._pending(expr, out)
            self._prepared = []
            if out:
                self._context.update(out)
        return self._context

    def _set_params(self, params: Any) -> None:
        if params is self._bindings["params"]:
            return
        self._bindings["params"] = params
        self._roots = roots_of(self._bindings)
        self._frame = None if params is not None else [self._shared, *self._roots]
        self._shared.clear()  # variable outcomes may depend on params
        if self._context is not None and "params" in self._paths:
            self._context.add_variable("params", params)

    def _pending(self, expr: _Program, out: dict[str, Any]) -> None:
        """Add to ``out`` the bindings and bound paths ``expr`` reads that the engine's context does not hold yet."""
        done = self._paths
        for root in expr.roots:
            if root not in done:
                done.add(root)
                out[root] = self._bindings[root]
        for name, path, has in expr.paths:
            if name in done:
                continue
            done.add(name)
            value: Any = self._bindings["object"]
            for seg in path[:-1] if has else path:
                if not isinstance(value, dict) or seg not in value:
                    break
                value = value[seg]
            else:
                if has:
                    if not isinstance(value, dict):
                        continue
                    value = path[-1] in value
                out[name] = value

    def prepare(self, programs: Iterable[_Program]) -> None:
        """Bind at once everything ``programs`` read, if the Rust engine is ever needed (optional).

        The engine rebuilds its evaluation state on the first execution after any change to the context, so one
        batch before the first program is cheaper than one change before each.
        """
        if self._context is None:  # kept as given (an iterator is consumed only if the engine is ever needed)
            self._prepared.append(programs)
            return
        out: dict[str, Any] = {}
        for expr in programs:
            self._pending(expr, out)
        if out:
            self._context.update(out)

    def _run(self, expr: _Program) -> Any:
        """Execute ``expr`` on the Rust engine (the fallback path)."""
        context = self._engine_context()
        out: dict[str, Any] = {}
        self._pending(expr, out)
        if out:
            context.update(out)
        return (expr.program if expr.fast is None else expr.fast).execute(context)

    def _plain_error(self, expr: _Program, err: Exception) -> Exception:
        """The error of the expression as written (not the path-bound form), for error text."""
        if expr.fast is None:
            return err
        context = self._engine_context()
        for root in _LAZY_ROOTS:
            if root not in self._paths:
                self._paths.add(root)
                context.add_variable(root, self._bindings[root])
        try:
            expr.program.execute(context)
        except Exception as plain:
            return plain
        return err

    def _interpreter(self, variables: Sequence[_Variable] = ()) -> Interpreter:
        """The slow path with cel-go's error semantics, over the same data (see :mod:`._interpreter`)."""
        from policy_platform.engines.kyverno.cel._interpreter import Interpreter  # imported on the slow path only

        return Interpreter(self._bindings, [(v.name, v.expr.source) for v in variables])


def _evaluate(
    act: ResourceActivation,
    expr: _Program,
    cache: dict[Any, Any],
    slow: list[Interpreter],
    variables: Sequence[_Variable],
) -> Any:
    """Evaluate ``expr`` with cel-go's semantics; raises :class:`CelRuntimeError` with the cel-go-like cause.

    The compiled closures (:mod:`._compiler`) run first, with ``cache`` holding the variable outcomes of the resource.
    When the expression is not compiled, or its closure raises anything but :class:`CelRuntimeError`, the previous
    path decides (:func:`_fallback`).
    """
    program = expr.compiled
    if program is not None:
        try:
            return program.fn([cache, *act._roots, *program.pad])
        except CelRuntimeError:
            raise
        except Exception:  # not covered by the closures: the fallback path decides
            pass
    return _fallback(act, expr, slow, variables)


def _fallback(act: ResourceActivation, expr: _Program, slow: list[Interpreter], variables: Sequence[_Variable]) -> Any:
    """The path for what the closures do not cover: the Rust engine, and when it reports an error the interpreter
    (``slow`` caches it, and its own variables, for the other expressions of the same rule), else the engine's error
    text."""
    try:
        return act._run(expr)
    except Exception as err:  # the fast engine stops at the first error; cel-go may absorb it
        fast_error = err
    if not slow:
        slow.append(act._interpreter(variables))
    try:
        return slow[0].evaluate(expr.source)
    except CelRuntimeError:
        raise
    except Exception:  # a construct the interpreter does not cover: report the engine's own error
        raise CelRuntimeError(_error_text(act._plain_error(expr, fast_error))) from None


def _activation(
    activation: ResourceActivation | None,
    *,
    obj: Any,
    old_object: Any,
    request: Mapping[str, Any] | None,
    namespace_object: Any,
) -> ResourceActivation:
    if activation is not None:
        return activation
    return ResourceActivation(obj=obj, old_object=old_object, request=request, namespace_object=namespace_object)


_PASS = CelResult("pass")


def _undecided(activation: ResourceActivation) -> None:
    """The runner of a validation the closures do not fully cover: the caller calls evaluate."""


# ------------------------------------------------------------------------------------------------ errors


def _error_text(err: BaseException) -> str:
    """A one-line, cel-go-like description of an engine exception."""
    if isinstance(err, KeyError):
        key = err.args[0] if err.args else ""
        return f"no such key: {key}"
    if isinstance(err, IndexError):
        return str(err) or "index out of bounds"
    if isinstance(err, ZeroDivisionError):
        return "division by zero"
    text = str(err).strip()
    if "Python function call failed:" in text:
        text = text.split("Python function call failed:", 1)[1].strip()
        text = text.removesuffix(". Check function arguments and their types.")
        for prefix in ("ValueError: ", "QuantityError: ", "TypeError: "):
            text = text.removeprefix(prefix)
    elif text.startswith("Undefined variable or function:"):
        name = text.split(":", 1)[1].split(".", 1)[0].strip()
        text = f"undeclared reference to {name}"
    elif text.startswith("No such overload"):
        text = "no such overload"
    return " ".join(text.split()) or type(err).__name__


# ------------------------------------------------------------------------------------------------ evaluation


def evaluate_validation(
    compiled: CompiledValidation,
    *,
    obj: Any = None,
    old_object: Any = None,
    request: Mapping[str, Any] | None = None,
    namespace_object: Any = None,
    params: Any = None,
    activation: ResourceActivation | None = None,
    error_status: Literal["fail", "error"] = "fail",
) -> CelResult:
    """Evaluate a compiled ``validate.cel`` block; never raises for evaluation problems.

    An evaluation error yields ``error_status`` (``fail`` like Kyverno 1.13, see the module docstring).
    """
    act = _activation(activation, obj=obj, old_object=old_object, request=request, namespace_object=namespace_object)
    return compiled.evaluate(act, error_status, params)


def _no_run(expr: _Program) -> Any:
    raise AssertionError("no messageExpression to run")


def _failure_message(validation: _Validation, run: Callable[[_Program], Any]) -> str:
    message = ""
    msg_expr = validation.message_expression
    if msg_expr is not None:
        try:
            value = run(msg_expr)
        except CelRuntimeError:  # like Kubernetes: a failing messageExpression falls back to message
            value = None
        if isinstance(value, str):
            value = value.strip()
            if len(value.encode()) <= _MAX_MESSAGE_BYTES and "\n" not in value:
                message = value
    if not message:
        message = validation.message.strip()
    if not message:
        message = f"failed expression: {validation.expr.source.strip()}"
    return message


def evaluate_preconditions(
    compiled: CompiledPreconditions,
    *,
    obj: Any = None,
    old_object: Any = None,
    request: Mapping[str, Any] | None = None,
    namespace_object: Any = None,
    activation: ResourceActivation | None = None,
) -> bool:
    """Whether all ``celPreconditions`` hold; raises :class:`CelEvaluationError` when one cannot be evaluated.

    As Kubernetes ``matchConditions``: any condition ``false`` → not met (even if others fail to evaluate); else any
    evaluation error → :class:`CelEvaluationError`; anything else (``true`` or a non-boolean) → met. Kyverno 1.13 then
    reports the rule as ``fail`` with ``err.message`` (failure policy ``Fail``).
    """
    if not compiled.conditions:
        return True
    act = _activation(activation, obj=obj, old_object=old_object, request=request, namespace_object=namespace_object)
    errors: list[str] = []
    slow: list[Interpreter] = []
    for condition in compiled.conditions:
        expr = condition.expr
        try:
            result = _evaluate(act, expr, act._shared, slow, ())
        except CelRuntimeError as err:
            errors.append(f"expression '{expr.source.strip()}' resulted in error: {err}")
            continue
        if result is False:
            return False
    if errors:
        message = errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"
        raise CelEvaluationError(f"{compiled.location}: celPreconditions: {message}", message=message)
    return True
