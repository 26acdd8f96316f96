"""Condition blocks for deny and preconditions (Kyverno ``pkg/engine/variables/evaluate.go``).

A legacy list is an AND with short-circuit; ``{any, all}`` is (OR of any) AND (AND of all), both short-circuiting; a
missing block is true and an empty ``any`` is false. Key and value are substituted first; an unresolved variable makes
the whole evaluation an error.
"""

from __future__ import annotations

import contextlib
from typing import Any

from policy_platform.engines.kyverno.operators import get_operator
from policy_platform.engines.kyverno.variables import substitute_all


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
    """(result, messages of the conditions that decided it) of a legacy list or an ``{any, all}`` block."""
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
