"""``enumeration``: a primitive value must be one of ``values``.

Strict equality: ``"3"`` is not ``3``; ``5.0`` is ``5``.

Options: ``values`` (required): an array of strings, numbers, booleans or nulls. Objects and arrays are ignored.
Message: ``"TZ" must be equal to one of the allowed values: "LOG_LEVEL", "DEBUG"``.

Example::

    functionOptions: {values: [1, 3, 5]}
"""

from __future__ import annotations

import math
from typing import Any

from policy_platform.engines.spectral.functions._base import FunctionContext, FunctionResult, check_keys
from policy_platform.engines.spectral.jsvalue import print_value, strict_equal

NAME = "enumeration"


def check_options(options: Any) -> str | None:
    problem = check_keys(NAME, options, ("values",), ("values",),
                         '{ "values": ["Berlin", "London", "Paris"] }, { "values": [2, 3, 5, 8, 13, 21] }')
    if problem:
        return problem
    values = options["values"]
    if not isinstance(values, list) or any(isinstance(v, dict | list) for v in values):
        return ('"enumeration" and its "values" option support only arrays of primitive values, '
                'i.e. ["Berlin", "London", "Paris"]')
    return None


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return strict_equal(a, b)


def run(value: Any, options: Any, context: FunctionContext) -> list[FunctionResult]:
    del context
    if isinstance(value, dict | list) or not (value is None or isinstance(value, str | int | float | bool)):
        return []
    values = options["values"]
    if any(_same(value, v) for v in values):
        return []
    allowed = ", ".join(print_value(v) for v in values)
    return [FunctionResult(f'#{{{{print("value")}}}} must be equal to one of the allowed values: {allowed}')]
