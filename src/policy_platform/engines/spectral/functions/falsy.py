"""``falsy``: the value must be JavaScript-falsy (``false``, ``0``, ``""``, ``null``, NaN or missing). No options.

Message: ``"debug" property must be falsy``.

Example::

    given: $.debug
    then: {function: falsy}
"""

from __future__ import annotations

from typing import Any

from policy_platform.engines.spectral.functions._base import FunctionContext, FunctionResult, no_options
from policy_platform.engines.spectral.jsvalue import truthy

NAME = "falsy"
check_options = no_options(NAME)


def run(value: Any, options: Any, context: FunctionContext) -> list[FunctionResult]:
    del options, context
    if not truthy(value):
        return []
    return [FunctionResult('#{{print("property")}}must be falsy')]
