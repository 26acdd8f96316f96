"""``typedEnum`` (from the OAS rulesets): every ``enum`` entry of a schema object must match its ``type``. No options.

Message: ``Enum value "x" must be "integer".`` (path: the offending ``enum`` entry).

Example::

    given: $..[?(@ && @.enum && @.type)]
    then: {function: typedEnum}
"""

from __future__ import annotations

from typing import Any

from policy_platform.engines.spectral.functions._base import FunctionContext, FunctionResult, no_options
from policy_platform.engines.spectral.jsvalue import is_number, print_value

NAME = "typedEnum"
check_options = no_options(NAME)


def _fits(value: Any, type_name: str) -> bool:
    checks = {
        "string": isinstance(value, str),
        "number": is_number(value),
        "integer": is_number(value) and float(value).is_integer(),
        "boolean": isinstance(value, bool),
        "null": value is None,
        "array": isinstance(value, list),
        "object": isinstance(value, dict),
    }
    return checks.get(type_name, True)


def run(value: Any, options: Any, context: FunctionContext) -> list[FunctionResult]:
    del options
    if not isinstance(value, dict) or not isinstance(value.get("enum"), list):
        return []
    declared = value.get("type")
    declared_list = declared if isinstance(declared, list) else [declared]
    types: list[str] = [t for t in declared_list if isinstance(t, str)]
    if not types:
        return []
    results: list[FunctionResult] = []
    base = context.target_path if context.target_path is not None else context.given_path
    for index, item in enumerate(value["enum"]):
        if types == ["null"] or any(_fits(item, t) for t in types):
            continue
        if len(types) == 1:
            message = f'Enum value {print_value(item)} must be "{types[0]}".'
            results.append(FunctionResult(message, (*base, "enum", index)))
        else:
            wanted = ", ".join(f'"{t}"' for t in types)
            results.append(FunctionResult(f"Enum value {print_value(item)} must be one of {wanted}.",
                                          (*base, "enum", index)))
    return results
