"""``truthy``: the value must be JavaScript-truthy. No options.

Falsy values are ``false``, ``0``, ``""``, ``null``, NaN and a missing value; ``[]``, ``{}``, ``"0"`` and ``"false"``
are truthy. Message: ``"replicas" property must be truthy``.

Example::

    then: {field: name, function: truthy}
"""

from __future__ import annotations

from typing import Any

from policy_platform.engines.spectral.functions._base import FunctionContext, FunctionResult, no_options
from policy_platform.engines.spectral.jsvalue import truthy

NAME = "truthy"
check_options = no_options(NAME)


def run(value: Any, options: Any, context: FunctionContext) -> list[FunctionResult]:
    del options, context
    if truthy(value):
        return []
    return [FunctionResult('#{{print("property")}}must be truthy')]
