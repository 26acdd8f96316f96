"""sysctls (baseline, 1.0+): only the safe sysctl subset may be set.

Restricted field: ``spec.securityContext.sysctls[*].name``. Allowed: ``kernel.shm_rmid_forced``,
``net.ipv4.ip_local_port_range``, ``net.ipv4.tcp_syncookies``, ``net.ipv4.ping_group_range``,
``net.ipv4.ip_unprivileged_port_start``; 1.27+ also ``net.ipv4.ip_local_reserved_ports``; 1.29+ also
``net.ipv4.tcp_keepalive_time``, ``net.ipv4.tcp_fin_timeout``, ``net.ipv4.tcp_keepalive_intvl``,
``net.ipv4.tcp_keepalive_probes``.

Fails: ``sysctls: [{name: kernel.msgmax, value: "65536"}]``. Passes: ``net.ipv4.tcp_syncookies``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from policy_platform.engines.kyverno.podsecurity._model import (
    ALLOWED,
    CheckResult,
    Versioned,
    forbidden,
    mapping,
)

ID = "sysctls"
LEVEL = "baseline"
_V1_0 = frozenset(
    {
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
        "net.ipv4.ip_unprivileged_port_start",
    }
)
_V1_27 = _V1_0 | {"net.ipv4.ip_local_reserved_ports"}
_V1_29 = _V1_27 | {
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
}


def _make(allowed: frozenset[str]) -> Callable[[Mapping[str, Any], Mapping[str, Any]], CheckResult]:
    def check(metadata: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
        items = mapping(spec.get("securityContext")).get("sysctls")
        bad: list[str] = []
        errors = []
        for i, item in enumerate(items if isinstance(items, list) else []):
            name = str(mapping(item).get("name", ""))
            if name not in allowed:
                bad.append(name)
                errors.append(forbidden(f"spec.securityContext.sysctls[{i}].name", name))
        if not bad:
            return ALLOWED
        return CheckResult(False, "forbidden sysctls", ", ".join(bad), tuple(errors))

    return check


VERSIONS = (Versioned(0, _make(_V1_0)), Versioned(27, _make(_V1_27)), Versioned(29, _make(_V1_29)))
