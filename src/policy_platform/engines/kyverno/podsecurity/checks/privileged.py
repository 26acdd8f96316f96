"""privileged (baseline, 1.0+): privileged containers are forbidden.

Restricted field: ``spec.{containers,initContainers,ephemeralContainers}[*].securityContext.privileged``. Allowed
values: undefined, ``false``. Kyverno control name: ``Privileged Containers``.

Fails: ``privileged: true``. Passes: ``privileged: false``.
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

ID = "privileged"
LEVEL = "baseline"


def _v1_0(metadata: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    bad: list[str] = []
    errors = []
    for container, path in containers(spec):
        if security_context(container).get("privileged") is True:
            bad.append(container_name(container))
            errors.append(forbidden(f"{path}.securityContext.privileged", True))
    if not bad:
        return ALLOWED
    return CheckResult(
        False,
        "privileged",
        f"{pluralize('container', 'containers', len(bad))} {join_quote(bad)} "
        "must not set securityContext.privileged=true",
        tuple(errors),
    )


VERSIONS = (Versioned(0, _v1_0),)
