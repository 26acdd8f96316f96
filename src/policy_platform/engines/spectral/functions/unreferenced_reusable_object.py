"""``unreferencedReusableObject``: every member of a reusable-objects map must be the target of some local ``$ref``.

Options: ``reusableObjectsLocation`` (required): a JSON pointer fragment to the map the ``given`` points at, e.g.
``#/components/schemas``. A member ``Foo`` is referenced when some ``$ref`` in the document is exactly
``#/components/schemas/Foo``. Non-objects are ignored.
Message: ``Potential orphaned reusable object has been detected`` (path: the orphaned member).

Example::

    given: $.components.schemas
    then:
      function: unreferencedReusableObject
      functionOptions: {reusableObjectsLocation: "#/components/schemas"}
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

from policy_platform.engines.spectral.functions._base import FunctionContext, FunctionResult, check_keys

NAME = "unreferencedReusableObject"
_EXAMPLE = '{ "reusableObjectsLocation": "#/components/schemas" }, { "reusableObjectsLocation": "#/$defs" }'


def check_options(options: Any) -> str | None:
    if isinstance(options, dict) and "reusableObjectsLocation" not in options and not set(options) - {
            "reusableObjectsLocation"}:
        return f'"{NAME}" function is missing "reusableObjectsLocation" option. Example valid options: {_EXAMPLE}'
    problem = check_keys(NAME, options, ("reusableObjectsLocation",), ("reusableObjectsLocation",), _EXAMPLE)
    if problem:
        return problem
    location = options["reusableObjectsLocation"]
    if not isinstance(location, str) or not (location == "#" or location.startswith("#/")):
        return (f'"{NAME}" and its "reusableObjectsLocation" option support only valid JSON Pointer fragments, '
                'i.e. "#", "#/foo", "#/paths/~1user"')
    return None


def _segments(pointer: str) -> tuple[str, ...]:
    body = pointer[1:] if pointer.startswith("#") else pointer
    if not body:
        return ()
    return tuple(unquote(part).replace("~1", "/").replace("~0", "~") for part in body.lstrip("/").split("/"))


def _refs(value: Any) -> Iterator[str]:
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#"):
                yield ref
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def run(value: Any, options: Any, context: FunctionContext) -> list[FunctionResult]:
    if not isinstance(value, dict):
        return []
    location = _segments(options["reusableObjectsLocation"])
    referenced = {_segments(ref) for ref in _refs(context.document)}
    return [
        FunctionResult("Potential orphaned reusable object has been detected", (*location, name))
        for name in value
        if (*location, name) not in referenced
    ]
