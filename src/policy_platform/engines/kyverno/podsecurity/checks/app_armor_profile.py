"""appArmorProfile (baseline, 1.0+): AppArmor must not be disabled or overridden to an unknown profile.

Restricted fields: ``spec.securityContext.appArmorProfile.type`` and the containers'
``securityContext.appArmorProfile.type`` (allowed: undefined, ``RuntimeDefault``, ``Localhost``), and the deprecated
``metadata.annotations["container.apparmor.security.beta.kubernetes.io/*"]`` (allowed: empty, ``runtime/default``,
``localhost/*``). Kyverno control name: ``AppArmor``.

Fails: ``appArmorProfile: {type: Unconfined}`` or an annotation ``unconfined``. Passes: ``RuntimeDefault``.
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
    join_quote,
    mapping,
    pluralize,
    security_context,
)

ID = "appArmorProfile"
LEVEL = "baseline"
_PREFIX = "container.apparmor.security.beta.kubernetes.io/"


def _allowed_annotation(value: Any) -> bool:
    return isinstance(value, str) and (value in ("", "runtime/default") or value.startswith("localhost/"))


def _v1_0(metadata: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    setters: list[str] = []
    errors: list[FieldError] = []
    bad_values: set[str] = set()
    profile = mapping(spec.get("securityContext")).get("appArmorProfile")
    if is_mapping(profile) and profile.get("type") not in ("RuntimeDefault", "Localhost"):
        kind = str(profile.get("type") or "")
        setters.append("pod")
        errors.append(forbidden("spec.securityContext.appArmorProfile.type", kind))
        bad_values.add(kind)
    bad: list[str] = []
    for container, path in containers(spec):
        profile = security_context(container).get("appArmorProfile")
        if is_mapping(profile) and profile.get("type") not in ("RuntimeDefault", "Localhost"):
            kind = str(profile.get("type") or "")
            bad.append(container_name(container))
            errors.append(forbidden(f"{path}.securityContext.appArmorProfile.type", kind))
            bad_values.add(kind)
    if bad:
        setters.append(f"{pluralize('container', 'containers', len(bad))} {join_quote(bad)}")
    annotations: list[str] = []
    for key, value in sorted(mapping(metadata.get("annotations")).items()):
        if str(key).startswith(_PREFIX) and not _allowed_annotation(value):
            annotations.append(f'{key}="{value}"')
            errors.append(forbidden(f"metadata.annotations[{key}]", value))
    values = sorted(bad_values) + annotations
    if annotations:
        setters.append(pluralize("annotation", "annotations", len(annotations)))
    if not setters:
        return ALLOWED
    return CheckResult(
        False,
        pluralize("forbidden AppArmor profile", "forbidden AppArmor profiles", len(values)),
        f"{' and '.join(setters)} must not set AppArmor profile type to {join_quote(values)}",
        tuple(errors),
    )


VERSIONS = (Versioned(0, _v1_0),)
