"""The contract of a core function: options check, input guard and result shape.

A function module exposes ``NAME``, ``check_options(options) -> str | None`` (the Spectral-worded problem, or None),
optionally ``prepare(options)`` (compile once at load time) and ``run(value, prepared, context) ->
list[FunctionResult]``. ``run`` is only called with options that passed the check.
Messages may use ``#{{print("property")}}``/``#{{print("value")}}``; the runner templates them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class FunctionContext:
    """Where the function runs: the full target path, the ``given`` match path and the root data."""

    path: tuple[str | int, ...]
    given_path: tuple[str | int, ...]
    target_path: tuple[str | int, ...] | None
    document: Any


@dataclass(frozen=True, slots=True)
class FunctionResult:
    """One problem: its message (a template) and, optionally, a path replacing the target path."""

    message: str
    path: tuple[str | int, ...] | None = None


Runner = Callable[[Any, Any, FunctionContext], list[FunctionResult]]
OptionsCheck = Callable[[Any], "str | None"]


@dataclass(frozen=True, slots=True)
class CoreFunction:
    """A registry entry."""

    name: str
    run: Runner
    check_options: OptionsCheck
    prepare: Callable[[Any], Any]


def no_options(name: str) -> OptionsCheck:
    def check(options: Any) -> str | None:
        if options is None:
            return None
        return f'"{name}" function does not accept any options'

    return check


def check_keys(name: str, options: Any, allowed: Iterable[str], required: Iterable[str] = (),
               example: str = "") -> str | None:
    """Common checks: options must be an object with known keys and the required ones present."""
    if not isinstance(options, dict):
        hint = f" Example valid options: {example}" if example else ""
        return f'"{name}" function has invalid options specified.{hint}'
    allowed_set = set(allowed)
    for key in options:
        if key not in allowed_set:
            return f'"{name}" function does not support "{key}" option'
    for key in required:
        if key not in options:
            return f'"{name}" function is missing "{key}" option'
    return None


Prepare = Callable[[Any], Any]


def identity(options: Any) -> Any:
    return options
