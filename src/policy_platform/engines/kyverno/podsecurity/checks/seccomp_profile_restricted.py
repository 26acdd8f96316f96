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


def _v1_19(metadata: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    setters: list[str] = []
    setter_errors: list[FieldError] = []
    pod_type = mapping(mapping(spec.get("securityContext")).get("seccompProfile")).get("type")
    pod_ok = pod_type in _GOOD
    bad_values: list[str] = []
    if pod_type is not None and not pod_ok:
        setters.append("pod")
        bad_values.append(str(pod_type))
        setter_errors.append(forbidden("spec.securityContext.seccompProfile.type", pod_type))
    explicit: list[str] = []
    implicit: list[str] = []
    implicit_errors: list[FieldError] = []
    for container, path in containers(spec):
        kind = mapping(security_context(container).get("seccompProfile")).get("type")
        if kind is not None:
            if kind not in _GOOD:
                explicit.append(container_name(container))
                if str(kind) not in bad_values:
                    bad_values.append(str(kind))
                setter_errors.append(forbidden(f"{path}.securityContext.seccompProfile.type", kind))
        elif not pod_ok:
            implicit.append(container_name(container))
            implicit_errors.append(required(f"{path}.securityContext.seccompProfile.type"))
    if explicit:
        setters.append(f"{pluralize('container', 'containers', len(explicit))} {join_quote(explicit)}")
    if setters:
        return CheckResult(
            False,
            "seccompProfile",
            f"{' and '.join(setters)} must not set securityContext.seccompProfile.type to {join_quote(bad_values)}",
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
