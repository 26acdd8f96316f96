"""hostPathVolumes (baseline, 1.0+): hostPath volumes are forbidden.

Restricted field: ``spec.volumes[*].hostPath``. Allowed value: undefined.

Fails: a volume with ``hostPath: {path: /var/log}``. Passes: ``emptyDir`` volumes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from policy_platform.engines.kyverno.podsecurity._model import (
    ALLOWED,
    CheckResult,
    Versioned,
    forbidden,
    join_quote,
    mapping,
    pluralize,
)

ID = "hostPathVolumes"
LEVEL = "baseline"


def _v1_0(metadata: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    volumes = spec.get("volumes")
    bad: list[str] = []
    errors = []
    for i, volume in enumerate(volumes if isinstance(volumes, list) else []):
        vol = mapping(volume)
        if vol.get("hostPath") is not None:
            bad.append(str(vol.get("name", "")))
            errors.append(forbidden(f"spec.volumes[{i}].hostPath", str(mapping(vol.get("hostPath")).get("path", ""))))
    if not bad:
        return ALLOWED
    return CheckResult(
        False, "hostPath volumes", f"{pluralize('volume', 'volumes', len(bad))} {join_quote(bad)}", tuple(errors)
    )


VERSIONS = (Versioned(0, _v1_0),)
