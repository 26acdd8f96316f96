"""Condition blocks for deny and preconditions (Kyverno ``pkg/engine/variables/evaluate.go``).

A legacy list is an AND with short-circuit; ``{any, all}`` is (OR of any) AND (AND of all), both short-circuiting; a
missing block is true and an empty ``any`` is false. Key and value are substituted first; an unresolved variable makes
the whole evaluation an error.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from policy_platform.engines.kyverno.operators import OperatorError, bind_value, get_operator
from policy_platform.engines.kyverno.variables import (
    has_variables,
    is_pure_variable,
    string_substituter,
    substitute_all,
)


class ConditionError(Exception):
    """A condition that could not be evaluated."""


def evaluate_condition(condition: Any, context: Any) -> tuple[bool, str]:
    """(result, message) of one ``{key, operator, value, message}`` condition."""
    if not isinstance(condition, dict):
        raise ConditionError("a condition must be a mapping")
    op = get_operator(condition.get("operator"))
    key = substitute_all(condition.get("key"), context)
    value = substitute_all(condition.get("value"), context)
    message = condition.get("message") or ""
    if isinstance(message, str) and "{{" in message:
        with contextlib.suppress(Exception):  # a message that cannot be substituted keeps its text
            message = substitute_all(message, context)
    return bool(op(key, value)), message if isinstance(message, str) else str(message)


def evaluate_conditions(block: Any, context: Any) -> tuple[bool, list[str]]:
    """(result, messages of the conditions that decided it) of a legacy list or an ``{any, all}`` block.

    The block is compiled once (see :func:`_plan`); a block that does not compile takes the generic path, which
    raises the error where the evaluation meets it.
    """
    if block is None:
        return True, []
    plan = _plan(block)
    if plan is None:
        return evaluate_conditions_generic(block, context)
    legacy, any_conds, all_conds, shared = plan
    memo: dict[str, Any] = {} if shared else _NO_MEMO
    if legacy:
        messages: list[str] = []
        for run in all_conds:
            ok, msg = run(context, memo)
            if not ok:
                return False, [msg] if msg else []
            if msg:
                messages.append(msg)
        return True, messages
    true_msgs: list[str] = []
    false_msgs: list[str] = []
    any_ok = True
    if any_conds is not None:
        any_ok = False
        for run in any_conds:
            ok, msg = run(context, memo)
            if ok:
                any_ok = True
                if msg:
                    true_msgs.append(msg)
                break
            if msg:
                false_msgs.append(msg)
    all_ok = True
    for run in all_conds:
        ok, msg = run(context, memo)
        if not ok:
            all_ok = False
            if msg:
                false_msgs.append(msg)
            break
        if msg:
            true_msgs.append(msg)
    result = any_ok and all_ok
    return result, (true_msgs if result else false_msgs)


# --- compiled blocks -------------------------------------------------------------------------------------------------
#
# A condition block is policy data, evaluated once per resource: its operator is resolved, its key, value and message
# classified (constant or to substitute) once, and the result kept per block object (by identity, holding a reference
# so the id cannot be reused while the entry lives). A variable that several conditions of a block share (the same
# whole-variable string, with no clock or random function) is substituted once per evaluation of the block: the
# ``memo`` of that evaluation keeps its value (only successful results: an error ends the evaluation).

CompiledCondition = Callable[[Any, dict[str, Any]], tuple[bool, str]]
Operand = Callable[[Any, dict[str, Any]], Any]
_Plan = tuple[bool, list[CompiledCondition] | None, list[CompiledCondition], bool]
_PLANS: dict[int, tuple[Any, _Plan | None]] = {}
_MAX_PLANS = 4096
_NO_MEMO: dict[str, Any] = {}  # passed when no operand of the block is shared: never written


def _plan(block: Any) -> _Plan | None:
    """(legacy list?, any conditions or None, all conditions, shared operands?) of a block, None when the block cannot
    be compiled (not a list or mapping, an entry list that cannot be iterated)."""
    entry = _PLANS.get(id(block))
    if entry is not None and entry[0] is block:
        return entry[1]
    plan: _Plan | None
    try:
        if isinstance(block, list):
            shared = _shared_operands(block)
            plan = (True, None, [compile_condition(cond, shared) for cond in block], bool(shared))
        elif isinstance(block, dict):
            any_block = block.get("any")
            any_list = None if any_block is None else list(any_block or [])
            all_list = list(block.get("all") or [])
            shared = _shared_operands([*(any_list or []), *all_list])
            plan = (
                False,
                None if any_list is None else [compile_condition(cond, shared) for cond in any_list],
                [compile_condition(cond, shared) for cond in all_list],
                bool(shared),
            )
        else:
            plan = None
    except Exception:  # the generic path raises it again, at the same point of the evaluation
        plan = None
    if len(_PLANS) >= _MAX_PLANS:
        _PLANS.clear()
    _PLANS[id(block)] = (block, plan)
    return plan


def _shared_operands(conditions: list[Any]) -> frozenset[str]:
    """The whole-variable key/value strings that occur more than once in a block and may be substituted once."""
    seen: set[str] = set()
    shared: set[str] = set()
    for cond in conditions:
        if not isinstance(cond, dict):
            continue
        for text in (cond.get("key"), cond.get("value")):
            if isinstance(text, str) and "{{" in text:
                if text in seen and is_pure_variable(text):
                    shared.add(text)
                seen.add(text)
    return frozenset(shared)


def _operand(document: Any, shared: frozenset[str]) -> Operand | None:
    """``substitute_all(document, context)`` as a function of (context, memo); None when it holds no variable (the
    document is then its own substitution)."""
    if isinstance(document, str):
        if "{{" not in document:
            return None
        substitute = string_substituter(document)
        if document in shared:
            text = document

            def memoised(context: Any, memo: dict[str, Any]) -> Any:
                if text in memo:
                    return memo[text]
                value = memo[text] = substitute(context, ())
                return value

            return memoised
        return lambda context, memo: substitute(context, ())
    if isinstance(document, dict | list) and has_variables(document):
        return lambda context, memo: substitute_all(document, context)
    return None


def compile_condition(condition: Any, shared: frozenset[str] = frozenset()) -> CompiledCondition:
    """One ``{key, operator, value, message}`` condition as a function of (context, memo), equal to
    :func:`evaluate_condition` (errors included); ``shared`` names the operands kept in the memo."""
    if not isinstance(condition, dict):
        return lambda context, memo: evaluate_condition(condition, context)
    try:
        op = get_operator(condition.get("operator"))
    except OperatorError:
        return lambda context, memo: evaluate_condition(condition, context)
    key_doc = condition.get("key")
    value_doc = condition.get("value")
    key = _operand(key_doc, shared)
    value = _operand(value_doc, shared)
    message = condition.get("message") or ""
    if isinstance(message, str) and "{{" in message:
        text = message
        key_of = key or (lambda context, memo: key_doc)
        value_of = value or (lambda context, memo: value_doc)

        def dynamic(context: Any, memo: dict[str, Any]) -> tuple[bool, str]:
            k = key_of(context, memo)
            v = value_of(context, memo)
            msg: Any = text
            with contextlib.suppress(Exception):  # a message that cannot be substituted keeps its text
                msg = substitute_all(text, context)
            return bool(op(k, v)), msg if isinstance(msg, str) else str(msg)

        return dynamic
    fixed = message if isinstance(message, str) else str(message)
    if value is None:  # a constant value (the common case): the operator is bound to it once
        decide = bind_value(op, value_doc)
        if key is None:
            return lambda context, memo: (bool(decide(key_doc)), fixed)
        return lambda context, memo: (bool(decide(key(context, memo))), fixed)
    if key is None:
        return lambda context, memo: (bool(op(key_doc, value(context, memo))), fixed)
    return lambda context, memo: (bool(op(key(context, memo), value(context, memo))), fixed)


def evaluate_conditions_generic(block: Any, context: Any) -> tuple[bool, list[str]]:
    """:func:`evaluate_conditions` without compilation (the reference, and the path of blocks that do not compile)."""
    if block is None:
        return True, []
    if isinstance(block, list):
        messages: list[str] = []
        for cond in block:
            ok, msg = evaluate_condition(cond, context)
            if not ok:
                return False, [msg] if msg else []
            if msg:
                messages.append(msg)
        return True, messages
    if not isinstance(block, dict):
        raise ConditionError("conditions must be a list or an {any, all} mapping")
    true_msgs: list[str] = []
    false_msgs: list[str] = []
    any_ok = True
    if "any" in block and block["any"] is not None:
        any_ok = False
        for cond in block["any"] or []:
            ok, msg = evaluate_condition(cond, context)
            if ok:
                any_ok = True
                if msg:
                    true_msgs.append(msg)
                break
            if msg:
                false_msgs.append(msg)
    all_ok = True
    for cond in block.get("all") or []:
        ok, msg = evaluate_condition(cond, context)
        if not ok:
            all_ok = False
            if msg:
                false_msgs.append(msg)
            break
        if msg:
            true_msgs.append(msg)
    result = any_ok and all_ok
    return result, (true_msgs if result else false_msgs)
