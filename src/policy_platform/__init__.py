"""policy-platform: aggregate, render, package and enforce Kubernetes policy repositories.

The public library surface is :mod:`policy_platform.api`; the names below are re-exported and pinned by a test.
"""

from __future__ import annotations

from policy_platform.errors import PolicyPlatformError
from policy_platform.model.findings import (
    Finding,
    InputError,
    Location,
    Origin,
    ResourceRef,
    ScanResult,
    Severity,
    Status,
    exit_code,
)

__version__ = "0.1.0"

__all__ = [
    "Finding",
    "InputError",
    "Location",
    "Origin",
    "PolicyPlatformError",
    "ResourceRef",
    "ScanResult",
    "Severity",
    "Status",
    "__version__",
    "exit_code",
]
