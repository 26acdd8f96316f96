"""``undefined``: the value must not exist (a ``null`` value is defined and fails). No options.

Message: ``"password" property must be undefined``.

Example::

    then: {field: password, function: undefined}
"""

from __future__ import annotations

from typing import Any

from policy_platform.engines.spectral.functions._base import FunctionContext, FunctionResult, no_options
from policy_platform.engines.spectral.jsvalue import UNDEFINED

NAME = "undefined"
check_options = no_options(NAME)


def run(value: Any, options: Any, context: FunctionContext) -> list[FunctionResult]:
    del options, context
    if value is UNDEFINED:
        return []
    return [FunctionResult('#{{print("property")}}must be undefined')]
