"""The ``podsecurity`` tier of the Kyverno policy-library conformance suite, through :func:`evaluate_pod_security`.

Each expected result (rule, kind, resource, status) is checked. Matching and autogen belong to the engine core; here a
case runs when the resource kind is one the checks understand (Pod or a pod controller).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from policy_platform.engines.kyverno.podsecurity import evaluate_pod_security

SHARED = Path(os.environ.get("POLICY_PLATFORM_SHARED", Path(__file__).resolve().parents[4] / ".." / "shared"))
SUITE = SHARED / "conformance" / "kyverno-policies"


def _folders() -> list[str]:
    tsv = SUITE / "TESTS.tsv"
    if not tsv.is_file():
        return []
    rows = [line.split("\t") for line in tsv.read_text().splitlines()[1:]]
    return [row[0] for row in rows if row[1] == "podsecurity"]


def _docs(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if isinstance(d, dict)]


FOLDERS = _folders()


@pytest.mark.skipif(not FOLDERS, reason=f"conformance suite not found at {SUITE}")
@pytest.mark.parametrize("folder", FOLDERS, ids=[f.removesuffix("/.kyverno-test") for f in FOLDERS])
def test_podsecurity_tier(folder: str) -> None:
    base = SUITE / folder
    test = yaml.safe_load((base / "kyverno-test.yaml").read_text())
    policies = {d["metadata"]["name"]: d for p in test["policies"] for d in _docs(base / p)}
    resources = {(d["kind"], d["metadata"]["name"]): d for r in test["resources"] for d in _docs(base / r)}
    checked = []
    for expected in test["results"]:
        name = expected["rule"].removeprefix("autogen-cronjob-").removeprefix("autogen-")
        rule = next(r for r in policies[expected["policy"]]["spec"]["rules"] if r["name"] == name)
        for resource_name in expected["resources"]:
            resource = resources[(expected["kind"], resource_name)]
            result = evaluate_pod_security(rule["validate"]["podSecurity"], resource, rule_name=expected["rule"])
            checked.append((expected["rule"], resource_name, expected["result"], result.status, result.message))
    assert checked
    assert [c for c in checked if c[2] != c[3]] == []
