"""Validation handlers (Kyverno ``pkg/engine/handlers/validation``): deny, pattern/anyPattern and foreach.

A :class:`Level` holds one level of a rule (the rule's ``validate`` block, or one ``foreach`` entry) and returns a
:class:`Result` or None ("no rule response": a foreach where no element applied).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from policy_platform.engines.kyverno.conditions import ConditionError, evaluate_conditions
from policy_platform.engines.kyverno.context import ContextError, inject, load_entries
from policy_platform.engines.kyverno.jmespath_dialect import JMESPathError, search, searcher
from policy_platform.engines.kyverno.operators import OperatorError
from policy_platform.engines.kyverno.pattern import (
    CompiledPattern,
    PatternError,
    PatternFailure,
    compile_cached,
    leaf_template,
    match_pattern,
    path_tuple,
)
from policy_platform.engines.kyverno.references import ReferenceError_, has_references, resolve_references
from policy_platform.engines.kyverno.variables import SubstitutionError, substitute_all
from policy_platform.model.findings import Status

EVAL_ERRORS = (SubstitutionError, ConditionError, OperatorError, JMESPathError, ContextError, ReferenceError_)


@dataclass(frozen=True, slots=True)
class Result:
    status: Status
    message: str
    path: tuple[str | int, ...] = ()


class _Unresolved(Exception):
    """The rule message could not be substituted."""


def _message(rule_name: str, message: Any, context: Any, *, raw_on_error: bool = True) -> str | None:
    """The rule's message substituted (None when absent).

    When substitution fails Kyverno keeps the raw message for deny rules (``raw_on_error``); pattern rules raise
    :class:`_Unresolved` so the caller can use Kyverno's "variables substitution error" wording.
    """
    if not message:
        return None
    try:
        value = substitute_all(message, context)
    except EVAL_ERRORS:
        if raw_on_error:
            return str(message)
        raise _Unresolved from None
    if not isinstance(value, str):
        return "the produced message didn't resolve to a string, check your policy definition."
    return value


def pattern_error_message(rule_name: str, message: Any, context: Any, err: PatternError | PatternFailure) -> str:
    try:
        msg = _message(rule_name, message, context, raw_on_error=False)
    except _Unresolved:
        return f"validation error: variables substitution error in rule {rule_name} execution error: {err.message}"
    if msg is None:
        if err.path:
            return f"validation error: rule {rule_name} failed at path {err.path}"
        return f"validation error: rule {rule_name} execution error: {err.message}"
    if not msg.endswith("."):
        msg += "."
    if err.path:
        return f"validation error: {msg} rule {rule_name} failed at path {err.path}"
    return f"validation error: {msg} rule {rule_name} execution error: {err.message}"


Runner = Callable[[dict[str, Any], Any], "Result | None"]

_SHARED_SIZE = 1024  # shared failure results kept per runner


@dataclass(frozen=True, slots=True)
class Level:
    """One level of validation: the rule's validate block, or a foreach entry.

    ``run``, when set (see :func:`compile_level`), evaluates the top-level handler directly: the same result as the
    generic dispatch of :func:`validate_level`, with everything that does not depend on the resource decided once.
    """

    rule_name: str
    message: Any
    spec: Mapping[str, Any]
    nesting: int
    rule_values: Mapping[str, Any] | None = None
    foreach_values: Mapping[str, list[Any]] | None = None
    plans: Mapping[int, Any] | None = None
    run: Runner | None = field(default=None, compare=False)


def compile_level(
    rule_name: str, message: Any, spec: Mapping[str, Any], plans: Mapping[int, Any], nesting: int = 0
) -> Level:
    """The :class:`Level` of a rule's validate block (or of a foreach entry at ``nesting`` > 0) with a direct runner
    for variable-free pattern/anyPattern handlers (compiled plans in ``plans``) and for foreach (child levels built
    once)."""
    level = Level(rule_name=rule_name, message=message, spec=spec, nesting=nesting, plans=plans)
    run: Runner | None = None
    if spec.get("deny") is not None:
        run = _deny_runner(rule_name, message, spec)
    else:
        pattern = spec.get("pattern")
        any_pattern = spec.get("anyPattern")
        if pattern is not None:
            plan = plans.get(id(pattern))
            run = (
                _pattern_runner(rule_name, message, plan)
                if plan is not None
                else _variable_pattern_runner(rule_name, message, pattern)
            )
        elif any_pattern is not None:
            plan_list = plans.get(id(any_pattern)) if isinstance(any_pattern, list) and any_pattern else None
            if plan_list is not None:
                run = _any_pattern_runner(rule_name, message, plan_list)
        elif spec.get("foreach") is not None:
            run = _foreach_runner(level)
    return level if run is None else replace(level, run=run)


def _deny_runner(name: str, message: Any, spec: Mapping[str, Any]) -> Runner:
    """:func:`_deny` with the conditions looked up once and the pass result (and, for a constant message, the failure
    without condition messages) shared."""
    deny = spec.get("deny") or {}
    conditions = deny.get("conditions") if isinstance(deny, dict) else None
    passed = Result(Status.PASS, f"validation rule '{name}' passed.")
    constant = not message or (isinstance(message, str) and "{{" not in message)
    failed = Result(Status.FAIL, message or f"validation error: rule {name} failed") if constant else None

    def run(context: dict[str, Any], resource: Any) -> Result:
        try:
            denied, messages = (True, []) if conditions is None else evaluate_conditions(conditions, context)
        except EVAL_ERRORS as exc:
            return Result(Status.ERROR, f"failed to check deny preconditions: {exc}")
        if not denied:
            return passed
        if failed is not None and not messages:
            return failed
        msg = _message(name, message, context)
        if msg is None:
            msg = f"validation error: rule {name} failed"
        if messages:
            msg = "; ".join([msg, *messages])
        return Result(Status.FAIL, msg)

    return run


def _pattern_runner(name: str, message: Any, plan: CompiledPattern) -> Runner:
    passed = Result(Status.PASS, f"validation rule '{name}' passed.")
    match = plan.check
    if message and (not isinstance(message, str) or "{{" in message):

        def run(context: dict[str, Any], resource: Any) -> Result:
            err = match(resource)
            if err is None:
                return passed
            return _pattern_failure(name, message, context, err)

        return run

    # a constant message: the failure texts of pattern_error_message without substitution
    if message:
        text = message if message.endswith(".") else message + "."
        at_path = f"validation error: {text} rule {name} failed at path "
        at_error = f"validation error: {text} rule {name} execution error: "
    else:
        at_path = f"validation error: rule {name} failed at path "
        at_error = f"validation error: rule {name} execution error: "

    # failures at a path are shared per path (the engine reuses its last outcome when handed the same object)
    failed: dict[str, Result] = {}

    matcher = plan.matcher  # plan.check without the call
    stateful = plan.stateful

    def run_constant(context: dict[str, Any], resource: Any) -> Result:
        seen: dict[str, bool] | None = {} if stateful else None
        fail = matcher(resource, seen)
        if fail is None:
            return passed
        err = PatternFailure(fail, seen)
        path = err.path
        if path:
            result = failed.get(path)
            if result is None:
                result = Result(Status.FAIL, at_path + path, path_tuple(path))
                if len(failed) < _SHARED_SIZE:
                    failed[path] = result
            return result
        if err.skip:
            return Result(Status.SKIP, err.message)
        return Result(Status.ERROR, at_error + err.message)

    return run_constant


def _variable_pattern_runner(name: str, message: Any, pattern: Any) -> Runner:
    """A pattern with variables: substituted per evaluation (references resolved first when it has any), then matched
    through the compiled-pattern cache."""
    passed = Result(Status.PASS, f"validation rule '{name}' passed.")
    references = has_references(pattern)
    template = None if references else leaf_template(pattern)
    if template is not None:
        # variables in string leaves only: substitute just those leaves (same calls, same order, same paths as the
        # whole-document walk) and look the compiled pattern up by their values
        leaves = [(text, path) for _location, text, path in template.leaves]
        compiled = template.compiled

        def run_leaves(context: dict[str, Any], resource: Any) -> Result:
            try:
                values = [substitute_all(text, context, path) for text, path in leaves]
            except EVAL_ERRORS as exc:
                return Result(Status.ERROR, f"variable substitution failed for rule {name}: {exc}")
            err = compiled(values).check(resource)
            if err is None:
                return passed
            return _pattern_failure(name, message, context, err)

        return run_leaves

    def run(context: dict[str, Any], resource: Any) -> Result:
        try:
            substituted = substitute_all(resolve_references(pattern) if references else pattern, context)
        except EVAL_ERRORS as exc:
            return Result(Status.ERROR, f"variable substitution failed for rule {name}: {exc}")
        err = compile_cached(substituted).check(resource)
        if err is None:
            return passed
        return _pattern_failure(name, message, context, err)

    return run


def _pattern_failure(
    name: str, message: Any, context: dict[str, Any], err: PatternError | PatternFailure
) -> Result:
    if err.skip:
        return Result(Status.SKIP, err.message)
    if not err.path:
        return Result(Status.ERROR, pattern_error_message(name, message, context, err))
    return Result(Status.FAIL, pattern_error_message(name, message, context, err), path_tuple(err.path))


def _any_pattern_runner(name: str, message: Any, plans: list[CompiledPattern]) -> Runner:
    passed = [Result(Status.PASS, f"validation rule '{name}' anyPattern[{idx}] passed.") for idx in range(len(plans))]
    matchers = [(p.matcher, p.stateful) for p in plans]  # p.check without the call
    # failures where every pattern failed at a path are shared per tuple of paths (the result depends on nothing else)
    failed: dict[tuple[str, ...], Result] = {}

    def run(context: dict[str, Any], resource: Any) -> Result:
        errors: list[PatternFailure] = []
        for idx, (matcher, stateful) in enumerate(matchers):
            seen: dict[str, bool] | None = {} if stateful else None
            fail = matcher(resource, seen)
            if fail is None:
                return passed[idx]
            errors.append(PatternFailure(fail, seen))
        paths = tuple([err.path for err in errors])
        if all(paths):
            result = failed.get(paths)
            if result is None:
                result = _any_pattern_failure(name, message, errors)
                if len(failed) < _SHARED_SIZE:
                    failed[paths] = result
            return result
        return _any_pattern_failure(name, message, errors)

    return run


def _any_pattern_failure(name: str, message: Any, errors: Sequence[PatternError | PatternFailure]) -> Result:
    """anyPattern when no pattern matched: any failure fails (messages joined), else every pattern skipped."""
    failed: list[str] = []
    skipped: list[str] = []
    first_path: tuple[str | int, ...] = ()
    for idx, err in enumerate(errors):
        if err.skip:
            skipped.append(f"rule {name}[{idx}] skipped: {err.message}")
            continue
        text = (
            f"rule {name}[{idx}] failed at path {err.path}" if err.path else f"rule {name}[{idx}] failed: {err.message}"
        )
        failed.append(text)
        if not first_path and err.path:
            first_path = path_tuple(err.path)
    if not failed and skipped:
        return Result(Status.SKIP, " ".join(skipped))
    joined = " ".join(failed)
    msg = str(message) if message else None  # Kyverno does not substitute variables here
    if msg is None:
        text = f"validation error: {joined}"
    elif msg.endswith("."):
        text = f"validation error: {msg} {joined}"
    else:
        text = f"validation error: {msg}. {joined}"
    return Result(Status.FAIL, text, first_path)


def validate_level(level: Level, context: dict[str, Any], resource: Any, *, top: bool) -> Result | None:
    """Evaluate one level: (foreach levels: context, preconditions), then deny, pattern/anyPattern or foreach."""
    spec = level.spec
    if not top:
        try:
            context = load_entries(spec.get("context"), context)
        except EVAL_ERRORS as exc:
            return Result(Status.ERROR, f"failed to load context: {exc}")
        if level.foreach_values:
            idx = context.get("elementIndex")
            for key, items in level.foreach_values.items():
                if isinstance(items, list) and isinstance(idx, int) and 0 <= idx < len(items):
                    context = inject(context, {key: items[idx]})
        pre = spec.get("preconditions")
        if pre is not None:
            try:
                ok, _ = evaluate_conditions(pre, context)
            except EVAL_ERRORS as exc:
                return Result(Status.ERROR, f"failed to evaluate preconditions: {exc}")
            if not ok:
                return Result(Status.SKIP, "preconditions not met")
    if level.run is not None:
        return level.run(context, resource)
    if spec.get("deny") is not None:
        return _deny(level, context)
    if spec.get("pattern") is not None or spec.get("anyPattern") is not None:
        return _patterns(level, context, resource)
    if spec.get("foreach") is not None:
        return _foreach(level, context, resource)
    return Result(Status.ERROR, f"validation rule {level.rule_name} has nothing to validate")


def _references(pattern: Any) -> Any:
    return resolve_references(pattern) if has_references(pattern) else pattern


def _deny(level: Level, context: dict[str, Any]) -> Result:
    deny = level.spec.get("deny") or {}
    conditions = deny.get("conditions") if isinstance(deny, dict) else None
    try:
        denied, messages = (True, []) if conditions is None else evaluate_conditions(conditions, context)
    except EVAL_ERRORS as exc:
        return Result(Status.ERROR, f"failed to check deny preconditions: {exc}")
    if not denied:
        return Result(Status.PASS, f"validation rule '{level.rule_name}' passed.")
    msg = _message(level.rule_name, level.message, context)
    if msg is None:
        msg = f"validation error: rule {level.rule_name} failed"
    if messages:
        msg = "; ".join([msg, *messages])
    return Result(Status.FAIL, msg)


def _patterns(level: Level, context: dict[str, Any], resource: Any) -> Result:
    spec = level.spec
    name = level.rule_name
    plans = level.plans or {}
    if spec.get("pattern") is not None:
        pattern = plans.get(id(spec["pattern"]))
        if pattern is None:
            try:
                pattern = substitute_all(_references(spec["pattern"]), context)
            except EVAL_ERRORS as exc:
                return Result(Status.ERROR, f"variable substitution failed for rule {name}: {exc}")
        err = match_pattern(resource, pattern)
        if err is None:
            return Result(Status.PASS, f"validation rule '{name}' passed.")
        return _pattern_failure(name, level.message, context, err)
    any_pattern = spec.get("anyPattern")
    if not isinstance(any_pattern, list) or not any_pattern:
        return Result(Status.ERROR, f"rule {name}: anyPattern must be a non-empty list")
    patterns = plans.get(id(any_pattern))
    if patterns is None:
        try:
            # Kyverno substitutes the anyPattern list as one document: paths (for {{@}}) start at the index
            patterns = [substitute_all(_references(p), context, (str(i),)) for i, p in enumerate(any_pattern)]
        except EVAL_ERRORS as exc:
            return Result(Status.ERROR, f"variable substitution failed for rule {name}: {exc}")
    errors: list[PatternError] = []
    for idx, pattern in enumerate(patterns):
        err = match_pattern(resource, pattern)
        if err is None:
            return Result(Status.PASS, f"validation rule '{name}' anyPattern[{idx}] passed.")
        errors.append(err)
    return _any_pattern_failure(name, level.message, errors)


def _foreach(level: Level, context: dict[str, Any], resource: Any) -> Result | None:
    applied = 0
    for entry in level.spec.get("foreach") or []:
        if not isinstance(entry, Mapping):
            return Result(Status.ERROR, f"rule {level.rule_name}: foreach entries must be mappings")
        try:
            elements = search(str(entry.get("list", "")), context)
        except JMESPathError:
            continue
        if not isinstance(elements, list):
            elements = [elements]
        result, count = _elements(level, entry, elements, context, resource, _list_path(entry.get("list")))
        if result.status is not Status.PASS:
            return result
        applied += count
    if applied == 0:
        return Result(Status.SKIP, "rule skipped")
    return Result(Status.PASS, "rule passed")


_SIMPLE_LIST = re.compile(r"request\.object((?:\.[A-Za-z_][A-Za-z0-9_]*)+)")


def _list_path(expression: Any) -> tuple[str, ...] | None:
    """The resource path of a foreach ``list`` like ``request.object.spec.containers`` (None when not that simple)."""
    if not isinstance(expression, str):
        return None
    m = _SIMPLE_LIST.fullmatch(expression.strip())
    return tuple(m.group(1).strip(".").split(".")) if m else None


_ForeachItem = tuple[Callable[[Any], Any], Level, "Runner | None", Any, "tuple[str, ...] | None", bool]


def _foreach_runner(level: Level) -> Runner:
    """:func:`_foreach` with the per-entry work done once: list expression text, the child level (itself compiled),
    its runner when the child level has no context and no preconditions (then ``validate_level(top=False)`` is just
    that runner), element scope, resource path of the list and the context key names of this nesting."""
    name = level.rule_name
    plans = level.plans or {}
    items: list[_ForeachItem | None] = []
    for entry in level.spec.get("foreach") or []:
        if not isinstance(entry, Mapping):
            items.append(None)
            continue
        child = compile_level(name, level.message, entry, plans, level.nesting + 1)
        direct = (
            child.run
            if not entry.get("context") and entry.get("preconditions") is None and not child.foreach_values
            else None
        )
        expression = str(entry.get("list", ""))
        try:
            find: Callable[[Any], Any] = searcher(expression)  # search(expression, ·) without the cache look-up
        except Exception:  # an invalid expression: search raises its error per evaluation, as before
            find = partial(search, expression)
        items.append(
            (
                find,
                child,
                direct,
                entry.get("elementScope"),
                _list_path(entry.get("list")),
                entry.get("foreach") is None,
            )
        )
    element_key = f"element{level.nesting}"
    index_key = f"elementIndex{level.nesting}"
    skipped = Result(Status.SKIP, "rule skipped")
    passed = Result(Status.PASS, "rule passed")
    # the wrapped failures, shared per (status, message, path) so that equal outcomes are the same object (the engine
    # then reuses its last outcome)
    shared: dict[tuple[Status, str, tuple[str | int, ...]], Result] = {}

    def run(context: dict[str, Any], resource: Any) -> Result:
        applied = 0
        for item in items:
            if item is None:
                return Result(Status.ERROR, f"rule {name}: foreach entries must be mappings")
            find, child, direct, scope, base, leaf = item
            try:
                elements = find(context)
            except JMESPathError:
                continue
            if not isinstance(elements, list):
                elements = [elements]
            result, count = _run_elements(
                child, direct, scope, base, leaf, elements, context, resource, element_key, index_key, shared
            )
            if result is not None:
                return result
            applied += count
        return skipped if applied == 0 else passed

    return run


_NOT_MAPS = "failed to process foreach: cannot use elementScope=true foreach rules for elements that are not maps"


def _run_elements(
    child: Level,
    direct: Runner | None,
    scope: Any,
    base: tuple[str, ...] | None,
    leaf: bool,
    elements: list[Any],
    context: dict[str, Any],
    resource: Any,
    element_key: str,
    index_key: str,
    shared: dict[tuple[Status, str, tuple[str | int, ...]], Result],
) -> tuple[Result | None, int]:
    """:func:`_elements` for a compiled child level; None instead of the pass result."""
    applied = 0
    last = len(elements) - 1
    for index, element in enumerate(elements):
        if element is None:
            continue
        ctx = {**context, "element": element, element_key: element, "elementIndex": index, index_key: index}
        scoped = type(element) is dict or isinstance(element, dict)
        if scope is not None:
            if scope is True and not scoped:
                return Result(Status.ERROR, _NOT_MAPS), applied
            scoped = bool(scope)
        if direct is not None:
            r = direct(ctx, element if scoped else resource)
        else:
            r = validate_level(child, ctx, element if scoped else resource, top=False)
        if r is None:
            continue
        status = r.status
        if status is Status.PASS:
            applied += 1
            continue
        if status is Status.SKIP:
            continue
        if status is Status.ERROR:
            if index < last:
                continue
            path: tuple[str | int, ...] = ()
        else:
            path = r.path
            if path and scoped and base is not None and leaf:
                path = (*base, index, *path)  # element-relative → resource path, for locating the line
        key = (status, r.message, path)
        result = shared.get(key)
        if result is None:
            result = Result(status, f"validation failure: {r.message}", path)
            if len(shared) < _SHARED_SIZE:
                shared[key] = result
        return result, applied
    return None, applied


def _elements(
    level: Level,
    entry: Mapping[str, Any],
    elements: list[Any],
    context: dict[str, Any],
    resource: Any,
    base: tuple[str, ...] | None = None,
) -> tuple[Result, int]:
    applied = 0
    nesting = level.nesting
    scope = entry.get("elementScope")
    child = Level(
        rule_name=level.rule_name,
        message=level.message,
        spec=entry,
        nesting=nesting + 1,
        foreach_values=level.foreach_values,
        plans=level.plans,
    )
    last = len(elements) - 1
    for index, element in enumerate(elements):
        if element is None:
            continue
        ctx = {
            **context,
            "element": element,
            f"element{nesting}": element,
            "elementIndex": index,
            f"elementIndex{nesting}": index,
        }
        is_map = isinstance(element, dict)
        scoped = is_map
        if scope is not None:
            if scope is True and not is_map:
                return (
                    Result(
                        Status.ERROR,
                        "failed to process foreach: cannot use elementScope=true foreach rules for elements that "
                        "are not maps",
                    ),
                    applied,
                )
            scoped = bool(scope)
        target = element if scoped else resource
        r = validate_level(child, ctx, target, top=False)
        if r is None or r.status is Status.SKIP:
            continue
        if r.status is not Status.PASS:
            if r.status is Status.ERROR:
                if index < last:
                    continue
                return Result(Status.ERROR, f"validation failure: {r.message}"), applied
            path = r.path
            if path and scoped and base is not None and entry.get("foreach") is None:
                path = (*base, index, *path)  # element-relative → resource path, for locating the line
            return Result(r.status, f"validation failure: {r.message}", path), applied
        applied += 1
    return Result(Status.PASS, ""), applied
