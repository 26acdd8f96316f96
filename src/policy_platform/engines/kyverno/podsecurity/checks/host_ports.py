"""hostPorts (baseline, 1.0+): host ports must not be used.

Restricted field: ``spec.{containers,initContainers,ephemeralContainers}[*].ports[*].hostPort``. Allowed values:
undefined, ``0``. Kyverno control name: ``Host Ports``.

Fails: ``ports: [{containerPort: 80, hostPort: 80}]``. Passes: no ``hostPort``.
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
)

ID = "hostPorts"
LEVEL = "baseline"


def _v1_0(metadata: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    bad: list[str] = []
    ports: list[str] = []
    errors: list[FieldError] = []
    for container, path in containers(spec):
        items = container.get("ports")
        found = False
        for i, port in enumerate(items if isinstance(items, list) else []):
            host_port = mapping(port).get("hostPort")
            if host_port not in (None, 0):
                found = True
                if str(host_port) not in ports:
                    ports.append(str(host_port))
                    ports.sort()  # a Go string set: listed in lexical order
                errors.append(forbidden(f"{path}.ports[{i}].hostPort", host_port))
        if found:
            bad.append(container_name(container))
    if not bad:
        return ALLOWED
    return CheckResult(
        False,
        "hostPort",
        f"{pluralize('container', 'containers', len(bad))} {join_quote(bad)} {pluralize('uses', 'use', len(bad))} "
        f"{pluralize('hostPort', 'hostPorts', len(ports))} {', '.join(ports)}",
        tuple(errors),
    )


VERSIONS = (Versioned(0, _v1_0),)
