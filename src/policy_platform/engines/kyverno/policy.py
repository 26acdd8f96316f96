"""Kyverno policies: load, check and compile ClusterPolicy/Policy documents (kyverno.io/v1, v2beta1).

Loading is strict like the Kyverno CLI's kubectl-validate loader for the parts that decide behaviour: an unknown field
in ``spec``, a rule or ``validate`` is an error, as are a missing ``spec.rules``, a rule without a name or ``match``,
and a rule with no or several actions. Compile problems inside one rule (bad JMESPath, CEL, podSecurity level) do not
fail the policy: the rule carries a ``load_error`` and reports ``error`` wherever it applies.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from policy_platform.engines.kyverno.autogen import expand_rules
from policy_platform.engines.kyverno.jmespath_dialect import JMESPathError, compile_expression
from policy_platform.engines.kyverno.match import (
    kinds_only,
    matches,
    parse_kind_selector,
    rule_applies,
    statement_kinds,
)
from policy_platform.engines.kyverno.pattern import compile_pattern
from policy_platform.engines.kyverno.references import has_references
from policy_platform.engines.kyverno.variables import has_variables
from policy_platform.errors import PolicyLoadError
from policy_platform.model.findings import Origin, Severity

POLICY_KINDS = ("ClusterPolicy", "Policy")
API_VERSIONS = ("kyverno.io/v1", "kyverno.io/v2beta1")
SPEC_FIELDS = frozenset(
    {
        "rules", "applyRules", "failurePolicy", "validationFailureAction", "validationFailureActionOverrides",
        "admission", "background", "schemaValidation", "webhookTimeoutSeconds", "mutateExistingOnPolicyUpdate",
        "generateExisting", "generateExistingOnPolicyUpdate", "useServerSideApply", "webhookConfiguration",
        "emitWarning",
    }
)
RULE_FIELDS = frozenset(
    {
        "name", "context", "match", "exclude", "imageExtractors", "preconditions", "celPreconditions", "mutate",
        "validate", "generate", "verifyImages", "skipBackgroundRequests", "reportProperties",
    }
)
VALIDATE_FIELDS = frozenset(
    {
        "failureAction", "failureActionOverrides", "allowExistingViolations", "message", "manifests", "foreach",
        "pattern", "anyPattern", "deny", "podSecurity", "cel", "assert",
    }
)
ACTIONS = ("validate", "mutate", "generate", "verifyImages")
_INNER_VARIABLE = re.compile(r"\{\{((?:\{[^{}]*\}|[^{}])*)\}\}")


@dataclass(frozen=True, slots=True)
class Rule:
    """One (possibly autogen) rule, ready to evaluate."""

    name: str
    data: Mapping[str, Any]
    action: str
    handler: str
    kinds: tuple[str, ...] | None
    load_error: str | None = None
    compiled: Any = None
    kinds_only: bool = False
    plans: Mapping[int, Any] = field(default_factory=dict)
    level: Any = None  # the validate block as a validation.Level (built once)

    def applies(self, kind: str, req: Any) -> bool:
        """match/exclude for a resource of ``kind`` (the kind index has already filtered bare kinds)."""
        if self.kinds is not None and kind not in self.kinds:
            return False
        if self.kinds_only and not req.subresource:  # a bare Kind never selects a subresource
            exclude = self.data.get("exclude")
            return not (isinstance(exclude, dict) and matches(exclude, req, exclude=True))
        return rule_applies(self.data, req)


@dataclass(frozen=True, slots=True)
class Policy:
    """A compiled ClusterPolicy or Policy."""

    name: str
    plain_name: str
    kind: str
    namespace: str
    data: Mapping[str, Any]
    rules: tuple[Rule, ...]
    origin: Origin | None
    severity: Severity | None
    properties: Mapping[str, str]
    scored: bool
    apply_one: bool
    file: str = ""
    line: int | None = None

    @property
    def spec(self) -> Mapping[str, Any]:
        spec = self.data.get("spec")
        return spec if isinstance(spec, dict) else {}


def is_policy(data: Any) -> bool:
    return isinstance(data, dict) and data.get("kind") in POLICY_KINDS and str(data.get("apiVersion", "")).startswith(
        "kyverno.io/"
    )


def _fail(message: str, file: str, line: int | None) -> PolicyLoadError:
    return PolicyLoadError(message, file=file or None, line=line)


def _check_fields(block: Mapping[str, Any], allowed: frozenset[str], where: str, file: str, line: int | None) -> None:
    unknown = sorted(str(k) for k in block if k not in allowed)
    if unknown:
        raise _fail(f"{where}: unknown field {unknown[0]!r}", file, line)


def _check_action(value: Any, where: str, file: str, line: int | None, *, required: bool = False) -> None:
    if value is None and not required:
        return
    if value not in ("Enforce", "enforce", "Audit", "audit"):
        raise _fail(f"{where}: must be Enforce or Audit, got {value!r}", file, line)


def _variable_bodies(value: Any, out: list[str]) -> None:
    if isinstance(value, str):
        if "{{" in value:
            for m in _INNER_VARIABLE.finditer(value):
                body = m.group(1).strip()
                if "{{" not in body and not body.startswith("-") and body != "@":
                    out.append(body)
    elif isinstance(value, dict):
        for k, v in value.items():
            _variable_bodies(k, out)
            _variable_bodies(v, out)
    elif isinstance(value, list):
        for v in value:
            _variable_bodies(v, out)


def _handler(rule: Mapping[str, Any]) -> str:
    validate = rule.get("validate")
    if isinstance(validate, dict):
        for key in ("assert", "manifests", "podSecurity", "cel", "deny", "pattern", "anyPattern", "foreach"):
            if validate.get(key) is not None:
                return key
        return "none"
    for key in ("mutate", "generate", "verifyImages"):
        if rule.get(key):
            return key
    return "none"


def _compile_rule(rule: dict[str, Any], where: str) -> tuple[str | None, Any]:
    """(load error, compiled extra) of one rule."""
    bodies: list[str] = []
    _variable_bodies({k: v for k, v in rule.items() if k not in ("mutate", "generate", "verifyImages")}, bodies)
    for body in bodies:
        try:
            compile_expression(body)
        except JMESPathError as exc:
            return f"{where}: {exc}", None
    for fe in _foreach_lists(rule.get("validate")):
        try:
            compile_expression(fe)
        except JMESPathError as exc:
            return f"{where}.validate.foreach.list: {exc}", None
    handler = _handler(rule)
    validate = rule.get("validate") or {}
    if handler == "cel":
        try:
            from policy_platform.engines.kyverno import cel as cel_mod
        except ImportError:
            return None, None
        try:
            compiled_validation = cel_mod.compile_validation(
                validate["cel"], location=f"{where}.validate.cel", message=str(validate.get("message") or "")
            )
            pre = rule.get("celPreconditions")
            compiled_pre = (
                cel_mod.compile_preconditions(pre, location=f"{where}.celPreconditions") if pre else None
            )
        except cel_mod.CelError as exc:
            return f"{where}.validate.cel: {exc}", None
        except Exception as exc:
            return f"{where}.validate.cel: {type(exc).__name__}: {exc}", None
        return None, (compiled_validation, compiled_pre)
    if handler == "podSecurity":
        spec = validate.get("podSecurity")
        if not isinstance(spec, dict) or spec.get("level") not in ("baseline", "restricted", "privileged"):
            return f"{where}.validate.podSecurity: level must be baseline, restricted or privileged", None
    return None, None


def _foreach_lists(validate: Any) -> list[str]:
    out: list[str] = []
    if isinstance(validate, dict):
        for fe in validate.get("foreach") or []:
            if isinstance(fe, dict):
                if isinstance(fe.get("list"), str):
                    out.append(fe["list"])
                out.extend(_foreach_lists(fe))
    return out


def _pattern_plans(validate: Any, out: dict[int, Any]) -> None:
    """Compiled plans of the variable-free patterns of a validate block and its foreach entries, by object id."""
    if not isinstance(validate, dict):
        return
    pattern = validate.get("pattern")
    if pattern is not None and not has_variables(pattern) and not has_references(pattern):
        out[id(pattern)] = compile_pattern(pattern)
    any_pattern = validate.get("anyPattern")
    if isinstance(any_pattern, list) and not has_variables(any_pattern) and not has_references(any_pattern):
        out[id(any_pattern)] = [compile_pattern(p) for p in any_pattern]
    for fe in validate.get("foreach") or []:
        _pattern_plans(fe, out)


def _level(rule: Mapping[str, Any], plans: Mapping[int, Any]) -> Any:
    from policy_platform.engines.kyverno.validation import compile_level

    validate = rule.get("validate")
    if not isinstance(validate, dict):
        return None
    return compile_level(str(rule.get("name")), validate.get("message"), validate, plans)


def _kind_names(rule: Mapping[str, Any]) -> tuple[str, ...] | None:
    kinds = statement_kinds(rule.get("match"))
    if kinds is None:
        return None
    names: list[str] = []
    for sel in kinds:
        kind = parse_kind_selector(sel)[2]
        if "*" in kind or "?" in kind:
            return None
        names.append(kind)
    return tuple(sorted(set(names)))


def load_policy(data: Any, *, file: str = "", line: int | None = None, origin: Origin | None = None) -> Policy:
    """Check and compile one policy document; raise :class:`PolicyLoadError` naming the file and line."""
    if not isinstance(data, dict):
        raise _fail("policy document must be a mapping", file, line)
    api_version = data.get("apiVersion")
    if api_version not in API_VERSIONS:
        raise _fail(f"unsupported apiVersion {api_version!r} for {data.get('kind')}", file, line)
    meta = data.get("metadata")
    if not isinstance(meta, dict) or not isinstance(meta.get("name"), str) or not meta.get("name"):
        raise _fail(f"{data.get('kind')} without metadata.name", file, line)
    name = meta["name"]
    kind = str(data.get("kind"))
    where = f"{kind} {name}"
    spec = data.get("spec")
    if not isinstance(spec, dict):
        raise _fail(f"{where}: spec must be a mapping", file, line)
    _check_fields(spec, SPEC_FIELDS, f"{where}: spec", file, line)
    _check_action(spec.get("validationFailureAction"), f"{where}: spec.validationFailureAction", file, line)
    for i, ov in enumerate(spec.get("validationFailureActionOverrides") or []):
        action = ov.get("action") if isinstance(ov, dict) else None
        _check_action(action, f"{where}: spec.validationFailureActionOverrides[{i}].action", file, line, required=True)
    raw_rules = spec.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise _fail(f"{where}: spec.rules must be a non-empty list", file, line)
    seen: set[str] = set()
    for i, rule in enumerate(raw_rules):
        rwhere = f"{where}: spec.rules[{i}]"
        if not isinstance(rule, dict):
            raise _fail(f"{rwhere} must be a mapping", file, line)
        _check_fields(rule, RULE_FIELDS, rwhere, file, line)
        rname = rule.get("name")
        if not isinstance(rname, str) or not rname:
            raise _fail(f"{rwhere}: name is required", file, line)
        if rname in seen:
            raise _fail(f"{rwhere}: duplicate rule name {rname!r}", file, line)
        seen.add(rname)
        if not isinstance(rule.get("match"), dict):
            raise _fail(f"{rwhere} ({rname}): match is required", file, line)
        present = [a for a in ACTIONS if rule.get(a)]
        if len(present) != 1:
            raise _fail(
                f"{rwhere} ({rname}): exactly one of validate, mutate, generate, verifyImages is required", file, line
            )
        validate = rule.get("validate")
        if validate is not None:
            if not isinstance(validate, dict):
                raise _fail(f"{rwhere} ({rname}): validate must be a mapping", file, line)
            _check_fields(validate, VALIDATE_FIELDS, f"{rwhere} ({rname}).validate", file, line)
            _check_action(validate.get("failureAction"), f"{rwhere} ({rname}).validate.failureAction", file, line)
    namespace = str(meta.get("namespace") or "") if kind == "Policy" else ""
    if kind == "Policy" and not namespace:
        namespace = "default"
    display = f"{namespace}/{name}" if kind == "Policy" else name
    rules: list[Rule] = []
    for i, rule in enumerate(expand_rules(data)):
        rwhere = f"{where}: rule {rule.get('name')}"
        error, compiled = _compile_rule(rule, rwhere)
        action = next((a for a in ACTIONS if rule.get(a)), "validate")
        plans: dict[int, Any] = {}
        _pattern_plans(rule.get("validate"), plans)
        rules.append(
            Rule(
                name=str(rule.get("name")),
                data=rule,
                action=action,
                handler=_handler(rule),
                kinds=_kind_names(rule),
                load_error=error,
                compiled=compiled,
                kinds_only=kinds_only(rule.get("match")),
                plans=plans,
                level=_level(rule, plans),
            )
        )
        del i
    raw_annotations = meta.get("annotations")
    annotations: Mapping[str, Any] = raw_annotations if isinstance(raw_annotations, dict) else {}
    severity_text = annotations.get("policies.kyverno.io/severity")
    properties = {
        "kind": kind,
        "category": str(annotations.get("policies.kyverno.io/category") or ""),
        "title": str(annotations.get("policies.kyverno.io/title") or ""),
    }
    return Policy(
        name=display,
        plain_name=name,
        kind=kind,
        namespace=namespace,
        data=data,
        rules=tuple(rules),
        origin=origin,
        severity=Severity.parse(str(severity_text)) if severity_text else None,
        properties=properties,
        scored=str(annotations.get("policies.kyverno.io/scored", "true")).lower() != "false",
        apply_one=str(spec.get("applyRules", "All")) == "One",
        file=file,
        line=line,
    )
