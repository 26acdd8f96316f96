"""``or``: at least one of ``properties`` must be defined on an object.

Options: ``properties`` (required): two or more member names. Non-objects are ignored.
Message: ``At least one of "s3" or "gcs" must be defined`` (more than four names: the first three and
``or N other properties must be defined``).

Example::

    functionOptions: {properties: [s3, gcs, azure]}
"""

from __future__ import annotations

from typing import Any

from policy_platform.engines.spectral.functions._base import FunctionContext, FunctionResult, check_keys
from policy_platform.engines.spectral.functions.xor import none_defined

NAME = "or"


def check_options(options: Any) -> str | None:
    problem = check_keys(NAME, options, ("properties",), ("properties",),
                         '{ "properties": ["country", "street"] }, { "properties": ["one", "two", "three"] }, etc.')
    if problem:
        return problem
    props = options["properties"]
    if not isinstance(props, list) or len(props) < 2 or not all(isinstance(p, str) for p in props):
        return ('"or" requires at least two enumerated "properties", i.e. ["country", "street"], '
                '["one", "two", "three"], etc.')
    return None


def run(value: Any, options: Any, context: FunctionContext) -> list[FunctionResult]:
    del context
    if not isinstance(value, dict):
        return []
    props: list[str] = options["properties"]
    if any(p in value for p in props):
        return []
    return [FunctionResult(none_defined(props))]
