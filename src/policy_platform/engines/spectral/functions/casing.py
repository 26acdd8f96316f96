"""``casing``: a non-empty string must be in one case style.

Options: ``type`` (required): ``flat`` (``foobar``), ``camel`` (``fooBar``), ``pascal`` (``FooBar``), ``kebab``
(``foo-bar``), ``cobol`` (``FOO-BAR``), ``snake`` (``foo_bar``), ``macro`` (``FOO_BAR``); ``disallowDigits`` (bool);
``separator: {char, allowLeading}`` — words in that style joined by ``char`` (``/readyCheck/v1`` is camel with ``/``).
Message: ``must be camel case``.

Example::

    functionOptions: {type: camel, separator: {char: /, allowLeading: true}}
"""

from __future__ import annotations

import re
from typing import Any

import re2

from policy_platform.engines.spectral.functions._base import FunctionContext, FunctionResult, check_keys

NAME = "casing"

_WORDS = {
    "flat": "[a-z][a-z{d}]*",
    "camel": "[a-z][a-z{d}]*(?:[A-Z{d}](?:[a-z{d}]+|$))*",
    "pascal": "[A-Z][a-z{d}]*(?:[A-Z{d}](?:[a-z{d}]+|$))*",
    "kebab": "[a-z][a-z{d}]*(?:-[a-z{d}]+)*",
    "cobol": "[A-Z][A-Z{d}]*(?:-[A-Z{d}]+)*",
    "snake": "[a-z][a-z{d}]*(?:_[a-z{d}]+)*",
    "macro": "[A-Z][A-Z{d}]*(?:_[A-Z{d}]+)*",
}


def check_options(options: Any) -> str | None:
    problem = check_keys(NAME, options, ("type", "disallowDigits", "separator"), ("type",),
                         '{ "type": "camel" }, { "type": "pascal", "disallowDigits": true }')
    if problem:
        return problem
    if options["type"] not in _WORDS:
        return '"casing" function and its "type" option accept the following values: ' + ", ".join(_WORDS)
    # (Spectral's own wording for this option, from its option schema)
    if "disallowDigits" in options and not isinstance(options["disallowDigits"], bool):
        return '"casing" function and its "disallowDigits" option accepts only the following types: boolean'
    sep = options.get("separator")
    if sep is not None:
        if not isinstance(sep, dict) or "char" not in sep or set(sep) - {"char", "allowLeading"}:
            return '"casing" function and its "separator" option accepts only the following types: object'
        if not isinstance(sep["char"], str) or len(sep["char"]) > 1:
            return '"casing" function and its "separator.char" option accepts only char, i.e. "I" or "/"'
    return None


def prepare(options: Any) -> Any:
    digits = "" if options.get("disallowDigits") is True else "0-9"
    word = _WORDS[options["type"]].replace("{d}", digits)
    sep = options.get("separator")
    if sep is None:
        rx = f"^{word}$"
    else:
        char = f"[{re.escape(sep['char'])}]"
        lead = f"{char}?" if sep.get("allowLeading") is True else ""
        rx = f"^{lead}{word}(?:{char}{word})*$"
    # RE2: linear time (these patterns are ambiguous on digits and backtrack exponentially in `re`); `$` is the end of
    # the text, as in JavaScript without the m flag.
    return {**options, "_rx": re2.compile(rx)}


def run(value: Any, options: Any, context: FunctionContext) -> list[FunctionResult]:
    del context
    if not isinstance(value, str) or value == "":
        return []
    sep = options.get("separator")
    if len(value) == 1 and sep is not None and sep.get("allowLeading") is True and value == sep["char"]:
        return []
    if options["_rx"].search(value):
        return []
    return [FunctionResult(f"must be {options['type']} case")]
