"""Each Pod Security Standards check on its own: newest version, passing and failing pods, reason, detail, fields."""

from __future__ import annotations

from typing import Any

import pytest

from policy_platform.engines.kyverno.podsecurity import FieldError
from policy_platform.engines.kyverno.podsecurity._model import ABSENT
from policy_platform.engines.kyverno.podsecurity.checks import CHECKS, get


def c(name: str, **security: Any) -> dict[str, Any]:
    """A container named ``name`` with the given securityContext (none when empty)."""
    container: dict[str, Any] = {"name": name, "image": f"{name}:1"}
    if security:
        container["securityContext"] = security
    return container


def F(field: str, bad: Any = ABSENT) -> FieldError:
    return FieldError("Forbidden", field, bad)


def R(field: str) -> FieldError:
    return FieldError("Required", field)


# (check, metadata, spec, expected (reason, detail, errors) or None for allowed)
CASES: list[tuple[str, dict[str, Any], dict[str, Any], tuple[str, str, tuple[FieldError, ...]] | None]] = [
    ("allowPrivilegeEscalation", {}, {"containers": [c("a", allowPrivilegeEscalation=False)]}, None),
    (
        "allowPrivilegeEscalation",
        {},
        {"initContainers": [c("i")], "containers": [c("a", allowPrivilegeEscalation=True)]},
        (
            "allowPrivilegeEscalation != false",
            'containers "i", "a" must set securityContext.allowPrivilegeEscalation=false',
            (R("spec.initContainers[0].securityContext.allowPrivilegeEscalation"),
             F("spec.containers[0].securityContext.allowPrivilegeEscalation", True)),
        ),
    ),
    ("allowPrivilegeEscalation", {}, {"os": {"name": "windows"}, "containers": [c("a")]}, None),
    ("appArmorProfile", {"annotations": {"container.apparmor.security.beta.kubernetes.io/a": "runtime/default"}},
     {"containers": [c("a")]}, None),
    (
        "appArmorProfile",
        {"annotations": {"container.apparmor.security.beta.kubernetes.io/a": "unconfined"}},
        {"containers": [c("a", appArmorProfile={"type": "Unconfined"})]},
        (
            "forbidden AppArmor profiles",
            'container "a" and annotation must not set AppArmor profile type to '
            '"Unconfined", "container.apparmor.security.beta.kubernetes.io/a="unconfined""',
            (F("spec.containers[0].securityContext.appArmorProfile.type", "Unconfined"),
             F("metadata.annotations[container.apparmor.security.beta.kubernetes.io/a]", "unconfined")),
        ),
    ),
    ("capabilities_baseline", {}, {"containers": [c("a", capabilities={"add": ["CHOWN", "KILL"]})]}, None),
    (
        "capabilities_baseline",
        {},
        {"containers": [c("a", capabilities={"add": ["SYS_ADMIN", "NET_RAW", "CHOWN"]})]},
        (
            "non-default capabilities",
            'container "a" must not include "NET_RAW", "SYS_ADMIN" in securityContext.capabilities.add',
            (F("spec.containers[0].securityContext.capabilities.add", ["NET_RAW", "SYS_ADMIN"]),),
        ),
    ),
    ("capabilities_restricted", {},
     {"containers": [c("a", capabilities={"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]})]}, None),
    (
        "capabilities_restricted",
        {},
        {
            "containers": [
                c("a"),
                c("b", capabilities={"drop": ["ALL"], "add": ["CHOWN"]}),
                c("c", capabilities={"drop": ["NET_RAW", "CHOWN"], "add": ["SYS_ADMIN", "NET_BIND_SERVICE"]}),
                c("d", capabilities={"add": ["NET_BIND_SERVICE"]}),
            ]
        },
        (
            "unrestricted capabilities",
            'containers "a", "c", "d" must set securityContext.capabilities.drop=["ALL"]; '
            'containers "b", "c" must not include "CHOWN", "SYS_ADMIN" in securityContext.capabilities.add',
            (R("spec.containers[0].securityContext.capabilities.drop"),
             F("spec.containers[2].securityContext.capabilities.drop", ["CHOWN", "NET_RAW"]),
             R("spec.containers[3].securityContext.capabilities.drop"),
             F("spec.containers[1].securityContext.capabilities.add", ["CHOWN"]),
             F("spec.containers[2].securityContext.capabilities.add", ["SYS_ADMIN"])),
        ),
    ),
    (
        "capabilities_restricted",
        {},
        {"containers": [c("a"), c("b", capabilities={"drop": ["ALL"], "add": ["CHOWN"]})]},
        (
            "unrestricted capabilities",
            'container "a" must set securityContext.capabilities.drop=["ALL"]; '
            'container "b" must not include "CHOWN" in securityContext.capabilities.add',
            (R("spec.containers[0].securityContext.capabilities.drop"),
             F("spec.containers[1].securityContext.capabilities.add", ["CHOWN"])),
        ),
    ),
    ("hostNamespaces", {}, {"hostNetwork": False, "containers": [c("a")]}, None),
    (
        "hostNamespaces",
        {},
        {"hostNetwork": True, "hostIPC": True, "containers": [c("a")]},
        ("host namespaces", "hostNetwork=true, hostIPC=true", (F("spec.hostNetwork", True), F("spec.hostIPC", True))),
    ),
    ("hostPathVolumes", {}, {"volumes": [{"name": "v", "emptyDir": {}}]}, None),
    (
        "hostPathVolumes",
        {},
        {"volumes": [{"name": "ok", "emptyDir": {}}, {"name": "logs", "hostPath": {"path": "/var/log"}}]},
        ("hostPath volumes", 'volume "logs"', (F("spec.volumes[1].hostPath", "/var/log"),)),
    ),
    ("hostPorts", {}, {"containers": [{"name": "a", "ports": [{"containerPort": 80, "hostPort": 0}]}]}, None),
    (
        "hostPorts",
        {},
        {"containers": [{"name": "a", "ports": [{"containerPort": 80, "hostPort": 80}, {"hostPort": 443}]}]},
        ("hostPort", 'container "a" uses hostPorts 443, 80',
         (F("spec.containers[0].ports[0].hostPort", 80), F("spec.containers[0].ports[1].hostPort", 443))),
    ),
    ("privileged", {}, {"containers": [c("a", privileged=False)]}, None),
    (
        "privileged",
        {},
        {"ephemeralContainers": [c("e", privileged=True)]},
        ("privileged", 'container "e" must not set securityContext.privileged=true',
         (F("spec.ephemeralContainers[0].securityContext.privileged", True),)),
    ),
    ("procMount", {}, {"containers": [c("a", procMount="Default")]}, None),
    (
        "procMount",
        {},
        {"containers": [c("a", procMount="Unmasked")]},
        ("procMount", 'container "a" must not set securityContext.procMount to "Unmasked"',
         (F("spec.containers[0].securityContext.procMount", "Unmasked"),)),
    ),
    ("restrictedVolumes", {}, {"volumes": [{"name": "c", "configMap": {"name": "x"}}, {"name": "p", "projected": {}}]},
     None),
    (
        "restrictedVolumes",
        {},
        {"volumes": [{"name": "h", "hostPath": {"path": "/"}}, {"name": "n", "nfs": {"server": "s"}}]},
        ("restricted volume types", 'volumes "h", "n" use restricted volume types "hostPath", "nfs"',
         (F("spec.volumes[0].hostPath"), F("spec.volumes[1].nfs"))),
    ),
    ("runAsNonRoot", {}, {"securityContext": {"runAsNonRoot": True}, "containers": [c("a")]}, None),
    (
        "runAsNonRoot",
        {},
        {"containers": [c("a"), c("b", runAsNonRoot=True)]},
        ("runAsNonRoot != true", 'pod or container "a" must set securityContext.runAsNonRoot=true',
         (R("spec.containers[0].securityContext.runAsNonRoot"),)),
    ),
    (
        "runAsNonRoot",
        {},
        {"securityContext": {"runAsNonRoot": False}, "containers": [c("a", runAsNonRoot=False)]},
        ("runAsNonRoot != true", 'pod and container "a" must not set securityContext.runAsNonRoot=false',
         (F("spec.securityContext.runAsNonRoot", False), F("spec.containers[0].securityContext.runAsNonRoot", False))),
    ),
    ("runAsUser", {}, {"securityContext": {"runAsUser": 1000}, "containers": [c("a")]}, None),
    (
        "runAsUser",
        {},
        {"securityContext": {"runAsUser": 0}, "containers": [c("a", runAsUser=0)]},
        ("runAsUser=0", 'pod and container "a" must not set runAsUser=0',
         (F("spec.securityContext.runAsUser", 0), F("spec.containers[0].securityContext.runAsUser", 0))),
    ),
    ("seLinuxOptions", {}, {"containers": [c("a", seLinuxOptions={"type": "container_t", "level": "s0"})]}, None),
    ("seLinuxOptions", {}, {"containers": [c("a", seLinuxOptions={"type": "container_engine_t"})]}, None),
    (
        "seLinuxOptions",
        {},
        {
            "securityContext": {"seLinuxOptions": {"user": "root"}},
            "containers": [c("a", seLinuxOptions={"type": "spc_t"})],
        },
        ("seLinuxOptions",
         'pod and container "a" set forbidden securityContext.seLinuxOptions: type "spc_t"; user may not be set',
         (F("spec.securityContext.seLinuxOptions.user", "root"),
          F("spec.containers[0].securityContext.seLinuxOptions.type", "spc_t"))),
    ),
    ("seccompProfile_baseline", {}, {"containers": [c("a", seccompProfile={"type": "RuntimeDefault"})]}, None),
    (
        "seccompProfile_baseline",
        {},
        {"securityContext": {"seccompProfile": {"type": "Unconfined"}}, "containers": [c("a")]},
        ("seccompProfile", 'pod must not set securityContext.seccompProfile.type to "Unconfined"',
         (F("spec.securityContext.seccompProfile.type", "Unconfined"),)),
    ),
    ("seccompProfile_restricted", {}, {"securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
                                       "containers": [c("a")]}, None),
    (
        "seccompProfile_restricted",
        {},
        {"containers": [c("a"), c("b", seccompProfile={"type": "Localhost"})]},
        ("seccompProfile",
         'pod or container "a" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"',
         (R("spec.containers[0].securityContext.seccompProfile.type"),)),
    ),
    (
        "seccompProfile_restricted",
        {},
        {"securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
         "containers": [c("a", seccompProfile={"type": "Unconfined"})]},
        ("seccompProfile", 'container "a" must not set securityContext.seccompProfile.type to "Unconfined"',
         (F("spec.containers[0].securityContext.seccompProfile.type", "Unconfined"),)),
    ),
    ("sysctls", {}, {"securityContext": {"sysctls": [{"name": "net.ipv4.tcp_keepalive_time", "value": "1"}]}}, None),
    (
        "sysctls",
        {},
        {"securityContext": {"sysctls": [{"name": "kernel.msgmax"}, {"name": "net.ipv4.tcp_syncookies"}]}},
        ("forbidden sysctls", "kernel.msgmax", (F("spec.securityContext.sysctls[0].name", "kernel.msgmax"),)),
    ),
    ("windowsHostProcess", {}, {"containers": [c("a", windowsOptions={"hostProcess": False})]}, None),
    (
        "windowsHostProcess",
        {},
        {"securityContext": {"windowsOptions": {"hostProcess": True}}, "containers": [c("a")]},
        ("hostProcess", "pod must not set securityContext.windowsOptions.hostProcess=true",
         (F("spec.securityContext.windowsOptions.hostProcess", True),)),
    ),
]


@pytest.mark.parametrize(
    ("check_id", "metadata", "spec", "expected"),
    CASES,
    ids=[f"{case[0]}-{'pass' if case[3] is None else 'fail'}-{i}" for i, case in enumerate(CASES)],
)
def test_check_newest_version(
    check_id: str,
    metadata: dict[str, Any],
    spec: dict[str, Any],
    expected: tuple[str, str, tuple[FieldError, ...]] | None,
) -> None:
    result = get(check_id).VERSIONS[-1].check(metadata, spec)
    if expected is None:
        assert result.allowed, result
    else:
        assert not result.allowed
        assert (result.reason, result.detail, result.errors) == expected


def test_every_check_is_tested_passing_and_failing() -> None:
    tested = {(case[0], case[3] is None) for case in CASES}
    assert {(check_id, ok) for check_id in CHECKS for ok in (True, False)} <= tested


@pytest.mark.parametrize(
    ("check_id", "minor", "spec", "allowed"),
    [
        ("sysctls", 26, {"securityContext": {"sysctls": [{"name": "net.ipv4.ip_local_reserved_ports"}]}}, False),
        ("sysctls", 27, {"securityContext": {"sysctls": [{"name": "net.ipv4.ip_local_reserved_ports"}]}}, True),
        ("sysctls", 28, {"securityContext": {"sysctls": [{"name": "net.ipv4.tcp_fin_timeout"}]}}, False),
        ("allowPrivilegeEscalation", 24, {"os": {"name": "windows"}, "containers": [c("a")]}, False),
        ("seLinuxOptions", 30, {"containers": [c("a", seLinuxOptions={"type": "container_engine_t"})]}, False),
    ],
)
def test_versions_differ(check_id: str, minor: int, spec: dict[str, Any], allowed: bool) -> None:
    version = [v for v in get(check_id).VERSIONS if v.minor <= minor][-1]
    assert version.check({}, spec).allowed is allowed


@pytest.mark.parametrize("check_id", ["procMount", "runAsNonRoot", "runAsUser"])
def test_no_user_namespace_relaxation_without_the_kubernetes_feature_gate(check_id: str) -> None:
    spec = {"hostUsers": False, "securityContext": {"runAsUser": 0},
            "containers": [c("a", procMount="Unmasked", runAsNonRoot=False)]}
    assert not get(check_id).VERSIONS[-1].check({}, spec).allowed


def test_seccomp_annotations_before_1_19() -> None:
    metadata = {
        "annotations": {
            "seccomp.security.alpha.kubernetes.io/pod": "unconfined",
            "container.seccomp.security.alpha.kubernetes.io/a": "docker/default",
            "container.seccomp.security.alpha.kubernetes.io/b": "localhost/x",
            "container.seccomp.security.alpha.kubernetes.io/c": "weird",
        }
    }
    result = get("seccompProfile_baseline").VERSIONS[0].check(metadata, {"containers": [c("a"), c("b"), c("c")]})
    assert (result.reason, result.detail) == (
        "seccompProfile",
        'forbidden annotations container.seccomp.security.alpha.kubernetes.io/c="weird", '
        'seccomp.security.alpha.kubernetes.io/pod="unconfined"',
    )


@pytest.mark.parametrize("check_id", ["seccompProfile_baseline", "seccompProfile_restricted"])
def test_seccomp_profile_without_type_is_a_bad_value(check_id: str) -> None:
    result = get(check_id).VERSIONS[-1].check({}, {"containers": [c("a", seccompProfile={})]})
    assert result.detail == 'container "a" must not set securityContext.seccompProfile.type to ""'
    assert result.errors == (F("spec.containers[0].securityContext.seccompProfile.type", ""),)


def test_unknown_check_id_raises() -> None:
    with pytest.raises(KeyError, match="unknown Pod Security check 'nope'"):
        get("nope")


def test_every_module_documents_itself() -> None:
    for check_id, module in CHECKS.items():
        assert check_id == module.ID
        assert module.LEVEL in ("baseline", "restricted")
        assert module.__doc__ and module.__doc__.startswith(check_id)
        assert [v.minor for v in module.VERSIONS] == sorted(v.minor for v in module.VERSIONS)
