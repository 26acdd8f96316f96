"""Strict ``kyverno test``: run ``kyverno-test.yaml`` files (cli.kyverno.io/v1alpha1 Test) and compare every case.

One case is one expected result for one resource. It agrees only when a rule response of that policy and rule
(``rule``, ``autogen-rule`` or ``autogen-cronjob-rule``) on a resource of that kind and ``name`` / ``namespace/name``
has exactly the expected status. No rule response at all is shown as ``no result`` and disagrees; a test file, policy
or resource file that cannot be loaded is an error case, never dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from policy_platform._internal.yamlio import load_single
from policy_platform.engines.base import RuleOutcome
from policy_platform.engines.kyverno import wildcard
from policy_platform.engines.kyverno.engine import KyvernoEngine, LoadedPolicies, Options
from policy_platform.engines.kyverno.inputs import load_policy_files, load_resources, load_yaml_mapping
from policy_platform.engines.kyverno.match import as_map
from policy_platform.engines.kyverno.values import Values
from policy_platform.errors import InputFileError, PolicyPlatformError, UsageError

TEST_FILE = "kyverno-test.yaml"
TEST_FIELDS = frozenset(
    {
        "apiVersion", "kind", "metadata", "name", "policies", "resources", "targetResources", "variables",
        "userinfo", "results", "checks", "values", "exceptions",
    }
)
RESULT_FIELDS = frozenset(
    {
        "policy", "rule", "resources", "resource", "kind", "result", "status", "namespace", "patchedResource",
        "patchedResources", "generatedResource", "cloneSourceResource", "isValidatingAdmissionPolicy",
        "isValidatingPolicy", "isMutatingPolicy", "isGeneratingPolicy", "isImageValidatingPolicy",
        "isDeletingPolicy", "isMutatingAdmissionPolicy",
    }
)
NO_RESULT = "no result"
ERROR_CASE = "error"


@dataclass(frozen=True, slots=True)
class Case:
    """One compared case (the JSON output schema)."""

    test: str
    policy: str
    rule: str
    resource: str
    kind: str
    expected: str
    actual: str
    ok: bool
    message: str = ""
    file: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "test": self.test,
            "policy": self.policy,
            "rule": self.rule,
            "resource": self.resource,
            "kind": self.kind,
            "expected": self.expected,
            "actual": self.actual,
            "ok": self.ok,
            "message": self.message,
        }


@dataclass(slots=True)
class TestReport:
    """All cases of one test file."""

    name: str
    file: str
    cases: list[Case] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and all(c.ok for c in self.cases)


@dataclass(frozen=True, slots=True)
class Selector:
    """``--test-case-selector "policy=*,rule=*,resource=*"`` (wildcards)."""

    policy: str = "*"
    rule: str = "*"
    resource: str = "*"

    @staticmethod
    def parse(text: str | None) -> Selector:
        if not text:
            return Selector()
        parts: dict[str, str] = {}
        for item in text.split(","):
            if not item.strip():
                continue
            key, sep, value = item.partition("=")
            key = key.strip()
            if not sep or key not in ("policy", "rule", "resource"):
                raise UsageError(
                    f"invalid --test-case-selector entry {item!r} (expected policy=…, rule=… or resource=…)"
                )
            parts[key] = value.strip() or "*"
        return Selector(**parts)

    def selects(self, policy: str, rule: str, resource: str) -> bool:
        return (
            wildcard.match(self.policy, policy) and wildcard.match(self.rule, rule) and wildcard.match(
                self.resource, resource
            )
        )


def discover(paths: Iterable[str | Path], file_name: str = TEST_FILE) -> list[Path]:
    """Test files: a path that is a file is taken as is; folders are walked for ``file_name`` (hidden dirs included,
    as the library keeps tests in ``.kyverno-test``)."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_file():
            out.append(p)
        elif p.is_dir():
            out.extend(sorted(f for f in p.rglob(file_name) if f.is_file()))
        else:
            raise InputFileError("no such file or directory", file=str(p))
    return out


def _rel(base: Path, item: Any) -> Path:
    p = Path(str(item))
    return p if p.is_absolute() else base / p


def _string_list(data: Mapping[str, Any], key: str, file: str) -> list[str]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputFileError(f"{key} must be a list of strings", file=file)
    return list(value)


def run_test_file(path: Path, selector: Selector | None = None, compat: bool = False) -> TestReport:
    """Load and run one test file; never raises for bad content (errors become error cases).

    ``compat`` reproduces the loose oracle of ``kyverno test`` 1.13 (for migration): an expected ``fail`` agrees with
    any rule response, and a policy without any rule response on the resource ("excluded") agrees with anything.
    """
    selector = selector or Selector()
    file = str(path)
    try:
        doc = load_single(path)
    except PolicyPlatformError as exc:
        return TestReport(name=file, file=file, errors=[str(exc)])
    data = doc.data
    if not isinstance(data, dict):
        return TestReport(name=file, file=file, errors=[f"{file}: a Test must be a mapping"])
    meta = as_map(data.get("metadata"))
    name = str(meta.get("name") or data.get("name") or path.parent)
    report = TestReport(name=name, file=file)
    try:
        _run(path, data, report, selector, compat)
    except PolicyPlatformError as exc:
        report.errors.append(str(exc))
    return report


