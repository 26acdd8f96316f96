"""Pod Security Standards (baseline, restricted) for Kyverno's ``validate.podSecurity`` rules.

``evaluate_pod_security(rule["validate"]["podSecurity"], resource, rule_name=rule["name"])`` returns a
:class:`PodSecurityResult`; a bad ``level``/``version``/``exclude`` raises ``ValueError`` (a policy load error). The
checks (one module each, documented in their docstrings) are in :mod:`.checks`.
"""

from __future__ import annotations

from policy_platform.engines.kyverno.podsecurity._evaluate import (
    CONTROLS,
    CheckFailure,
    PodSecurityResult,
    evaluate_pod_security,
)
from policy_platform.engines.kyverno.podsecurity._model import FieldError

__all__ = ["CONTROLS", "CheckFailure", "FieldError", "PodSecurityResult", "evaluate_pod_security"]
