"""capabilities_restricted (restricted, 1.22+): drop ALL capabilities; only NET_BIND_SERVICE may be added.

Restricted fields: ``spec.{containers,initContainers,ephemeralContainers}[*].securityContext.capabilities.drop``
(must include ``ALL``) and ``...capabilities.add`` (only ``NET_BIND_SERVICE``). Field errors list every missing
``drop`` (``Required`` when empty, else the sorted values) before every forbidden ``add`` (its sorted values).
From 1.25 Windows pods are exempt.
Kyverno control name: ``Capabilities``.

Fails: no ``drop: [ALL]``, or ``add: [SYS_ADMIN]``. Passes: ``drop: [ALL]``, ``add: [NET_BIND_SERVICE]``.
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
    is_windows,
    join_quote,
    pluralize,
    required,
    security_context,
)

ID = "capabilities_restricted"
LEVEL = "restricted"


def _v1_22(metadata: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    no_drop: list[str] = []
    bad_add: list[str] = []
    bad_caps: set[str] = set()
    drop_errors: list[FieldError] = []
    add_errors: list[FieldError] = []
    for container, path in containers(spec):
        caps = security_context(container).get("capabilities")
        field = f"{path}.securityContext.capabilities"
        if not is_mapping(caps):
            no_drop.append(container_name(container))
            drop_errors.append(required(f"{field}.drop"))
            continue
        raw_drop = caps.get("drop")
        drop: list[Any] = raw_drop if isinstance(raw_drop, list) else []
        if "ALL" not in drop:
            no_drop.append(container_name(container))
            drop_errors.append(
                forbidden(f"{field}.drop", sorted({str(d) for d in drop})) if drop else required(f"{field}.drop")
            )
        raw_add = caps.get("add")
        added: list[Any] = raw_add if isinstance(raw_add, list) else []
        found = sorted({str(cap) for cap in added if cap != "NET_BIND_SERVICE"})
        if found:
            bad_add.append(container_name(container))
            bad_caps.update(found)
            add_errors.append(forbidden(f"{field}.add", found))
    parts: list[str] = []
    if no_drop:
        parts.append(
            f"{pluralize('container', 'containers', len(no_drop))} {join_quote(no_drop)} "
            'must set securityContext.capabilities.drop=["ALL"]'
        )
    if bad_add:
        parts.append(
            f"{pluralize('container', 'containers', len(bad_add))} {join_quote(bad_add)} "
            f"must not include {join_quote(sorted(bad_caps))} in securityContext.capabilities.add"
        )
    if not parts:
        return ALLOWED
    return CheckResult(False, "unrestricted capabilities", "; ".join(parts), (*drop_errors, *add_errors))


def _v1_25(metadata: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    return ALLOWED if is_windows(spec) else _v1_22(metadata, spec)


VERSIONS = (Versioned(22, _v1_22), Versioned(25, _v1_25))
