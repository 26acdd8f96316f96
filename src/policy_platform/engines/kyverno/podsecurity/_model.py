"""Value objects and helpers shared by the Pod Security Standards checks.

A check sees the pod's ``metadata`` and ``spec`` as plain mappings (decoded JSON) and returns a :class:`CheckResult`
with Kubernetes-style field errors (``k8s.io/apimachinery`` ``field.Error``), as Kyverno's fork of
``k8s.io/pod-security-admission`` does with ``WithFieldErrors()``. Field paths are relative to the pod
(``spec.containers[0].securityContext.privileged``); the handler rewrites them for controllers.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeGuard

__all__ = [
    "ABSENT",
    "CheckFn",
    "CheckResult",
    "FieldError",
    "Versioned",
    "containers",
    "forbidden",
    "is_mapping",
    "join_quote",
    "mapping",
    "pluralize",
    "required",
]


class _Absent:
    """Marker for a field error without a bad value."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()


@dataclass(frozen=True, slots=True)
class FieldError:
    """A ``field.Error``: ``kind`` is ``Forbidden`` or ``Required``; ``bad_value`` is :data:`ABSENT` when not set."""

    kind: Literal["Forbidden", "Required"]
    field: str
    bad_value: Any = ABSENT

    def with_field(self, field: str) -> FieldError:
        return FieldError(self.kind, field, self.bad_value)


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The result of one check: allowed, or the forbidden reason and detail with field errors."""

    allowed: bool
    reason: str = ""
    detail: str = ""
    errors: tuple[FieldError, ...] = ()


ALLOWED = CheckResult(True)

CheckFn = Callable[[Mapping[str, Any], Mapping[str, Any]], CheckResult]


@dataclass(frozen=True, slots=True)
class Versioned:
    """One version of a check: applies from Kubernetes ``1.<minor>``."""

    minor: int
    check: CheckFn


def forbidden(field: str, bad_value: Any = ABSENT) -> FieldError:
    return FieldError("Forbidden", field, bad_value)


def required(field: str) -> FieldError:
    return FieldError("Required", field)


_EMPTY: Mapping[str, Any] = types.MappingProxyType({})


def mapping(value: Any) -> Mapping[str, Any]:
    """``value`` if it is a mapping, else an empty one (absent or null fields)."""
    if type(value) is dict:  # the common cases first, without the slower ABC check
        return value
    if value is None:
        return _EMPTY
    return value if isinstance(value, Mapping) else _EMPTY


def is_mapping(value: Any) -> TypeGuard[Mapping[str, Any]]:
    """``isinstance(value, Mapping)``, fast for the usual dict and None."""
    return type(value) is dict or (value is not None and isinstance(value, Mapping))


# the containers of the last spec asked for: every check of a level walks the same spec, one after the other
_last_spec: list[Any] = [None, ()]


def containers(spec: Mapping[str, Any]) -> Sequence[tuple[Mapping[str, Any], str]]:
    """Every container with its field path, in the order Kubernetes visits them (init, regular, ephemeral).

    Computed once per spec object while the checks of a level run on it (the cache holds the spec, so its identity
    cannot be reused by another object; resources are not modified during evaluation).
    """
    if _last_spec[0] is spec:
        found: Sequence[tuple[Mapping[str, Any], str]] = _last_spec[1]
        return found
    out: list[tuple[Mapping[str, Any], str]] = []
    for key in ("initContainers", "containers", "ephemeralContainers"):
        items = spec.get(key)
        if isinstance(items, list):
            for i, item in enumerate(items):
                out.append((mapping(item), f"spec.{key}[{i}]"))
    result = tuple(out)
    _last_spec[0] = spec
    _last_spec[1] = result
    return result


def security_context(container: Mapping[str, Any]) -> Mapping[str, Any]:
    return mapping(container.get("securityContext"))


def pluralize(singular: str, plural: str, count: int) -> str:
    return singular if count == 1 else plural


def join_quote(items: Sequence[str]) -> str:
    """Go's ``joinQuote``: each item double-quoted, comma separated."""
    return ", ".join(f'"{item}"' for item in items)


def container_name(container: Mapping[str, Any]) -> str:
    name = container.get("name")
    return name if isinstance(name, str) else ""


def is_windows(spec: Mapping[str, Any]) -> bool:
    return mapping(spec.get("os")).get("name") == "windows"
