"""procMount (baseline, 1.0+): the default /proc mask must be kept.

Restricted field: ``spec.{containers,initContainers,ephemeralContainers}[*].securityContext.procMount``. Allowed
values: undefined, ``Default``. (Kubernetes' user-namespace relaxation for ``hostUsers: false`` sits behind the
``UserNamespacesPodSecurityStandards`` feature gate, which Kyverno does not enable.) Kyverno control name:
``/proc Mount Type``.

Fails: ``procMount: Unmasked``. Passes: ``procMount: Default``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from policy_platform.engines.kyverno.podsecurity._model import (
    ALLOWED,
    CheckResult,
    Versioned,
    container_name,
    containers,
    forbidden,
    join_quote,
    pluralize,
    security_context,
)

ID = "procMount"
LEVEL = "baseline"


def _v1_0(metadata: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    bad: list[str] = []
    values: list[str] = []
    errors = []
    for container, path in containers(spec):
        value = security_context(container).get("procMount")
        if value is not None and value != "Default":
            bad.append(container_name(container))
            if str(value) not in values:
                values.append(str(value))
            errors.append(forbidden(f"{path}.securityContext.procMount", value))
    if not bad:
        return ALLOWED
    return CheckResult(
        False,
        "procMount",
        f"{pluralize('container', 'containers', len(bad))} {join_quote(bad)} "
        f"must not set securityContext.procMount to {join_quote(values)}",
        tuple(errors),
    )


VERSIONS = (Versioned(0, _v1_0),)
