"""Deprecated and removed Kubernetes API detection (Pluto parity).

Public API::

    table = load_versions(additional=())        # packaged data + overlay files; PolicyLoadError on bad data
    engine = DeprecationsEngine(table, targets={"k8s": "v1.29.0"}, deprecated_status=Status.WARN)
    for outcome in engine.evaluate(document): ...   # RuleOutcome per deprecated/removed object

The data lives in ``versions.yaml`` beside this module (Pluto's schema, written from the Kubernetes deprecation guide
and the projects' release notes, each fact with its source in a comment).
"""

from __future__ import annotations

from policy_platform.engines.deprecations.detect import (
    POLICY,
    RULE_DEPRECATED,
    RULE_REMOVED,
    Assessment,
    DeprecationsEngine,
    Detection,
    assess,
    detect,
)
from policy_platform.engines.deprecations.versions import (
    VersionEntry,
    VersionTable,
    load_versions,
    parse_target_versions,
    resolve_targets,
)

__all__ = [
    "POLICY",
    "RULE_DEPRECATED",
    "RULE_REMOVED",
    "Assessment",
    "DeprecationsEngine",
    "Detection",
    "VersionEntry",
    "VersionTable",
    "assess",
    "detect",
    "load_versions",
    "parse_target_versions",
    "resolve_targets",
]
