"""JavaScript regular expressions on RE2 (linear time).

Spectral evaluates ``pattern`` options and regex literals in JSONPath filters with JavaScript's ``RegExp``. We translate
the JavaScript syntax to RE2 syntax and compile with ``re2`` so a user pattern can never backtrack exponentially:

* ``/re/flags`` strings (as the ``pattern`` function reads them) keep their flags: ``i``, ``m``, ``s`` map to RE2 flags;
  ``g``, ``y`` and ``u`` do not change a ``test()`` and are accepted;
* named groups ``(?<n>…)`` become ``(?P<n>…)``; ``\\uXXXX`` and ``\\u{X}`` become ``\\x{…}``; ``[^]`` matches anything;
* ``\\d``, ``\\w``, ``\\b`` are ASCII in both engines; ``$`` without ``m`` matches only at the very end, as in
  JavaScript;
* lookarounds and backreferences have no linear-time implementation: they raise :class:`JsRegexError` naming the
  construct, which the ruleset loader turns into a one-line error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import re2

_SLASHED_FLAGS = frozenset("gimsuyd")


class JsRegexError(ValueError):
    """A JavaScript regex that cannot be translated to RE2."""


@dataclass(frozen=True, slots=True)
class JsRegex:
    """A compiled JavaScript regex: ``source`` and ``flags`` as written, ``test(text)`` like ``RegExp#test``."""

    source: str
    flags: str
    compiled: Any

    def test(self, text: str) -> bool:
        return self.compiled.search(text) is not None

    def match(self, text: str) -> list[str | None] | None:
        """Like ``String#match`` without ``g``: the match and its groups, or None."""
        found = self.compiled.search(text)
        if found is None:
            return None
        return [found.group(0), *found.groups()]


def parse_slashed(pattern: str) -> tuple[str, str]:
    """Split ``/re/flags`` into (source, flags) as Spectral's ``pattern`` does (``^/(.+)/([a-z]*)$``); any other string
    is a source without flags. Unknown or repeated flags raise :class:`JsRegexError` (JavaScript's ``SyntaxError``)."""
    if len(pattern) >= 3 and pattern.startswith("/"):
        end = pattern.rfind("/")
        flags = pattern[end + 1 :]
        if end > 1 and all("a" <= ch <= "z" for ch in flags):
            if any(ch not in _SLASHED_FLAGS for ch in flags) or len(set(flags)) != len(flags):
                raise JsRegexError(f"Invalid flags supplied to RegExp constructor '{flags}'")
            return pattern[1:end], flags
    return pattern, ""


def compile_js(source: str, flags: str = "") -> JsRegex:
    """Compile a JavaScript regex ``source`` with ``flags`` on RE2; raise :class:`JsRegexError` when impossible."""
    translated = _translate(source)
    prefix = ""
    if "i" in flags:
        prefix += "i"
    if "m" in flags:
        prefix += "m"
    if "s" in flags:
        prefix += "s"
    if prefix:
        translated = f"(?{prefix}){translated}"
    options = re2.Options()
    options.log_errors = False
    try:
        compiled = re2.compile(translated, options)
    except re2.error as exc:
        raise JsRegexError(f"invalid regular expression /{source}/{flags}: {exc}") from None
    return JsRegex(source, flags, compiled)


def compile_pattern_option(pattern: str) -> JsRegex:
    """Compile a ``pattern`` function option: ``/re/flags`` or a plain source string."""
    source, flags = parse_slashed(pattern)
    return compile_js(source, flags)


def _translate(source: str) -> str:
    out: list[str] = []
    i = 0
    n = len(source)
    in_class = False
    while i < n:
        ch = source[i]
        if ch == "\\":
            if i + 1 >= n:
                raise JsRegexError(f"invalid regular expression /{source}/: \\ at end of pattern")
            nxt = source[i + 1]
            if nxt.isdigit() and nxt != "0" and not in_class:
                raise JsRegexError(f"regular expression /{source}/ uses a backreference, which RE2 does not support")
            if nxt == "k" and i + 2 < n and source[i + 2] == "<" and not in_class:
                raise JsRegexError(
                    f"regular expression /{source}/ uses a named backreference, which RE2 does not support"
                )
            if nxt == "u":
                if i + 2 < n and source[i + 2] == "{":
                    end = source.find("}", i + 3)
                    if end < 0:
                        raise JsRegexError(f"invalid regular expression /{source}/: bad \\u{{…}} escape")
                    out.append("\\x{" + source[i + 3 : end] + "}")
                    i = end + 1
                    continue
                hexpart = source[i + 2 : i + 6]
                if len(hexpart) == 4 and all(c in "0123456789abcdefABCDEF" for c in hexpart):
                    out.append("\\x{" + hexpart + "}")
                    i += 6
                    continue
                out.append("u")
                i += 2
                continue
            if nxt == "/":
                out.append("/")
                i += 2
                continue
            if nxt == "c" and i + 2 < n and source[i + 2].isalpha():
                out.append("\\x{%02x}" % (ord(source[i + 2]) % 32))
                i += 3
                continue
            if nxt == "0" and not (i + 2 < n and source[i + 2].isdigit()):
                out.append("\\x00")
                i += 2
                continue
            if nxt == "d":
                out.append("0-9" if in_class else "[0-9]")
                i += 2
                continue
            if nxt == "D" and not in_class:
                out.append("[^0-9]")
                i += 2
                continue
            if nxt == "w":
                out.append("A-Za-z0-9_" if in_class else "[A-Za-z0-9_]")
                i += 2
                continue
            if nxt == "W" and not in_class:
                out.append("[^A-Za-z0-9_]")
                i += 2
                continue
            out.append(source[i : i + 2])
            i += 2
            continue
        if in_class:
            if ch == "]":
                in_class = False
            elif ch == "[":
                out.append("\\[")
                i += 1
                continue
            out.append(ch)
            i += 1
            continue
        if ch == "[":
            if source.startswith("[^]", i):
                out.append("[\\x{0}-\\x{10FFFF}]")
                i += 3
                continue
            if source.startswith("[]", i):
                out.append("[^\\x{0}-\\x{10FFFF}]")
                i += 2
                continue
            in_class = True
            out.append(ch)
            i += 1
            if i < n and source[i] == "^":
                out.append("^")
                i += 1
            if i < n and source[i] == "]":
                out.append("\\]")
                i += 1
            continue
        if ch == "(" and source.startswith("(?", i):
            rest = source[i + 2 : i + 4]
            if rest.startswith(("=", "!")) or rest in ("<=", "<!"):
                raise JsRegexError(f"regular expression /{source}/ uses a lookaround, which RE2 does not support")
            if rest.startswith("<"):
                out.append("(?P<")
                i += 3
                continue
        out.append(ch)
        i += 1
    return "".join(out)
