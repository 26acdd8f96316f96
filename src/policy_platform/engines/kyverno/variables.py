"""``{{ }}`` substitution (Kyverno ``pkg/engine/variables/vars.go``).

A variable is ``{{…}}`` not preceded by a backslash and may hold one level of inner braces; the innermost variables
resolve first and the string is re-scanned. A string that is exactly one variable becomes the typed value; otherwise
strings are inserted as-is and other values as Go JSON (``null``, ``{"a":1}``). ``\\{{`` escapes a variable. Every
string leaf and every map key of a document is visited.

``{{- x}}`` (kyverno.md section 7) substitutes without re-scanning: its result is inserted verbatim, never scanned for
further variables nor unescaped (a whole-string ``"{{- x}}"`` is the typed value). Nested in an outer variable, the
result is part of the outer expression, whose own result is re-scanned unless the outer is ``{{- }}`` too. Upstream
Kyverno 1.13's ``vars.go`` has no such form: there the body ``- x`` is an invalid JMESPath query.

``{{@}}`` (the body is exactly ``@``) stands for the JSON path of the node being substituted, as Kyverno computes it
(``substituteVariablesIfAny`` in ``vars.go`` with ``pkg/utils/jsonpointer``): the node's path inside the document
handed to :func:`substitute_all`, cut after a ``foreach`` component if any, **minus its first two components** (Kyverno
wrote this for whole-rule substitution, where they are ``validate``/``pattern`` or ``mutate``/``overlay``), prefixed by
``target`` when the context has that key, else ``request.object``, and written as JMESPath (``[0]`` for indices,
quoted identifiers when needed). Kyverno 1.13 substitutes a validate ``pattern`` on its own (``substitutePatterns``)
and ``anyPattern`` as one list, so there ``{{@}}`` at ``spec.containers[0].image`` queries
``request.object[0].image`` (null), exactly as upstream does.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from policy_platform.engines.kyverno.gofmt import to_json
from policy_platform.engines.kyverno.jmespath_dialect import JMESPathError, search

_VARIABLE = re.compile(r"(^|[^\\])(\{\{(?:\{[^{}]*\}|[^{}])*\}\})")
_ESCAPED = re.compile(r"\\(\{\{(?:\{[^{}]*\}|[^{}])*\}\})")
_MAX_ROUNDS = 64


class SubstitutionError(Exception):
    """A variable that could not be resolved: ``variable`` names it, ``str()`` is Kyverno-like."""

    def __init__(self, variable: str, reason: str) -> None:
        super().__init__(f"failed to substitute variable {{{{{variable}}}}}: {reason}" if variable else reason)
        self.variable = variable
        self.reason = reason


def has_variables(value: Any) -> bool:
    """Whether a document holds any ``{{`` at all (cheap pre-check)."""
    if isinstance(value, str):
        return "{{" in value
    if isinstance(value, dict):
        return any(has_variables(k) or has_variables(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_variables(v) for v in value)
    return False


def evaluate(expression: str, context: Any) -> Any:
    """Evaluate one variable body against the context (on DELETE, ``request.object`` reads ``request.oldObject``)."""
    if "request.object" in expression and _is_delete(context):
        expression = expression.replace("request.object", "request.oldObject")
    try:
        return search(expression, context)
    except JMESPathError as exc:
        raise SubstitutionError(expression, str(exc)) from None


def _is_delete(context: Any) -> bool:
    request = context.get("request") if isinstance(context, dict) else None
    return isinstance(request, dict) and request.get("operation") == "DELETE"


@lru_cache(maxsize=16384)
def _whole_variable(text: str) -> str | None:
    """The body of a string that is exactly one simple variable (``{{ a.b }}``), else None."""
    m = _VARIABLE.fullmatch(text)
    if m is None or m.group(1) != "" or text.count("{{") != 1:
        return None
    body = m.group(2)[2:-2].strip()
    return None if body.startswith("-") else body


def _parse_path(raw: str) -> list[str]:
    """Kyverno ``jsonpointer.ParsePath``: ``/`` splits, ``\\`` escapes the next character, ``"`` toggles quoting
    (the quotes themselves vanish), empty components are dropped."""
    out: list[str] = []
    buf: list[str] = []
    escaped = quoted = False

    def flush() -> None:
        if buf:
            out.append("".join(buf))
            buf.clear()

    for ch in raw:
        if escaped:
            buf.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif ch == "/" and not quoted:
            flush()
        elif ch == "\ufffd":  # Go's utf8.RuneError ends the parse
            break
        else:
            buf.append(ch)
    flush()
    return out


_UNQUOTED = frozenset(")0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz")
_UNQUOTED_FIRST = frozenset("(ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz")
_ESCAPES = {'"': '\\"', "\\": "\\\\", "/": "\\/", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _jmespath(pointer: list[str]) -> str:
    """Kyverno ``jsonpointer.Pointer.JMESPath``."""
    out: list[str] = []
    for comp in pointer:
        if comp.isascii() and comp.isdigit() and int(comp) < 1 << 64:
            out.append(f"[{comp}]")
            continue
        if out:
            out.append(".")
        if comp[0] in _UNQUOTED_FIRST and all(ch in _UNQUOTED for ch in comp):
            out.append(comp)
            continue
        quoted = ['"']
        for ch in comp:
            code = ord(ch)
            if 0x20 <= code <= 0x21 or 0x23 <= code <= 0x5B or code >= 0x5D:
                quoted.append(ch)
            elif ch in _ESCAPES:
                quoted.append(_ESCAPES[ch])
            else:
                quoted.append(f"\\u{code:04x}")
        quoted.append('"')
        out.extend(quoted)
    return "".join(out)


def at_expression(path: tuple[str, ...], context: Any) -> str:
    """The JMESPath ``{{@}}`` stands for at ``path`` (raw keys and list indices inside the substituted document)."""
    pointer = _parse_path("".join("/" + seg.replace("/", "\\/") for seg in path))
    if "foreach" in pointer:
        pointer = pointer[pointer.index("foreach") + 1 :]
    prefix = ["target"] if isinstance(context, dict) and "target" in context else ["request", "object"]
    return _jmespath([*prefix, *pointer[2:]])


def _resolve(body: str, context: Any, path: tuple[str, ...]) -> Any:
    return evaluate(at_expression(path, context) if body == "@" else body, context)


def substitute_string(text: str, context: Any, path: tuple[str, ...] = ()) -> Any:
    """Substitute every variable in ``text``; may return a non-string for a whole-string variable.

    ``path`` locates ``text`` inside the document being substituted (for ``{{@}}``).
    """
    if "{{" not in text:
        return text
    body = _whole_variable(text)
    if body is not None:
        return _resolve(body, context, path)
    value: Any = text
    frozen: list[str] = []  # results of {{- }} variables, kept out of the re-scan behind placeholders
    for _ in range(_MAX_ROUNDS):
        if not isinstance(value, str):
            return value
        m = _VARIABLE.search(value)
        if m is None:
            break
        original = value
        prefix, var = m.group(1), m.group(2)
        body = var[2:-2].strip()
        verbatim = body.startswith("-")
        if verbatim:
            body = body[1:].strip()
        resolved = _resolve(_thaw(body, frozen) if frozen else body, context, path)
        if original == var:
            if verbatim:
                return resolved
            value = resolved
            continue
        replacement = resolved if isinstance(resolved, str) else to_json(resolved)
        if verbatim:
            frozen.append(replacement)
            replacement = f"{_FROZEN_OPEN}{len(frozen) - 1}{_FROZEN_CLOSE}"
        value = original.replace(prefix + var, prefix + replacement, 1)
    else:
        raise SubstitutionError("", f"too many nested variables in {text!r}")
    if isinstance(value, str) and "\\{{" in value:
        value = _ESCAPED.sub(lambda mm: mm.group(1), value)
    if frozen and isinstance(value, str):
        value = _thaw(value, frozen)
    return value


_FROZEN_OPEN, _FROZEN_CLOSE = "\ue000", "\ue001"  # private-use code points: no braces, so never part of a variable
_FROZEN = re.compile("\ue000([0-9]+)\ue001")


def _thaw(text: str, frozen: list[str]) -> str:
    """Put the verbatim {{- }} results back (once: their own contents are never substituted)."""
    return _FROZEN.sub(lambda m: frozen[int(m.group(1))], text)


def substitute_all(document: Any, context: Any, path: tuple[str, ...] = ()) -> Any:
    """Substitute every string leaf and map key of ``document`` (a new structure; the input is not modified).

    ``path`` is where ``document`` sits inside the document Kyverno would traverse (only ``{{@}}`` reads it).
    """
    if isinstance(document, str):
        return substitute_string(document, context, path)
    if isinstance(document, dict):
        if not has_variables(document):
            return document
        out: dict[Any, Any] = {}
        for key, item in document.items():
            new_key = substitute_string(key, context, path) if isinstance(key, str) and "{{" in key else key
            if not isinstance(new_key, str):
                new_key = to_json(new_key)
            out[new_key] = substitute_all(item, context, (*path, str(key)))
        return out
    if isinstance(document, list):
        if not has_variables(document):
            return document
        return [substitute_all(item, context, (*path, str(i))) for i, item in enumerate(document)]
    return document
