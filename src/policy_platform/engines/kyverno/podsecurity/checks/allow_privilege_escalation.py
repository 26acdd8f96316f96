"""allowPrivilegeEscalation (restricted, Kubernetes 1.8+): privilege escalation must be disallowed.

Restricted fields: ``spec.{containers,initContainers,ephemeralContainers}[*].securityContext.allowPrivilegeEscalation``.
Allowed value: ``false``. From 1.25, pods with ``spec.os.name: windows`` are exempt.

Fails: a container without ``allowPrivilegeEscalation: false``. Passes: every container sets it to ``false``.
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
    pluralize,
    required,
    security_context,
)

ID = "allowPrivilegeEscalation"
LEVEL = "restricted"


def _v1_8(metadata: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    bad: list[str] = []
    errors: list[FieldError] = []
    for container, path in containers(spec):
        value = security_context(container).get("allowPrivilegeEscalation")
        if value is False:
            continue
        bad.append(container_name(container))
        field = f"{path}.securityContext.allowPrivilegeEscalation"
        errors.append(required(field) if value is None else forbidden(field, value))
    if not bad:
        return ALLOWED
    return CheckResult(
        False,
        "allowPrivilegeEscalation != false",
        f"{pluralize('container', 'containers', len(bad))} {join_quote(bad)} "
        "must set securityContext.allowPrivilegeEscalation=false",
        tuple(errors),
    )


def _v1_25(metadata: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    return ALLOWED if is_windows(spec) else _v1_8(metadata, spec)


VERSIONS = (Versioned(8, _v1_8), Versioned(25, _v1_25))
