"""``pattern``: a string must match ``match`` and/or must not match ``notMatch``.

Options (at least one): ``match``, ``notMatch`` — a regex source (``^[a-z]+$``) or ``/source/flags`` (``/^latest$/i``).
JavaScript semantics on RE2 (:mod:`..jsregex`): ``\\d``/``\\w`` are ASCII, ``$`` does not match before a trailing
newline, lookarounds and backreferences are rejected when the ruleset loads. Non-string values are ignored.

Messages: ``"Prod_1" must match the pattern "^[a-z0-9-]+$"`` and ``"default" must not match the pattern "…"`` (the
option exactly as written).

Example::

    functionOptions: {match: "^[a-z0-9-]+$", notMatch: "^(default|kube-system)$"}
"""

from __future__ import annotations

from typing import Any

from policy_platform.engines.spectral.functions._base import FunctionContext, FunctionResult
from policy_platform.engines.spectral.jsregex import JsRegexError, compile_pattern_option

NAME = "pattern"


def check_options(options: Any) -> str | None:
    example = '{ "match": "^Stoplight" }, { "notMatch": "Swagger" }, { "match": "Stoplight", "notMatch": "Swagger" }'
    if not isinstance(options, dict) or not options:
        return f'"pattern" function has invalid options specified. Example valid options: {example}'
    for key, value in options.items():
        if key not in ("match", "notMatch"):
            return f'"pattern" function does not support "{key}" option'
        if not isinstance(value, str):
            return f'"pattern" function and its "{key}" option must be string or RegExp instance'
        try:
            compile_pattern_option(value)
        except JsRegexError as exc:
            return f'"pattern" function and its "{key}" option: {exc}'
    return None


def _shown(pattern: str) -> str:
    """Spectral prints the pattern with its backslashes doubled (``^\\d+$`` shows as ``^\\\\d+$``)."""
    return pattern.replace("\\", "\\\\")


def prepare(options: Any) -> Any:
    """Compile the regexes once, when the ruleset loads."""
    return {key: (text, compile_pattern_option(text)) for key, text in options.items()}


def run(value: Any, options: Any, context: FunctionContext) -> list[FunctionResult]:
    del context
    if not isinstance(value, str):
        return []
    results: list[FunctionResult] = []
    match = options.get("match")
    if match is not None and not match[1].test(value):
        results.append(FunctionResult(f'#{{{{print("value")}}}} must match the pattern "{_shown(match[0])}"'))
    not_match = options.get("notMatch")
    if not_match is not None and not_match[1].test(value):
        results.append(
            FunctionResult(f'#{{{{print("value")}}}} must not match the pattern "{_shown(not_match[0])}"')
        )
    return results
