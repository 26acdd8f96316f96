"""``length``: the length of a string (UTF-16 units), array, object (keys) or a number itself must be within bounds.

Options (at least one): ``min``, ``max`` (numbers). Booleans and null are ignored.
Messages: ``"hosts" property must be longer than 1``, ``"tag" property must be shorter than 6``.

Example::

    functionOptions: {min: 2, max: 6}
"""

from __future__ import annotations

from typing import Any

from policy_platform.engines.spectral.functions._base import FunctionContext, FunctionResult, check_keys
from policy_platform.engines.spectral.jsvalue import is_number, print_value, utf16_len

NAME = "length"


def check_options(options: Any) -> str | None:
    example = '{ "min": 2 }, { "max": 5 }, { "min": 0, "max": 10 }'
    problem = check_keys(NAME, options, ("min", "max"), (), example)
    if problem:
        return problem
    if not options:
        return f'"length" function has invalid options specified. Example valid options: {example}'
    for key, value in options.items():
        if not is_number(value):
            return f'"length" function and its "{key}" option accepts only the following types: number'
    return None


def run(value: Any, options: Any, context: FunctionContext) -> list[FunctionResult]:
    del context
    if isinstance(value, str):
        size: float = utf16_len(value)
    elif isinstance(value, list | dict):
        size = len(value)
    elif is_number(value):
        size = value
    else:
        return []
    results: list[FunctionResult] = []
    if "min" in options and size < options["min"]:
        results.append(FunctionResult(f'#{{{{print("property")}}}}must be longer than {print_value(options["min"])}'))
    if "max" in options and size > options["max"]:
        results.append(FunctionResult(f'#{{{{print("property")}}}}must be shorter than {print_value(options["max"])}'))
    return results
