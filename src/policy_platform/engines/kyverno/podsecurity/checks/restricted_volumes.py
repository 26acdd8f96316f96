"""restrictedVolumes (restricted, 1.0+): only non-host volume types are allowed.

Restricted field: ``spec.volumes[*]``. Allowed types: ``configMap``, ``csi``, ``downwardAPI``, ``emptyDir``,
``ephemeral``, ``image``, ``persistentVolumeClaim``, ``projected``, ``secret``; other types are named in the message
(``unknown`` when Kubernetes does not know them). Kyverno control name: ``Volume Types``.

Fails: a ``hostPath`` or ``nfs`` volume. Passes: ``emptyDir`` and ``configMap`` volumes.
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

ID = "restrictedVolumes"
LEVEL = "restricted"
ALLOWED_TYPES = (
    "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image", "persistentVolumeClaim", "projected", "secret",
)
#: The restricted types Kubernetes names, in the order it tests them; anything else is reported as ``unknown``.
KNOWN_TYPES = (
    "hostPath", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "nfs", "iscsi", "glusterfs", "rbd",
    "flexVolume", "cinder", "cephfs", "flocker", "fc", "azureFile", "vsphereVolume", "quobyte", "azureDisk",
    "photonPersistentDisk", "portworxVolume", "scaleIO", "storageos",
)


def _v1_0(metadata: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    volumes = spec.get("volumes")
    bad: list[str] = []
    types: set[str] = set()
    errors = []
    for i, volume in enumerate(volumes if isinstance(volumes, list) else []):
        vol = mapping(volume)
        if any(vol.get(k) is not None for k in ALLOWED_TYPES):
            continue
        kind = next((k for k in KNOWN_TYPES if vol.get(k) is not None), "unknown")
        bad.append(str(vol.get("name", "")))
        types.add(kind)
        errors.append(forbidden(f"spec.volumes[{i}].{kind}"))
    if not bad:
        return ALLOWED
    return CheckResult(
        False,
        "restricted volume types",
        f"{pluralize('volume', 'volumes', len(bad))} {join_quote(bad)} {pluralize('uses', 'use', len(bad))} "
        f"{pluralize('restricted volume type', 'restricted volume types', len(types))} {join_quote(sorted(types))}",
        tuple(errors),
    )


VERSIONS = (Versioned(0, _v1_0),)
