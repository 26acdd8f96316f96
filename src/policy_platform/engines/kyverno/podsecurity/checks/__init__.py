"""The Pod Security Standards checks, one module per check, in an explicit registry.

Each module has ``ID`` (the check ID of ``k8s.io/pod-security-admission``), ``LEVEL`` (``baseline`` or
``restricted``) and ``VERSIONS`` (the versioned implementations, oldest first); its docstring documents the restricted
fields and allowed values. The registry order is the order Kubernetes registers them (file-name order), which is the
order failures are reported in.
"""

from __future__ import annotations

from types import ModuleType

from policy_platform.engines.kyverno.podsecurity.checks import (
    allow_privilege_escalation,
    app_armor_profile,
    capabilities_baseline,
    capabilities_restricted,
    host_namespaces,
    host_path_volumes,
    host_ports,
    privileged,
    proc_mount,
    restricted_volumes,
    run_as_non_root,
    run_as_user,
    se_linux_options,
    seccomp_profile_baseline,
    seccomp_profile_restricted,
    sysctls,
    windows_host_process,
)

__all__ = ["CHECKS", "get"]

CHECKS: dict[str, ModuleType] = {
    "allowPrivilegeEscalation": allow_privilege_escalation,
    "appArmorProfile": app_armor_profile,
    "capabilities_baseline": capabilities_baseline,
    "capabilities_restricted": capabilities_restricted,
    "hostNamespaces": host_namespaces,
    "hostPathVolumes": host_path_volumes,
    "hostPorts": host_ports,
    "privileged": privileged,
    "procMount": proc_mount,
    "restrictedVolumes": restricted_volumes,
    "runAsNonRoot": run_as_non_root,
    "runAsUser": run_as_user,
    "seLinuxOptions": se_linux_options,
    "seccompProfile_baseline": seccomp_profile_baseline,
    "seccompProfile_restricted": seccomp_profile_restricted,
    "sysctls": sysctls,
    "windowsHostProcess": windows_host_process,
}


def get(check_id: str) -> ModuleType:
    """The module of a check; raises ``KeyError`` naming the unknown ID."""
    try:
        return CHECKS[check_id]
    except KeyError:
        raise KeyError(f"unknown Pod Security check {check_id!r}") from None
