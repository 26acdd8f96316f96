"""``defined``: the value must exist (``null`` counts as defined; YAML ``foo:`` is null). No options.

Message: ``"[2].host" property must be defined``.

Example::

    then: {field: host, function: defined}
"""

from __future__ import annotations

from typing import Any

from policy_platform.engines.spectral.functions._base import FunctionContext, FunctionResult, no_options
from policy_platform.engines.spectral.jsvalue import UNDEFINED

NAME = "defined"
check_options = no_options(NAME)


def run(value: Any, options: Any, context: FunctionContext) -> list[FunctionResult]:
    del options, context
    if value is not UNDEFINED:
        return []
    return [FunctionResult('#{{print("property")}}must be defined')]
