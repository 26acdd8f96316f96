"""The ``cel`` tier of the Kyverno policy-library conformance suite, evaluated through this package's API.

For every test folder of tier ``cel`` in ``../shared/conformance/kyverno-policies/TESTS.tsv`` each expected result is
checked rule by rule, resource by resource: the rule's ``celPreconditions`` (unmet → ``skip``) and ``validate.cel``
are evaluated with one :class:`ResourceActivation` per resource. Matching (kinds, namespaces, exclusions) belongs to
the engine core; here a case runs when the resource kind is one of the rule's kinds, or, for an ``autogen-`` rule of a
Pod rule, when it is a pod controller, after the autogen rewrite of ``object.spec``/``object.metadata`` (done by the
core in production, reproduced here in a few lines). As the Kyverno CLI does, resources without a namespace get
``default``.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from policy_platform.engines.kyverno.cel import (
    CelError,
    CelEvaluationError,
    ResourceActivation,
    compile_preconditions,
    compile_validation,
    evaluate_preconditions,
    evaluate_validation,
)

SHARED = Path(os.environ.get("POLICY_PLATFORM_SHARED", Path(__file__).resolve().parents[4] / ".." / "shared"))
SUITE = SHARED / "conformance" / "kyverno-policies"
CONTROLLERS = {"DaemonSet", "Deployment", "Job", "StatefulSet", "ReplicaSet", "ReplicationController"}


def _folders(tier: str) -> list[str]:
    tsv = SUITE / "TESTS.tsv"
    if not tsv.is_file():
        return []
    rows = [line.split("\t") for line in tsv.read_text().splitlines()[1:]]
    return [row[0] for row in rows if row[1] == tier]


def _docs(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if isinstance(d, dict)]


def _autogen(value: Any, kind: str) -> Any:
    """Kyverno's autogen string replacement on CEL expressions (``object.spec`` → ``object.spec.template.spec`` ...)."""
    prefix = "spec.jobTemplate.spec.template" if kind == "CronJob" else "spec.template"
    if isinstance(value, str):
        for root in ("oldObject", "object"):
            value = value.replace(f"{root}.spec", f"{root}.{prefix}.spec").replace(
                f"{root}.metadata", f"{root}.{prefix}.metadata"
            )
        return value
    if isinstance(value, list):
        return [_autogen(v, kind) for v in value]
    if isinstance(value, dict):
        return {k: _autogen(v, kind) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class Case:
    rule: str
    kind: str
    resource: str
    expected: str


def _cases(folder: str) -> list[tuple[Case, str, str]]:
    """(case, status, message) for every case of a test folder that this package can evaluate."""
    base = SUITE / folder
    test = yaml.safe_load((base / "kyverno-test.yaml").read_text())
    policies = {d["metadata"]["name"]: d for p in test.get("policies", []) for d in _docs(base / p)}
    resources: dict[tuple[str, str], dict[str, Any]] = {}
    for r in test.get("resources", []):
        for doc in _docs(base / r):
            doc.setdefault("metadata", {}).setdefault("namespace", "default")
            resources[(doc["kind"], doc["metadata"]["name"])] = doc
    out = []
    for expected in test.get("results", []):
        policy = policies[expected["policy"]]
        name = expected["rule"]
        kind = expected["kind"]
        base_name = name.removeprefix("autogen-cronjob-").removeprefix("autogen-")
        rule = next((r for r in policy["spec"]["rules"] if r["name"] in (name, base_name)), None)
        if rule is None or "cel" not in rule.get("validate", {}):
            continue
        blocks = rule["match"].get("any") or rule["match"].get("all") or [rule["match"]]
        kinds = {k.split("/")[-1] for b in blocks for k in b.get("resources", {}).get("kinds", [])}
        if kind not in kinds:
            if kinds != {"Pod"} or (kind not in CONTROLLERS and kind != "CronJob"):
                continue
            rule = _autogen(copy.deepcopy(rule), kind)
        for resource_name in expected.get("resources", []):
            obj = resources[(kind, resource_name.split("/")[-1])]
            status, message = _run(rule, obj, f"{folder}: {name}")
            out.append((Case(name, kind, resource_name, expected["result"]), status, message))
    return out


def _run(rule: dict[str, Any], obj: dict[str, Any], location: str) -> tuple[str, str]:
    try:
        compiled = compile_validation(
            rule["validate"]["cel"], location=location, message=rule["validate"].get("message", "")
        )
        pre = compile_preconditions(rule.get("celPreconditions") or [], location=location)
    except CelError as err:
        return "load-error", str(err)
    activation = ResourceActivation(obj=obj)
    try:
        if not evaluate_preconditions(pre, activation=activation):
            return "skip", "cel preconditions not met"
    except CelEvaluationError as err:
        return "fail", str(err)
    result = evaluate_validation(compiled, activation=activation)
    return result.status, result.message


CEL_FOLDERS = _folders("cel")  # 101 folders, 1 426 cases (autogen included), all agreeing as of this commit


@pytest.mark.skipif(not CEL_FOLDERS, reason=f"conformance suite not found at {SUITE}")
@pytest.mark.parametrize("folder", CEL_FOLDERS, ids=[f.removesuffix("/.kyverno-test") for f in CEL_FOLDERS])
def test_cel_tier(folder: str) -> None:
    cases = _cases(folder)
    assert cases, "no case of this folder could be evaluated"
    mismatches = [
        f"{c.rule} {c.kind}/{c.resource}: expected {c.expected}, got {status} ({message})"
        for c, status, message in cases
        if status != c.expected
    ]
    assert not mismatches, "\n".join(mismatches)