def _run(path: Path, data: dict[str, Any], report: TestReport, selector: Selector, compat: bool) -> None:
    file = str(path)
    unknown = sorted(str(k) for k in data if k not in TEST_FIELDS)
    if unknown:
        raise InputFileError(f"unknown field {unknown[0]!r} in Test", file=file)
    if data.get("kind") not in (None, "Test") or data.get("apiVersion") not in (None, "cli.kyverno.io/v1alpha1"):
        raise InputFileError("expected apiVersion cli.kyverno.io/v1alpha1, kind Test", file=file)
    base = path.parent
    results = data.get("results") or []
    if not isinstance(results, list):
        raise InputFileError("results must be a list", file=file)
    for i, r in enumerate(results):
        if not isinstance(r, dict):
            raise InputFileError(f"results[{i}] must be a mapping", file=file)
        bad = sorted(str(k) for k in r if k not in RESULT_FIELDS)
        if bad:
            raise InputFileError(f"results[{i}]: unknown field {bad[0]!r}", file=file)
    # values
    values = Values()
    if data.get("variables"):
        vpath = _rel(base, data["variables"])
        values = Values.parse(load_yaml_mapping(vpath, "values file"), file=str(vpath))
    elif data.get("values") is not None:
        values = Values.parse(data["values"], file=file)
    user_info = None
    if data.get("userinfo"):
        upath = _rel(base, data["userinfo"])
        user_info = load_yaml_mapping(upath, "userinfo file") or {}
    policy_set = load_policy_files([_rel(base, p) for p in _string_list(data, "policies", file)])
    exc_set = load_policy_files([_rel(base, p) for p in _string_list(data, "exceptions", file)])
    for err in [*policy_set.errors, *exc_set.errors]:
        report.errors.append(err.display())
    resources, res_errors = load_resources([_rel(base, p) for p in _string_list(data, "resources", file)])
    for err in res_errors:
        report.errors.append(err.display())
    loaded = LoadedPolicies.build(policy_set.policies, [*policy_set.exceptions, *exc_set.exceptions])
    engine = KyvernoEngine(Options(values=values, user_info=user_info))
    evaluated: list[tuple[str, str, str, list[RuleOutcome]]] = []
    for _doc, res in resources:
        outcomes = engine.evaluate_resource(loaded, res)
        meta = as_map(res.get("metadata"))
        evaluated.append(
            (str(res.get("kind") or ""), str(meta.get("name") or ""), str(meta.get("namespace") or "default"), outcomes)
        )
    known = {p.name for p in policy_set.policies}
    for i, _check in enumerate(data.get("checks") or []):
        report.cases.append(
            Case(report.name, "", "", "", "", "check", ERROR_CASE, False,
                 f"checks[{i}]: kyverno-json assertions are not supported by policy-platform", file)
        )
    for r in results:
        report.cases.extend(
            _cases(report.name, file, r, evaluated, known, policy_set.failed_names, selector, compat=compat)
        )


def _cases(
    test: str,
    file: str,
    r: Mapping[str, Any],
    evaluated: list[tuple[str, str, str, list[RuleOutcome]]],
    known: set[str],
    failed: Mapping[str, str],
    selector: Selector,
    *,
    compat: bool = False,
) -> list[Case]:
    policy = str(r.get("policy") or "")
    rule = str(r.get("rule") or "")
    kind = str(r.get("kind") or "")
    expected = str(r.get("result") or r.get("status") or "")
    names: list[str] = [str(x) for x in r.get("resources") or []]
    if r.get("resource"):
        res_name = str(r["resource"])
        if r.get("namespace"):
            res_name = f"{r['namespace']}/{res_name}"
        names.append(res_name)
    out: list[Case] = []
    rule_names = {rule, f"autogen-{rule}", f"autogen-cronjob-{rule}"}
    for name in names:
        if not selector.selects(policy, rule, name):
            continue
        if policy in failed:
            out.append(Case(test, policy, rule, name, kind, expected, ERROR_CASE, False, failed[policy], file))
            continue
        if policy not in known:
            out.append(Case(test, policy, rule, name, kind, expected, NO_RESULT, False, "policy not found", file))
            continue
        actuals: list[RuleOutcome] = []
        found_resource = False
        policy_responded = False
        for rkind, rname, rns, outcomes in evaluated:
            if rkind != kind or name not in (rname, f"{rns}/{rname}"):
                continue
            found_resource = True
            policy_responded = policy_responded or any(o.policy == policy for o in outcomes)
            actuals.extend(o for o in outcomes if o.policy == policy and o.rule in rule_names)
        if not actuals:
            msg = "no rule response" if found_resource else f"no {kind} resource named {name!r}"
            excluded = compat and found_resource and not policy_responded
            out.append(Case(test, policy, rule, name, kind, expected, NO_RESULT, excluded, msg, file))
            continue
        statuses = sorted({o.status.value for o in actuals})
        actual = statuses[0] if len(statuses) == 1 else ",".join(statuses)
        ok = all(o.status.value == expected for o in actuals) or (compat and expected == "fail")
        message = next((o.message for o in actuals if o.status.value != expected), actuals[0].message)
        out.append(Case(test, policy, rule, name, kind, expected, actual, ok, message, file))
    return out
