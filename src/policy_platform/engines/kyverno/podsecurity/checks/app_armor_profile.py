"""appArmorProfile (baseline, 1.0+): AppArmor must not be disabled.

Restricted fields: ``metadata.annotations["container.apparmor.security.beta.kubernetes.io/*"]`` (allowed: empty,
``runtime/default``, ``localhost/*``) and, from 1.30, ``spec.securityContext.appArmorProfile.type`` and the containers'
``securityContext.appArmorProfile.type`` (allowed: undefined, ``RuntimeDefault``, ``Localhost``).

Fails: an annotation ``unconfined`` or ``appArmorProfile.type: Unconfined``. Passes: ``runtime/default``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from policy_platform.engines.kyverno.podsecurity._model import (
    ALLOWED,
    CheckResult,
    FieldError,
    Versioned,
    containers,
    forbidden,
    mapping,
    pluralize,
    security_context,
)

ID = "appArmorProfile"
LEVEL = "baseline"
_PREFIX = "container.apparmor.security.beta.kubernetes.io/"


def _allowed_annotation(value: Any) -> bool:
    return isinstance(value, str) and (value in ("", "runtime/default") or value.startswith("localhost/"))


def _annotations(metadata: Mapping[str, Any]) -> tuple[list[str], list[FieldError]]:
    bad: list[str] = []
    errors: list[FieldError] = []
    for key, value in sorted(mapping(metadata.get("annotations")).items()):
        if str(key).startswith(_PREFIX) and not _allowed_annotation(value):
            bad.append(f'{key}="{value}"')
            errors.append(forbidden(f"metadata.annotations[{key}]", value))
    return bad, errors


def _v1_0(metadata: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    bad, errors = _annotations(metadata)
    if not bad:
        return ALLOWED
    return CheckResult(
        False,
        pluralize("forbidden AppArmor profile", "forbidden AppArmor profiles", len(bad)),
        ", ".join(bad),
        tuple(errors),
    )


def _v1_30(metadata: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    bad, errors = _annotations(metadata)
    pod_type = mapping(mapping(spec.get("securityContext")).get("appArmorProfile")).get("type")
    if pod_type == "Unconfined":
        bad.append('pod must not set securityContext.appArmorProfile.type to "Unconfined"')
        errors.append(forbidden("spec.securityContext.appArmorProfile.type", pod_type))
    for container, path in containers(spec):
        kind = mapping(security_context(container).get("appArmorProfile")).get("type")
        if kind == "Unconfined":
            bad.append(f'container "{container.get("name", "")}" must not set securityContext.appArmorProfile.type '
                       'to "Unconfined"')
            errors.append(forbidden(f"{path}.securityContext.appArmorProfile.type", kind))
    if not bad:
        return ALLOWED
    return CheckResult(
        False,
        pluralize("forbidden AppArmor profile", "forbidden AppArmor profiles", len(bad)),
        ", ".join(bad),
        tuple(errors),
    )


VERSIONS = (Versioned(0, _v1_0), Versioned(30, _v1_30))
