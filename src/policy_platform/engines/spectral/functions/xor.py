"""``xor``: exactly one of ``properties`` must be defined on an object.

Options: ``properties`` (required): two or more member names. Non-objects are ignored.
Messages: ``At least one of "tag" or "digest" must be defined`` (none; with more than four names the first three and
``or N other properties``), ``Just one of "tag" and "digest" must be defined`` (listing the defined ones).

Example::

    functionOptions: {properties: [existingSecret, password]}
"""

from __future__ import annotations

from typing import Any

from policy_platform.engines.spectral.functions._base import FunctionContext, FunctionResult, check_keys
from policy_platform.engines.spectral.jsvalue import js_keys

NAME = "xor"


def check_options(options: Any) -> str | None:
    problem = check_keys(NAME, options, ("properties",), ("properties",),
                         '{ "properties": ["country", "street"] }, { "properties": ["one", "two", "three"] }, etc.')
    if problem:
        return problem
    props = options["properties"]
    if not isinstance(props, list) or len(props) < 2 or not all(isinstance(p, str) for p in props):
        return ('"xor" requires at least two enumerated "properties", i.e. ["country", "street"], '
                '["one", "two", "three"], etc.')
    return None


def none_defined(props: list[str]) -> str:
    if len(props) > 4:
        shown = '" or "'.join(props[:3])
        return f'At least one of "{shown}" or {len(props) - 3} other properties must be defined'
    return 'At least one of "' + '" or "'.join(props) + '" must be defined'


def run(value: Any, options: Any, context: FunctionContext) -> list[FunctionResult]:
    del context
    if not isinstance(value, dict):
        return []
    props: list[str] = options["properties"]
    present = [k for k in js_keys(value) if k in props]
    if not present:
        return [FunctionResult(none_defined(props))]
    if len(present) > 1:
        return [FunctionResult('Just one of "' + '" and "'.join(present) + '" must be defined')]
    return []
