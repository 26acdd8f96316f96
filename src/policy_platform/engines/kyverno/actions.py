"""Failure action resolution (Kyverno 1.13 ``EngineResponse.GetValidationFailureAction``).

Rules in order: a rule's ``validate.failureActionOverrides`` matching the namespace (and namespaceSelector), then its
``validate.failureAction``; then the policy's ``validationFailureActionOverrides``; then
``spec.validationFailureAction``. Anything but ``Enforce``/``enforce`` counts as Audit; the default is Audit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from policy_platform.engines.kyverno import wildcard
from policy_platform.engines.kyverno.match import SelectorError, selector_matches


def normalise(action: Any) -> str:
    return "Enforce" if str(action).lower() == "enforce" else "Audit"


def _valid(action: Any) -> bool:
    return str(action).lower() in ("enforce", "audit")


def _override_applies(override: Mapping[str, Any], namespace: str, ns_labels: Mapping[str, Any]) -> bool:
    selector = override.get("namespaceSelector")
    namespaces = override.get("namespaces")

    def sel_ok() -> bool:
        if selector is None:
            return False
        try:
            return selector_matches(selector, ns_labels, expand_wildcards=False)
        except SelectorError:
            return False

    if namespaces is None:
        return sel_ok()
    for ns in namespaces:
        if wildcard.match(str(ns), namespace):
            return selector is None or sel_ok()
    return False


def resolve(spec: Mapping[str, Any], namespace: str, ns_labels: Mapping[str, Any]) -> str:
    """The effective action (``Enforce`` or ``Audit``) of a policy for a resource in ``namespace``."""
    for rule in spec.get("rules") or []:
        validate = rule.get("validate") if isinstance(rule, dict) else None
        if not isinstance(validate, dict):
            continue
        for ov in validate.get("failureActionOverrides") or []:
            if isinstance(ov, dict) and _valid(ov.get("action")) and _override_applies(ov, namespace, ns_labels):
                return normalise(ov.get("action"))
        if validate.get("failureAction") is not None:
            return normalise(validate["failureAction"])
    for ov in spec.get("validationFailureActionOverrides") or []:
        if isinstance(ov, dict) and _valid(ov.get("action")) and _override_applies(ov, namespace, ns_labels):
            return normalise(ov.get("action"))
    return normalise(spec.get("validationFailureAction", "Audit"))
