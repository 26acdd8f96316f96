"""seccompProfile_baseline (baseline, 1.0+): the seccomp profile must not be explicitly Unconfined.

Restricted fields: ``spec.securityContext.seccompProfile.type`` and the containers' ones (1.19+; allowed: undefined,
``RuntimeDefault``, ``Localhost``); before 1.19 the ``seccomp.security.alpha.kubernetes.io/pod`` and
``container.seccomp.security.alpha.kubernetes.io/<container>`` annotations (allowed: ``runtime/default``,
``docker/default``, ``localhost/*``). Kyverno control name: ``Seccomp``.

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
    is_mapping,
    join_quote,
    mapping,
    pluralize,
    security_context,
)

ID = "seccompProfile_baseline"
LEVEL = "baseline"


_POD_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod"
_CONTAINER_ANNOTATION = "container.seccomp.security.alpha.kubernetes.io/"
_GOOD = ("RuntimeDefault", "Localhost")


def _valid_annotation(value: Any) -> bool:
    return isinstance(value, str) and (value in ("runtime/default", "docker/default") or value.startswith("localhost/"))


def _v1_0(metadata: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    annotations = mapping(metadata.get("annotations"))
    found: dict[str, list[FieldError]] = {}
    keys = [_POD_ANNOTATION] + [_CONTAINER_ANNOTATION + container_name(c) for c, _ in containers(spec)]
    for key in keys:
        if key in annotations and not _valid_annotation(annotations[key]):
            value = annotations[key]
            found.setdefault(f'{key}="{value}"', []).append(forbidden(f"metadata.annotations[{key}]", value))
    if not found:
        return ALLOWED
    names = sorted(found)
    return CheckResult(
        False,
        "seccompProfile",
        f"forbidden {pluralize('annotation', 'annotations', len(names))} {', '.join(names)}",
        tuple(err for name in names for err in found[name]),
    )


def _profile_type(context: Mapping[str, Any]) -> str | None:
    profile = context.get("seccompProfile")
    return str(profile.get("type") or "") if is_mapping(profile) else None


def _v1_19(metadata: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    setters: list[str] = []
    errors: list[FieldError] = []
    bad_values: set[str] = set()
    pod_type = _profile_type(mapping(spec.get("securityContext")))
    if pod_type is not None and pod_type not in _GOOD:
        setters.append("pod")
        errors.append(forbidden("spec.securityContext.seccompProfile.type", pod_type))
        bad_values.add(pod_type)
    bad: list[str] = []
    for container, path in containers(spec):
        kind = _profile_type(security_context(container))
        if kind is not None and kind not in _GOOD:
            bad.append(container_name(container))
            errors.append(forbidden(f"{path}.securityContext.seccompProfile.type", kind))
            bad_values.add(kind)
    if bad:
        setters.append(f"{pluralize('container', 'containers', len(bad))} {join_quote(bad)}")
    if not setters:
        return ALLOWED
    return CheckResult(
        False,
        "seccompProfile",
        f"{' and '.join(setters)} must not set securityContext.seccompProfile.type to {join_quote(sorted(bad_values))}",
        tuple(errors),
    )


VERSIONS = (Versioned(0, _v1_0), Versioned(19, _v1_19))
