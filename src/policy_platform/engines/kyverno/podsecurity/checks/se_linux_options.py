"""seLinuxOptions (baseline, 1.0+): custom SELinux user or role options are forbidden; type is restricted.

Restricted fields: ``spec.securityContext.seLinuxOptions.{type,user,role}`` and the containers' ones. Allowed types:
undefined/empty, ``container_t``, ``container_init_t``, ``container_kvm_t`` (1.31+ also ``container_engine_t``);
``user`` and ``role`` must be undefined or empty. Kyverno control name: ``SELinux``.

Fails: ``seLinuxOptions: {type: spc_t}``. Passes: ``seLinuxOptions: {level: "s0:c123,c456"}``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
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

ID = "seLinuxOptions"
LEVEL = "baseline"
_TYPES = frozenset({"", "container_t", "container_init_t", "container_kvm_t"})
_TYPES_1_31 = _TYPES | {"container_engine_t"}


def _make(allowed_types: frozenset[str]) -> Callable[[Mapping[str, Any], Mapping[str, Any]], CheckResult]:
    def check(metadata: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
        bad_types: list[str] = []
        bad_users: list[str] = []
        bad_roles: list[str] = []
        errors: list[FieldError] = []
        setters: list[str] = []

        def visit(options: Mapping[str, Any], path: str) -> bool:
            found = False
            kind, user, role = options.get("type"), options.get("user"), options.get("role")
            if kind is not None and str(kind) not in allowed_types:
                found = True
                if str(kind) not in bad_types:
                    bad_types.append(str(kind))
                errors.append(forbidden(f"{path}.seLinuxOptions.type", kind))
            if user:
                found = True
                if str(user) not in bad_users:
                    bad_users.append(str(user))
                errors.append(forbidden(f"{path}.seLinuxOptions.user", user))
            if role:
                found = True
                if str(role) not in bad_roles:
                    bad_roles.append(str(role))
                errors.append(forbidden(f"{path}.seLinuxOptions.role", role))
            return found

        if visit(mapping(mapping(spec.get("securityContext")).get("seLinuxOptions")), "spec.securityContext"):
            setters.append("pod")
        bad: list[str] = []
        for container, path in containers(spec):
            if visit(mapping(security_context(container).get("seLinuxOptions")), f"{path}.securityContext"):
                bad.append(container_name(container))
        if bad:
            setters.append(f"{pluralize('container', 'containers', len(bad))} {join_quote(bad)}")
        if not setters:
            return ALLOWED
        parts = []
        if bad_types:
            parts.append(f"{pluralize('type', 'types', len(bad_types))} {join_quote(sorted(bad_types))}")
        if bad_users:
            parts.append("user may not be set")
        if bad_roles:
            parts.append("role may not be set")
        return CheckResult(
            False,
            "seLinuxOptions",
            f"{' and '.join(setters)} set forbidden securityContext.seLinuxOptions: {'; '.join(parts)}",
            tuple(errors),
        )

    return check


VERSIONS = (Versioned(0, _make(_TYPES)), Versioned(31, _make(_TYPES_1_31)))
