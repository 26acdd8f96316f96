"""runAsNonRoot (restricted, 1.0+): containers must run as non-root.

Restricted fields: ``spec.securityContext.runAsNonRoot`` and the containers' ``securityContext.runAsNonRoot``.
Allowed: ``true``, or undefined on a container when the pod sets ``true``.
Kyverno control name: ``Running as Non-root``.

Fails: nothing sets ``runAsNonRoot: true``, or something sets ``false``. Passes: pod-level ``runAsNonRoot: true``.
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
    join_quote,
    mapping,
    pluralize,
    required,
    security_context,
)

ID = "runAsNonRoot"
LEVEL = "restricted"


def _v1_0(metadata: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    setters: list[str] = []
    setter_errors: list[FieldError] = []
    pod_value = mapping(spec.get("securityContext")).get("runAsNonRoot")
    if pod_value is False:
        setters.append("pod")
        setter_errors.append(forbidden("spec.securityContext.runAsNonRoot", False))
    explicit: list[str] = []
    implicit: list[str] = []
    implicit_errors: list[FieldError] = []
    for container, path in containers(spec):
        value = security_context(container).get("runAsNonRoot")
        if value is not None:
            if value is False:
                explicit.append(container_name(container))
                setter_errors.append(forbidden(f"{path}.securityContext.runAsNonRoot", False))
        elif pod_value is not True:
            implicit.append(container_name(container))
            implicit_errors.append(required(f"{path}.securityContext.runAsNonRoot"))
    if explicit:
        setters.append(f"{pluralize('container', 'containers', len(explicit))} {join_quote(explicit)}")
    if setters:
        return CheckResult(
            False,
            "runAsNonRoot != true",
            f"{' and '.join(setters)} must not set securityContext.runAsNonRoot=false",
            tuple(setter_errors),
        )
    if implicit:
        return CheckResult(
            False,
            "runAsNonRoot != true",
            f"pod or {pluralize('container', 'containers', len(implicit))} {join_quote(implicit)} "
            "must set securityContext.runAsNonRoot=true",
            tuple(implicit_errors),
        )
    return ALLOWED


VERSIONS = (Versioned(0, _v1_0),)
