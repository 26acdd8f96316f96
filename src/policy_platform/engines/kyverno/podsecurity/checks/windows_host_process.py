"""windowsHostProcess (baseline, 1.0+): Windows HostProcess containers are forbidden.

Restricted fields: ``spec.securityContext.windowsOptions.hostProcess`` and the containers' ones. Allowed values:
undefined, ``false``. Kyverno control name: ``HostProcess``.

Fails: ``windowsOptions: {hostProcess: true}``. Passes: not set.
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

ID = "windowsHostProcess"
LEVEL = "baseline"


def _v1_0(metadata: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    setters: list[str] = []
    errors: list[FieldError] = []
    if mapping(mapping(spec.get("securityContext")).get("windowsOptions")).get("hostProcess") is True:
        setters.append("pod")
        errors.append(forbidden("spec.securityContext.windowsOptions.hostProcess", True))
    bad: list[str] = []
    for container, path in containers(spec):
        if mapping(security_context(container).get("windowsOptions")).get("hostProcess") is True:
            bad.append(container_name(container))
            errors.append(forbidden(f"{path}.securityContext.windowsOptions.hostProcess", True))
    if bad:
        setters.append(f"{pluralize('container', 'containers', len(bad))} {join_quote(bad)}")
    if not setters:
        return ALLOWED
    return CheckResult(
        False,
        "hostProcess",
        f"{' and '.join(setters)} must not set securityContext.windowsOptions.hostProcess=true",
        tuple(errors),
    )


VERSIONS = (Versioned(0, _v1_0),)
