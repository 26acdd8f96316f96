"""``{{ }}`` substitution (Kyverno ``pkg/engine/variables/vars.go``).

A variable is ``{{…}}`` not preceded by a backslash and may hold one level of inner braces; the innermost variables
resolve first and the string is re-scanned. A string that is exactly one variable becomes the typed value; otherwise
strings are inserted as-is and other values as Go JSON (``null``, ``{"a":1}``). ``\\{{`` escapes a variable. Every
string leaf and every map key of a document is visited.
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


def substitute_string(text: str, context: Any) -> Any:
    """Substitute every variable in ``text``; may return a non-string for a whole-string variable."""
    if "{{" not in text:
        return text
    body = _whole_variable(text)
    if body is not None:
        return evaluate(body, context)
    value: Any = text
    for _ in range(_MAX_ROUNDS):
        if not isinstance(value, str):
            return value
        m = _VARIABLE.search(value)
        if m is None:
            break
        original = value
        prefix, var = m.group(1), m.group(2)
        body = var[2:-2].strip()
        if body.startswith("-"):
            body = body[1:].strip()
        resolved = evaluate(body, context)
        if original == var:
            value = resolved
            continue
        replacement = resolved if isinstance(resolved, str) else to_json(resolved)
        value = original.replace(prefix + var, prefix + replacement, 1)
    else:
        raise SubstitutionError("", f"too many nested variables in {text!r}")
    if isinstance(value, str) and "\\{{" in value:
        value = _ESCAPED.sub(lambda mm: mm.group(1), value)
    return value


def substitute_all(document: Any, context: Any) -> Any:
    """Substitute every string leaf and map key of ``document`` (a new structure; the input is not modified)."""
    if isinstance(document, str):
        return substitute_string(document, context)
    if isinstance(document, dict):
        if not has_variables(document):
            return document
        out: dict[Any, Any] = {}
        for key, item in document.items():
            new_key = substitute_string(key, context) if isinstance(key, str) and "{{" in key else key
            if not isinstance(new_key, str):
                new_key = to_json(new_key)
            out[new_key] = substitute_all(item, context)
        return out
    if isinstance(document, list):
        if not has_variables(document):
            return document
        return [substitute_all(item, context) for item in document]
    return document
