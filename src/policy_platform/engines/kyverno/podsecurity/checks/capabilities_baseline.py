"""capabilities_baseline (baseline, 1.0+): only the default capabilities may be added.

Restricted fields: ``spec.{containers,initContainers,ephemeralContainers}[*].securityContext.capabilities.add``.
Allowed values: undefined, ``AUDIT_WRITE CHOWN DAC_OVERRIDE FOWNER FSETID KILL MKNOD NET_BIND_SERVICE SETFCAP SETGID
SETPCAP SETUID SYS_CHROOT``. Kyverno control name: ``Capabilities``.

Fails: ``add: [SYS_ADMIN]``. Passes: ``add: [CHOWN]``.
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

ID = "capabilities_baseline"
LEVEL = "baseline"
ALLOWED_CAPABILITIES = frozenset(
    {
        "AUDIT_WRITE",
        "CHOWN",
        "DAC_OVERRIDE",
        "FOWNER",
        "FSETID",
        "KILL",
        "MKNOD",
        "NET_BIND_SERVICE",
        "SETFCAP",
        "SETGID",
        "SETPCAP",
        "SETUID",
        "SYS_CHROOT",
    }
)


def _v1_0(metadata: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    bad_containers: list[str] = []
    bad_caps: list[str] = []
    errors: list[FieldError] = []
    for container, path in containers(spec):
        added = mapping(security_context(container).get("capabilities")).get("add")
        if not isinstance(added, list):
            continue
        found = sorted({str(cap) for cap in added if str(cap) not in ALLOWED_CAPABILITIES})
        if found:
            bad_containers.append(container_name(container))
            bad_caps.extend(cap for cap in found if cap not in bad_caps)
            errors.append(forbidden(f"{path}.securityContext.capabilities.add", found))
    if not bad_containers:
        return ALLOWED
    return CheckResult(
        False,
        "non-default capabilities",
        f"{pluralize('container', 'containers', len(bad_containers))} {join_quote(bad_containers)} "
        f"must not include {join_quote(sorted(bad_caps))} in securityContext.capabilities.add",
        tuple(errors),
    )


VERSIONS = (Versioned(0, _v1_0),)
