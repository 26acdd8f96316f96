"""Result message templating, as Spectral's ``message`` does it.

* ``{{name}}`` (no ``}`` or newline inside) is replaced by ``String(vars[name])`` for ``error``, ``property``,
  ``path``, ``value``, ``description``; any other name (including `` error `` with spaces) becomes ``""``;
  ``{{{value}}}`` reads the name ``{value``.
* ``#{{expr}}`` evaluates a tiny expression: ``print('property')`` (``"name" property `` or ``The document ``),
  ``print('value')`` (``"text"``, ``Object{}``, ``Array[]``), variable names, quoted strings, ``+`` and
  ``.toUpperCase()``/``.toLowerCase()``.
* :func:`dot_path` and :func:`pointer` print paths as ``[2].enabled`` and ``#/a/b``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from policy_platform.engines.spectral.jsvalue import print_value, to_string

_PLACEHOLDER = re.compile(r"(#?)\{\{([^}\n]+)\}\}")
_NUMERIC = re.compile(r"^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$")


@dataclass(frozen=True, slots=True)
class MessageVars:
    """The variables a message can use."""

    property: str | int
    error: str
    path: str
    description: str | None
    value: Any

    def get(self, name: str) -> tuple[bool, Any]:
        if name in ("property", "error", "path", "description", "value"):
            return True, getattr(self, name)
        return False, None


def _print(kind: str, variables: MessageVars) -> str:
    if kind == "property":
        if variables.property != "":
            return f'"{variables.property}" property '
        return "The document "
    if kind == "value":
        return print_value(variables.value)
    known, value = variables.get(kind)
    return to_string(value) if known and value is not None else ""


def _split_plus(expr: str) -> list[str]:
    parts: list[str] = []
    buf: list[str] = []
    quote = ""
    depth = 0
    for ch in expr:
        if quote:
            buf.append(ch)
            if ch == quote:
                quote = ""
            continue
        if ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "+" and depth == 0:
            parts.append("".join(buf))
            buf = []
            continue
        buf.append(ch)
    parts.append("".join(buf))
    return parts


_PRINT = re.compile(r"""^print\(\s*(['"])(.*?)\1\s*\)""")
_STRING = re.compile(r"""^(['"])(.*?)\1""")
_NAME = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*")


_DISALLOWED = re.compile(r"constructor|process|require|global|mainModule|fs|child_process")


def _evaluate(expr: str, variables: MessageVars) -> str:
    if _DISALLOWED.search(expr):
        return ""
    out: list[str] = []
    for raw in _split_plus(expr):
        term = raw.strip()
        text = ""
        rest = term
        if found := _PRINT.match(term):
            text = _print(found.group(2), variables)
            rest = term[found.end():]
        elif found := _STRING.match(term):
            text = found.group(2)
            rest = term[found.end():]
        elif found := _NAME.match(term):
            known, value = variables.get(found.group(0))
            if not known:
                return ""  # an evaluation error: the whole placeholder becomes empty
            text = to_string(value)
            rest = term[found.end():]
        else:
            return ""
        for method in re.findall(r"\.(\w+)\(\)", rest):
            if method == "toUpperCase":
                text = text.upper()
            elif method == "toLowerCase":
                text = text.lower()
            elif method == "trim":
                text = text.strip()
        out.append(text)
    return "".join(out)


def render(template: str, variables: MessageVars) -> str:
    """Fill ``template`` with ``variables``."""
    if "{{" not in template:
        return template

    def replace(found: re.Match[str]) -> str:
        if found.group(1):
            return _evaluate(found.group(2), variables)
        known, value = variables.get(found.group(2))
        return to_string(value) if known else ""

    return _PLACEHOLDER.sub(replace, template)


def _is_numeric(segment: str | int) -> bool:
    return isinstance(segment, int) or bool(_NUMERIC.match(segment))


def dot_path(path: Sequence[str | int]) -> str:
    """Spectral's dot style: ``a.b``, ``[0]``, ``['with space']``, ``['']``."""
    out: list[str] = []
    for index, segment in enumerate(path):
        if isinstance(segment, int):
            out.append(f"[{segment}]")
        elif segment == "":
            out.append("['']")
        elif any(c.isspace() for c in segment):
            out.append(f"['{segment}']")
        elif _is_numeric(segment):
            out.append(f"[{segment}]")
        else:
            out.append(("" if index == 0 else ".") + segment)
    return "".join(out)


def pointer(path: Sequence[str | int]) -> str:
    """A ``#/a/b`` JSON pointer with ``~0``/``~1`` escapes (``#`` for the root)."""
    if not path:
        return "#"
    return "#/" + "/".join(str(s).replace("~", "~0").replace("/", "~1") for s in path)
