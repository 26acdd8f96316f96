"""seccompProfile_baseline (baseline, 1.0+): the seccomp profile must not be explicitly Unconfined.

Restricted fields: ``spec.securityContext.seccompProfile.type`` and the containers' ones (1.19+; before that the
``seccomp.security.alpha.kubernetes.io/pod`` and ``container.seccomp.security.alpha.kubernetes.io/*`` annotations).
Allowed values: undefined, ``RuntimeDefault``, ``Localhost``. Kyverno control name: ``Seccomp``.

Fails: ``seccompProfile: {type: Unconfined}``. Passes: ``RuntimeDefault``.
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

ID = "seccompProfile_baseline"
LEVEL = "baseline"


def _v1_0(metadata: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    bad: list[str] = []
    errors: list[FieldError] = []
    for key, value in sorted(mapping(metadata.get("annotations")).items()):
        if (key == "seccomp.security.alpha.kubernetes.io/pod" or str(key).startswith(
            "container.seccomp.security.alpha.kubernetes.io/"
        )) and value == "unconfined":
            bad.append(f'{key}="{value}"')
            errors.append(forbidden(f"metadata.annotations[{key}]", value))
    if not bad:
        return ALLOWED
    return CheckResult(False, "seccompProfile", f"forbidden {pluralize('annotation', 'annotations', len(bad))} "
                       f"{', '.join(bad)}", tuple(errors))


def _v1_19(metadata: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    setters: list[str] = []
    errors: list[FieldError] = []
    pod_type = mapping(mapping(spec.get("securityContext")).get("seccompProfile")).get("type")
    if pod_type == "Unconfined":
        setters.append("pod")
        errors.append(forbidden("spec.securityContext.seccompProfile.type", pod_type))
    bad: list[str] = []
    for container, path in containers(spec):
        kind = mapping(security_context(container).get("seccompProfile")).get("type")
        if kind == "Unconfined":
            bad.append(container_name(container))
            errors.append(forbidden(f"{path}.securityContext.seccompProfile.type", kind))
    if bad:
        setters.append(f"{pluralize('container', 'containers', len(bad))} {join_quote(bad)}")
    if not setters:
        return ALLOWED
    return CheckResult(
        False,
        "seccompProfile",
        f'{" and ".join(setters)} must not set securityContext.seccompProfile.type to "Unconfined"',
        tuple(errors),
    )


VERSIONS = (Versioned(0, _v1_0), Versioned(19, _v1_19))
