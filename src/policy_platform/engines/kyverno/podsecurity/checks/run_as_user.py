"""runAsUser (restricted, 1.23+): containers must not run as UID 0.

Restricted fields: ``spec.securityContext.runAsUser`` and the containers' ``securityContext.runAsUser``. Allowed:
any non-zero value, undefined. Kyverno control name:
``Running as Non-root user``.

Fails: ``runAsUser: 0``. Passes: ``runAsUser: 1000``.
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
    security_context,
)

ID = "runAsUser"
LEVEL = "restricted"


def _is_zero(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value == 0


def _v1_23(metadata: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    setters: list[str] = []
    errors: list[FieldError] = []
    if _is_zero(mapping(spec.get("securityContext")).get("runAsUser")):
        setters.append("pod")
        errors.append(forbidden("spec.securityContext.runAsUser", 0))
    bad: list[str] = []
    for container, path in containers(spec):
        if _is_zero(security_context(container).get("runAsUser")):
            bad.append(container_name(container))
            errors.append(forbidden(f"{path}.securityContext.runAsUser", 0))
    if bad:
        setters.append(f"{pluralize('container', 'containers', len(bad))} {join_quote(bad)}")
    if not setters:
        return ALLOWED
    return CheckResult(False, "runAsUser=0", f"{' and '.join(setters)} must not set runAsUser=0", tuple(errors))


VERSIONS = (Versioned(23, _v1_23),)
