"""``alphabetical``: object keys, or array items (strings/numbers), must be in ascending order.

Options: ``keyedBy`` (optional): sort an array of objects by this member. Strings compare like JavaScript's
``localeCompare`` (case-insensitive first, lowercase before uppercase), numbers numerically.
Messages: ``"B_VAR" must be placed after "A_VAR"`` (path: the first out-of-order key or index); with ``keyedBy``:
``properties must follow the alphabetical order``; ``"hosts" property must be an object`` when an item is not one.

Example::

    functionOptions: {keyedBy: name}
"""

from __future__ import annotations

import math
from typing import Any

from policy_platform.engines.spectral.functions._base import FunctionContext, FunctionResult
from policy_platform.engines.spectral.jsvalue import UNDEFINED, is_number, print_value, to_number

NAME = "alphabetical"


def check_options(options: Any) -> str | None:
    bad = ('"alphabetical" function has invalid options specified. Example valid options: null (no options), '
           '{ "keyedBy": "my-key" }')
    if options is None:
        return None
    if not isinstance(options, dict):
        return bad
    for key in options:
        if key != "keyedBy":
            return f'"alphabetical" function does not support "{key}" option'
    if "keyedBy" in options and not isinstance(options["keyedBy"], str):
        return '"alphabetical" function and its "keyedBy" option accepts only the following types: string'
    return None


def _locale_key(text: str) -> tuple[str, tuple[bool, ...]]:
    return (text.casefold(), tuple(c.isupper() for c in text))


def _locale_compare(a: str, b: str) -> int:
    ka, kb = _locale_key(a), _locale_key(b)
    return (ka > kb) - (ka < kb)


def _compare(a: Any, b: Any) -> int:
    a_num = to_number(a)
    b_num = to_number(b)
    if (is_number(a) or math.isnan(a_num)) and (is_number(b) or not math.isnan(b_num)):
        diff = a_num - b_num
        if math.isnan(diff):
            return 0
        return int(min(1, max(-1, diff))) if abs(diff) >= 1 else (1 if diff > 0 else -1 if diff < 0 else 0)
    if not isinstance(a, str) or not isinstance(b, str):
        return 0
    return _locale_compare(a, b)


def run(value: Any, options: Any, context: FunctionContext) -> list[FunctionResult]:
    if isinstance(value, list):
        items: list[Any] = list(value)
    elif isinstance(value, dict):
        items = list(value)  # document order (Spectral reads the keys through the parsed document, not Object.keys)
    else:
        return []
    if len(items) < 2:
        return []
    keyed_by = options.get("keyedBy") if isinstance(options, dict) else None
    if keyed_by is not None:
        keyed: list[Any] = []
        for item in items:
            if not isinstance(item, dict | list):
                return [FunctionResult('#{{print("property")}}must be an object')]
            keyed.append(item.get(keyed_by, UNDEFINED) if isinstance(item, dict) else UNDEFINED)
        items = keyed
    if not all(isinstance(i, str) or is_number(i) for i in items):
        return [FunctionResult('#{{print("property")}}must be one of the allowed types: number, string')]
    for i in range(len(items) - 1):
        if _compare(items[i], items[i + 1]) >= 1:
            if keyed_by is not None:
                return [FunctionResult("properties must follow the alphabetical order")]
            base = context.target_path if context.target_path is not None else context.given_path
            seg: str | int = i if isinstance(value, list) else items[i]
            return [FunctionResult(f"{print_value(items[i])} must be placed after {print_value(items[i + 1])}",
                                   (*base, seg))]
    return []
