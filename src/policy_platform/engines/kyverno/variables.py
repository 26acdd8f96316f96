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
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from policy_platform.engines.kyverno.gofmt import to_json
from policy_platform.engines.kyverno.jmespath_dialect import (
    EVALUATION_ERRORS,
    JMESPathError,
    UnknownKeyError,
    compiled,
    evaluation_error,
    is_pure,
    search,
)

_VARIABLE = re.compile(r"(^|[^\\])(\{\{(?:\{[^{}]*\}|[^{}])*\}\})")
_ESCAPED = re.compile(r"\\(\{\{(?:\{[^{}]*\}|[^{}])*\}\})")
_MAX_ROUNDS = 64


def _find_variable(text: str) -> re.Match[str] | None:
    """``_VARIABLE.search(text)``, started next to the first ``{{`` (a match starts there or one character before,
    and none can start earlier): the same match, without trying the pattern at every position before it."""
    at = text.find("{{")
    if at < 0:
        return None
    return _VARIABLE.search(text, at - 1 if at > 0 else 0)


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


Resolver = Callable[[Any, tuple[str, ...]], Any]


@lru_cache(maxsize=16384)
def resolver(body: str) -> Resolver:
    """``_resolve(body, context, path)`` as a function of (context, path), the body's query compiled once."""
    if body == "@":
        return lambda context, path: evaluate(at_expression(path, context), context)
    try:
        run = compiled(body)
    except JMESPathError:  # a syntax error: raised (as a SubstitutionError) each time the variable is evaluated
        return lambda context, path: evaluate(body, context)
    on_delete = "request.object" in body

    def resolve(context: Any, path: tuple[str, ...]) -> Any:
        if on_delete and _is_delete(context):
            return evaluate(body, context)
        try:
            return run(context)
        except UnknownKeyError as exc:
            raise SubstitutionError(body, str(exc)) from None
        except EVALUATION_ERRORS as exc:  # as search() then evaluate() report it
            raise SubstitutionError(body, str(evaluation_error(exc))) from None

    return resolve


@lru_cache(maxsize=16384)
def is_pure_variable(text: str) -> bool:
    """Whether ``text`` is one whole variable whose substitution gives the same value every time over the same
    context (no clock or random function, not ``{{@}}``)."""
    body = _whole_variable(text)
    return body is not None and body != "@" and is_pure(body)


@lru_cache(maxsize=16384)
def string_substituter(text: str) -> Resolver:
    """``substitute_string(text, context, path)`` as a function of (context, path), the string parsed once."""
    if "{{" not in text:
        return lambda context, path: text
    body = _whole_variable(text)
    if body is not None:
        return resolver(body)
    template = _template(text)
    if template is None:
        nested = _nested_template(text)
        if nested is not None:
            return _nested_substituter(text, *nested)
        return lambda context, path: _substitute_rescanning(text, context, path)
    pieces, bodies = template
    first = pieces[0]
    steps = tuple(zip((resolver(b) for b in bodies), pieces[1:], strict=True))

    def substitute(context: Any, path: tuple[str, ...]) -> Any:
        out = [first]
        for resolve, piece in steps:
            resolved = resolve(context, path)
            replacement = resolved if isinstance(resolved, str) else to_json(resolved)
            if "{" in replacement or "}" in replacement or "\\" in replacement:
                return _substitute_rescanning(text, context, path)  # the re-scan could see a new variable
            out.append(replacement)
            out.append(piece)
        return "".join(out)

    return substitute


def substitute_string(text: str, context: Any, path: tuple[str, ...] = ()) -> Any:
    """Substitute every variable in ``text``; may return a non-string for a whole-string variable.

    ``path`` locates ``text`` inside the document being substituted (for ``{{@}}``).
    """
    if "{{" not in text:
        return text
    return string_substituter(text)(context, path)


_SLOT = "\ue002"  # a private-use code point standing for a variable's result while a template is parsed
_UNSAFE_LITERAL = frozenset("{}\\\ue000\ue001\ue002")


@lru_cache(maxsize=16384)
def _template(text: str) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """(literal pieces, variable bodies) of a string whose substitution is a single left-to-right pass, else None.

    That holds when no literal piece holds a brace or a backslash (so a result can never join a literal into a new
    variable or an escape), no variable is ``{{- }}``, there is literal text (so the string never becomes exactly one
    variable midway) and there are fewer variables than the re-scan limit. :func:`substitute_string` also checks at
    run time that no result holds a brace or a backslash, and otherwise takes the re-scanning path.
    """
    value = text
    bodies: list[str] = []
    for _ in range(_MAX_ROUNDS - 1):
        m = _find_variable(value)
        if m is None:
            break
        prefix, var = m.group(1), m.group(2)
        body = var[2:-2].strip()
        if body.startswith("-") or value == var:
            return None
        bodies.append(body)
        value = value.replace(prefix + var, prefix + _SLOT, 1)
    else:
        return None
    pieces = value.split(_SLOT)
    if len(pieces) != len(bodies) + 1 or not any(pieces):
        return None
    if any(ch in _UNSAFE_LITERAL for piece in pieces for ch in piece):
        return None
    return tuple(pieces), tuple(bodies)


