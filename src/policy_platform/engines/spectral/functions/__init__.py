"""The explicit registry of core functions (name as written in a ruleset → :class:`CoreFunction`)."""

from __future__ import annotations

from types import ModuleType

from policy_platform.engines.spectral.functions import (
    alphabetical,
    casing,
    defined,
    enumeration,
    falsy,
    length,
    or_,
    pattern,
    schema,
    truthy,
    typed_enum,
    undefined,
    unreferenced_reusable_object,
    xor,
)
from policy_platform.engines.spectral.functions._base import (
    CoreFunction,
    FunctionContext,
    FunctionResult,
    identity,
)


def _entry(module: ModuleType) -> CoreFunction:
    return CoreFunction(module.NAME, module.run, module.check_options, getattr(module, "prepare", identity))


FUNCTIONS: dict[str, CoreFunction] = {
    "truthy": _entry(truthy),
    "falsy": _entry(falsy),
    "defined": _entry(defined),
    "undefined": _entry(undefined),
    "pattern": _entry(pattern),
    "enumeration": _entry(enumeration),
    "length": _entry(length),
    "casing": _entry(casing),
    "alphabetical": _entry(alphabetical),
    "schema": _entry(schema),
    "xor": _entry(xor),
    "or": _entry(or_),
    "typedEnum": _entry(typed_enum),
    "unreferencedReusableObject": _entry(unreferenced_reusable_object),
}

__all__ = ["FUNCTIONS", "CoreFunction", "FunctionContext", "FunctionResult"]
