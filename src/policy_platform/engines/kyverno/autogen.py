"""Autogen (Kyverno ``pkg/autogen``): Pod rules also apply to Pod controllers.

For an eligible policy every rule matching ``Pod`` gets ``autogen-<rule>`` (DaemonSet, Deployment, Job, StatefulSet,
ReplicaSet, ReplicationController) and ``autogen-cronjob-<rule>`` (CronJob), limited by the
``pod-policies.kyverno.io/autogen-controllers`` annotation. Patterns are wrapped into ``spec.template`` (and
``spec.jobTemplate.spec.template``); everything else is kept with ``request.object.spec``/``metadata`` references (and
``object.`` in CEL) rewritten into the template.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

from policy_platform.engines.kyverno.match import parse_kind_selector

ANNOTATION = "pod-policies.kyverno.io/autogen-controllers"
POD_CONTROLLERS = ("DaemonSet", "Deployment", "Job", "StatefulSet", "ReplicaSet", "ReplicationController")
ALL_CONTROLLERS = (*POD_CONTROLLERS, "CronJob")
MAX_NAME = 63


def _blocks(statement: Any) -> list[dict[str, Any]]:
    if not isinstance(statement, dict):
        return []
    out: list[dict[str, Any]] = []
    res = statement.get("resources")
    if isinstance(res, dict):
        out.append(res)
    for key in ("any", "all"):
        for b in statement.get(key) or []:
            if isinstance(b, dict) and isinstance(b.get("resources"), dict):
                out.append(b["resources"])
    return out


def _is_pod(selector: Any) -> bool:
    return parse_kind_selector(str(selector))[2] == "Pod"


def _contains_pod(kinds: Any) -> bool:
    return isinstance(kinds, list) and any(_is_pod(k) for k in kinds)


def can_autogen(spec: Mapping[str, Any]) -> bool:
    """Whether the policy is eligible (no generate/JSON6902, no names/selectors, no mixed Pod kinds, a Pod rule)."""
    needed = False
    for rule in spec.get("rules") or []:
        if not isinstance(rule, dict):
            continue
        mutate = rule.get("mutate") or {}
        if rule.get("generate") or (isinstance(mutate, dict) and mutate.get("patchesJson6902")):
            return False
        if isinstance(mutate, dict):
            for fe in mutate.get("foreach") or []:
                if isinstance(fe, dict) and fe.get("patchesJson6902"):
                    return False
        for statement in (rule.get("match"), rule.get("exclude")):
            for desc in _blocks(statement):
                if desc.get("name") or desc.get("names") or desc.get("selector") or desc.get("annotations"):
                    return False
                kinds = desc.get("kinds")
                if isinstance(kinds, list) and len(kinds) > 1 and _contains_pod(kinds):
                    return False
                if _contains_pod(kinds):
                    needed = True
    return needed


def controllers_for(policy: Mapping[str, Any]) -> tuple[str, ...]:
    """The controller kinds autogen targets for this policy (empty: none)."""
    spec = policy.get("spec") or {}
    if not can_autogen(spec):
        return ()
    meta = policy.get("metadata") or {}
    annotations = meta.get("annotations") if isinstance(meta, dict) else None
    value = annotations.get(ANNOTATION) if isinstance(annotations, dict) else None
    if value is None:
        return ALL_CONTROLLERS
    text = str(value).strip()
    if text in ("", "none"):
        return ()
    if text == "all":
        return ALL_CONTROLLERS
    return tuple(c.strip() for c in text.split(",") if c.strip() in ALL_CONTROLLERS)


def _replace_kinds(statement: Any, kinds: list[str]) -> Any:
    if not isinstance(statement, dict):
        return statement
    out = copy.deepcopy(statement)
    for desc in _blocks(out):
        if desc.get("kinds"):
            desc["kinds"] = list(kinds)
    return out


_POD_REPLACEMENTS = (
    ("request.object.spec", "request.object.spec.template.spec"),
    ("request.oldObject.spec", "request.oldObject.spec.template.spec"),
    ("request.object.metadata", "request.object.spec.template.metadata"),
    ("request.oldObject.metadata", "request.oldObject.spec.template.metadata"),
)
_CRON_REPLACEMENTS = (
    ("request.object.spec", "request.object.spec.jobTemplate.spec.template.spec"),
    ("request.oldObject.spec", "request.oldObject.spec.jobTemplate.spec.template.spec"),
    ("request.object.metadata", "request.object.spec.jobTemplate.spec.template.metadata"),
    ("request.oldObject.metadata", "request.oldObject.spec.jobTemplate.spec.template.metadata"),
)


def _rewrite(value: Any, replacements: tuple[tuple[str, str], ...]) -> Any:
    text = json.dumps(value)
    for old, new in replacements:
        text = text.replace(old, new)
    return json.loads(text)


def _rewrite_cel(value: Any, cron: bool) -> Any:
    target = "object.spec.jobTemplate.spec.template" if cron else "object.spec.template"
    text = json.dumps(value)
    marker = "\x00"
    text = text.replace("object.spec", marker + "S").replace("object.metadata", marker + "M")
    text = text.replace(marker + "S", target + ".spec").replace(marker + "M", target + ".metadata")
    return json.loads(text)


def _wrap(pattern: Any, cron: bool) -> Any:
    inner = {"spec": {"template": pattern}}
    return {"spec": {"jobTemplate": inner}} if cron else inner


def _generate(rule: Mapping[str, Any], kinds: list[str], cron: bool) -> dict[str, Any]:
    prefix = "autogen-cronjob-" if cron else "autogen-"
    name = (prefix + str(rule.get("name", "")))[:MAX_NAME]
    body = {k: v for k, v in rule.items() if k not in ("name", "match", "exclude", "validate")}
    out: dict[str, Any] = _rewrite(body, _CRON_REPLACEMENTS if cron else _POD_REPLACEMENTS)
    out["name"] = name
    out["match"] = _replace_kinds(rule.get("match"), kinds)
    if rule.get("exclude") is not None:
        out["exclude"] = _replace_kinds(rule.get("exclude"), kinds)
    validate = rule.get("validate")
    if isinstance(validate, dict):
        new_validate: dict[str, Any] = {}
        for key, value in validate.items():
            if key == "pattern":
                new_validate[key] = _wrap(value, cron)
            elif key == "anyPattern" and isinstance(value, list):
                new_validate[key] = [_wrap(p, cron) for p in value]
            elif key == "cel":
                new_validate[key] = _rewrite_cel(value, cron)
            else:
                new_validate[key] = _rewrite(value, _CRON_REPLACEMENTS if cron else _POD_REPLACEMENTS)
        out["validate"] = new_validate
    if "celPreconditions" in rule:
        out["celPreconditions"] = _rewrite_cel(rule["celPreconditions"], cron)
    return out


def _rule_eligible(rule: Mapping[str, Any]) -> bool:
    if str(rule.get("name", "")).startswith("autogen-"):
        return False
    match_kinds = [k for d in _blocks(rule.get("match")) for k in (d.get("kinds") or [])]
    exclude_kinds = [k for d in _blocks(rule.get("exclude")) for k in (d.get("kinds") or [])]
    if not _contains_pod(match_kinds):
        return False
    return not (exclude_kinds and not _contains_pod(exclude_kinds))


def expand_rules(policy: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The policy's rules followed by the autogen rules Kyverno would compute."""
    spec = policy.get("spec") or {}
    rules = [r for r in spec.get("rules") or [] if isinstance(r, dict)]
    controllers = controllers_for(policy)
    if not controllers:
        return rules
    pod_controllers = [c for c in controllers if c != "CronJob"]
    generated: list[dict[str, Any]] = []
    for rule in rules:
        if not _rule_eligible(rule):
            continue
        if pod_controllers:
            generated.append(_generate(rule, pod_controllers, cron=False))
        if "CronJob" in controllers:
            generated.append(_generate(rule, ["CronJob"], cron=True))
    base = [r for r in rules if not str(r.get("name", "")).startswith("autogen-")]
    return base + generated
