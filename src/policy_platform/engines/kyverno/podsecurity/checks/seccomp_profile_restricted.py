"""seccompProfile_restricted (restricted, 1.19+): a seccomp profile must be set to RuntimeDefault or Localhost.

Restricted fields: ``spec.securityContext.seccompProfile.type`` and the containers' ones. Allowed: ``RuntimeDefault``
or ``Localhost`` at pod level (containers may then leave it unset), or on every container. From 1.25 Windows pods are
exempt. Kyverno control name: ``Seccomp``.

Fails: no seccomp profile at all. Passes: pod-level ``seccompProfile: {type: RuntimeDefault}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from policy_platform.engines.kyverno.podsecurity._model import (
    ALLOWED,
    CheckResult,
    FieldError,
    Versioned,
    container_name,
    containers,
    forbidden,
    is_mapping,
    is_windows,
    join_quote,
    mapping,
    pluralize,
    required,
    security_context,
)

ID = "seccompProfile_restricted"
LEVEL = "restricted"
_GOOD = ("RuntimeDefault", "Localhost")


def _profile_type(context: Mapping[str, Any]) -> str | None:
    """The ``seccompProfile.type`` of a security context ("" when a profile has no type), None without profile."""
    profile = context.get("seccompProfile")
    return str(profile.get("type") or "") if is_mapping(profile) else None


def _v1_19(metadata: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    setters: list[str] = []
    setter_errors: list[FieldError] = []
    bad_values: set[str] = set()
    pod_type = _profile_type(mapping(spec.get("securityContext")))
    pod_ok = pod_type in _GOOD
    if pod_type is not None and not pod_ok:
        setters.append("pod")
        setter_errors.append(forbidden("spec.securityContext.seccompProfile.type", pod_type))
        bad_values.add(pod_type)
    explicit: list[str] = []
    implicit: list[str] = []
    implicit_errors: list[FieldError] = []
    for container, path in containers(spec):
        kind = _profile_type(security_context(container))
        if kind is not None:
            if kind not in _GOOD:
                explicit.append(container_name(container))
                setter_errors.append(forbidden(f"{path}.securityContext.seccompProfile.type", kind))
                bad_values.add(kind)
        elif not pod_ok:
            implicit.append(container_name(container))
            implicit_errors.append(required(f"{path}.securityContext.seccompProfile.type"))
    if explicit:
        setters.append(f"{pluralize('container', 'containers', len(explicit))} {join_quote(explicit)}")
    if setters:
        return CheckResult(
            False,
            "seccompProfile",
            f"{' and '.join(setters)} must not set securityContext.seccompProfile.type to "
            f"{join_quote(sorted(bad_values))}",
            tuple(setter_errors),
        )
    if implicit:
        return CheckResult(
            False,
            "seccompProfile",
            f"pod or {pluralize('container', 'containers', len(implicit))} {join_quote(implicit)} "
            'must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"',
            tuple(implicit_errors),
        )
    return ALLOWED


def _v1_25(metadata: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    return ALLOWED if is_windows(spec) else _v1_19(metadata, spec)


VERSIONS = (Versioned(19, _v1_19), Versioned(25, _v1_25))
