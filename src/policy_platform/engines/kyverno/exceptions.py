"""PolicyException (kyverno.io/v2, v2beta1): skip named rules of named policies for matching resources.

An exception applies to a rule when one ``spec.exceptions`` entry names the policy (``ns/name`` for a namespaced
Policy) and a ``ruleNames`` wildcard matches the rule, ``spec.match`` matches the resource and ``spec.conditions``
(an any/all block) hold. The rule then reports ``skip``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from policy_platform.engines.kyverno import wildcard
from policy_platform.engines.kyverno.conditions import evaluate_conditions
from policy_platform.engines.kyverno.match import Request, matches
from policy_platform.errors import PolicyLoadError

API_VERSIONS = ("kyverno.io/v2", "kyverno.io/v2beta1", "kyverno.io/v2alpha1")


def is_exception(data: Any) -> bool:
    return isinstance(data, dict) and data.get("kind") == "PolicyException" and str(
        data.get("apiVersion", "")
    ).startswith("kyverno.io/")


@dataclass(frozen=True, slots=True)
class PolicyException:
    name: str
    exceptions: tuple[tuple[str, tuple[str, ...]], ...]
    match: Mapping[str, Any]
    conditions: Any

    def covers(self, policy: str, rule: str) -> bool:
        return any(
            p == policy and any(wildcard.match(r, rule) for r in rules) for p, rules in self.exceptions
        )

    def applies(self, req: Request, context: Any) -> bool:
        if not matches(self.match, req):
            return False
        if self.conditions is None:
            return True
        try:
            ok, _ = evaluate_conditions(self.conditions, context)
        except Exception:
            return False
        return ok


def load_exception(data: Any, *, file: str = "", line: int | None = None) -> PolicyException:
    if not isinstance(data, dict) or data.get("apiVersion") not in API_VERSIONS:
        raise PolicyLoadError(
            f"unsupported PolicyException apiVersion {data.get('apiVersion') if isinstance(data, dict) else None!r}",
            file=file or None,
            line=line,
        )
    meta = data.get("metadata") or {}
    name = str(meta.get("name", ""))
    ns = meta.get("namespace")
    spec = data.get("spec")
    if not isinstance(spec, dict) or not isinstance(spec.get("exceptions"), list) or not isinstance(
        spec.get("match"), dict
    ):
        raise PolicyLoadError(
            f"PolicyException {name}: spec.exceptions (list) and spec.match are required", file=file or None, line=line
        )
    entries: list[tuple[str, tuple[str, ...]]] = []
    for e in spec["exceptions"]:
        if not isinstance(e, dict) or not e.get("policyName"):
            raise PolicyLoadError(
                f"PolicyException {name}: each exception needs policyName and ruleNames", file=file or None, line=line
            )
        entries.append((str(e["policyName"]), tuple(str(r) for r in e.get("ruleNames") or [])))
    return PolicyException(
        name=f"{ns}/{name}" if ns else name,
        exceptions=tuple(entries),
        match=spec["match"],
        conditions=spec.get("conditions"),
    )