@lru_cache(maxsize=16384)
def _nested_template(text: str) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """(pieces, inner bodies) of ``{{ … {{inner}} … }}``: simple inner variables whose results, once in place, make the
    string exactly one outer variable (as in ``{{ regex_match('…', '{{request.object.x}}') }}``), else None.

    Besides the outer ``{{``/``}}``, no piece may hold a brace or a backslash; at run time every inner result must be
    a non-empty string without either (an empty one could join the outer braces to an inner variable's), otherwise
    the re-scanning loop runs.
    """
    value = text
    bodies: list[str] = []
    for _ in range(_MAX_ROUNDS - 2):
        m = _find_variable(value)
        if m is None:
            return None
        prefix, var = m.group(1), m.group(2)
        if value == var:
            break
        body = var[2:-2].strip()
        if body.startswith("-"):
            return None
        bodies.append(body)
        value = value.replace(prefix + var, prefix + _SLOT, 1)
    else:
        return None
    pieces = value.split(_SLOT)
    if not bodies or len(pieces) != len(bodies) + 1:
        return None
    if not (pieces[0].startswith("{{") and pieces[-1].endswith("}}")):
        return None
    inside = [pieces[0][2:], *pieces[1:-1], pieces[-1][:-2]]
    if any(ch in _UNSAFE_LITERAL for piece in inside for ch in piece):
        return None
    return tuple(pieces), tuple(bodies)


def _nested_substituter(text: str, pieces: tuple[str, ...], bodies: tuple[str, ...]) -> Resolver:
    first = pieces[0]
    steps = tuple(zip((resolver(b) for b in bodies), pieces[1:], strict=True))

    def substitute(context: Any, path: tuple[str, ...]) -> Any:
        out = [first]
        for resolve, piece in steps:
            resolved = resolve(context, path)
            replacement = resolved if isinstance(resolved, str) else to_json(resolved)
            if not replacement or "{" in replacement or "}" in replacement or "\\" in replacement:
                return _substitute_rescanning(text, context, path)
            out.append(replacement)
            out.append(piece)
        body = "".join(out)[2:-2].strip()
        if body.startswith("-"):  # the outer variable became a {{- }} one
            return _substitute_rescanning(text, context, path)
        result = resolver(body)(context, path)
        if isinstance(result, str) and "{{" in result:  # the loop would scan the result
            return _substitute_rescanning(text, context, path)
        return result

    return substitute


def _substitute_rescanning(text: str, context: Any, path: tuple[str, ...]) -> Any:
    """Kyverno's loop: substitute the first variable, re-scan the whole string, until no variable is left."""
    value: Any = text
    frozen: list[str] = []  # results of {{- }} variables, kept out of the re-scan behind placeholders
    for _ in range(_MAX_ROUNDS):
        if not isinstance(value, str):
            return value
        m = _find_variable(value)
        if m is None:
            break
        original = value
        prefix, var = m.group(1), m.group(2)
        body = var[2:-2].strip()
        verbatim = body.startswith("-")
        if verbatim:
            body = body[1:].strip()
        resolved = resolver(_thaw(body, frozen) if frozen else body)(context, path)
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
    A container without any variable is returned as is.
    """
    if isinstance(document, str):
        return substitute_string(document, context, path) if "{{" in document else document
    if isinstance(document, _CONTAINERS):
        return _walk(document, context, path)[0]
    return document


_CONTAINERS = (dict, list)


def _walk(document: Any, context: Any, path: tuple[str, ...]) -> tuple[Any, bool]:
    """(substituted document, whether it held a variable): one pass, the input itself when it held none."""
    if isinstance(document, str):
        if "{{" in document:
            return substitute_string(document, context, path), True
        return document, False
    if isinstance(document, dict):
        out: dict[str, Any] = {}
        found = False
        for key, item in document.items():
            if type(key) is not str:  # start again on the general path (what ran so far has no side effect)
                return _walk_any_keys(document, context, path)
            if "{{" in key:
                found = True
                new_key = substitute_string(key, context, path)
                if not isinstance(new_key, str):
                    new_key = to_json(new_key)
            else:
                new_key = key
            if isinstance(item, str):  # a leaf, without the recursive call
                if "{{" in item:
                    found = True
                    out[new_key] = substitute_string(item, context, (*path, key))
                else:
                    out[new_key] = item
            elif isinstance(item, _CONTAINERS):
                value, held = _walk(item, context, (*path, key))
                found = found or held
                out[new_key] = value
            else:
                out[new_key] = item
        return (out, True) if found else (document, False)
    if isinstance(document, list):
        items: list[Any] = []
        found = False
        for i, item in enumerate(document):
            if isinstance(item, str):
                if "{{" in item:
                    found = True
                    items.append(substitute_string(item, context, (*path, str(i))))
                else:
                    items.append(item)
            elif isinstance(item, _CONTAINERS):
                value, held = _walk(item, context, (*path, str(i)))
                found = found or held
                items.append(value)
            else:
                items.append(item)
        return (items, True) if found else (document, False)
    return document, False


def _walk_any_keys(document: dict[Any, Any], context: Any, path: tuple[str, ...]) -> tuple[Any, bool]:
    """A map with non-string keys: those become JSON text, only when the map holds a variable."""
    if not has_variables(document):
        return document, False
    out: dict[str, Any] = {}
    for key, item in document.items():
        new_key = substitute_string(key, context, path) if isinstance(key, str) and "{{" in key else key
        if not isinstance(new_key, str):
            new_key = to_json(new_key)
        out[new_key] = _walk(item, context, (*path, str(key)))[0]
    return out, True
