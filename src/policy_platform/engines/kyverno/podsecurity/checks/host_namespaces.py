"""hostNamespaces (baseline, 1.0+): sharing the host namespaces must be disallowed.

Restricted fields: ``spec.hostNetwork``, ``spec.hostPID``, ``spec.hostIPC``. Allowed values: undefined, ``false``.

Fails: ``hostNetwork: true``. Passes: none of them set.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from policy_platform.engines.kyverno.podsecurity._model import ALLOWED, CheckResult, Versioned, forbidden

ID = "hostNamespaces"
LEVEL = "baseline"


def _v1_0(metadata: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    names = [name for name in ("hostNetwork", "hostPID", "hostIPC") if spec.get(name) is True]
    if not names:
        return ALLOWED
    return CheckResult(
        False,
        "host namespaces",
        ", ".join(f"{name}=true" for name in names),
        tuple(forbidden(f"spec.{name}", True) for name in names),
    )


VERSIONS = (Versioned(0, _v1_0),)
