"""The values file's ``subresources`` section: resources declared as subresources match ``ParentKind/subresource``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.engines.kyverno.test_engine import _run

from policy_platform.engines.kyverno import Options, Values
from policy_platform.engines.kyverno.testrunner import run_test_file
from policy_platform.errors import InputFileError

SCALE_SUBRESOURCE = {
    "subresource": {
        "name": "deployments/scale",
        "kind": "Scale",
        "group": "autoscaling",
        "version": "v1",
        "namespaced": True,
        "verbs": ["get", "update"],
    },
    "parentResource": {"name": "deployments", "kind": "Deployment", "group": "apps", "version": "v1"},
}

POLICY = """
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: scale}
spec:
  rules:
  - name: max-replicas
    match: {any: [{resources: {kinds: [KINDS]}}]}
    validate:
      message: "at most 3 replicas"
      pattern:
        spec:
          replicas: "<=3"
"""


def scale(replicas: int, api_version: str = "autoscaling/v1") -> dict[str, Any]:
    return {"apiVersion": api_version, "kind": "Scale", "metadata": {"name": "web"}, "spec": {"replicas": replicas}}


MAX_OK = ("max-replicas", "pass", "validation rule 'max-replicas' passed.")
MAX_FAIL = (
    "max-replicas",
    "fail",
    "validation error: at most 3 replicas. rule max-replicas failed at path /spec/replicas/",
)


@pytest.mark.parametrize(
    ("kinds", "subresources", "resource", "expected"),
    [
        ("Deployment/scale", [SCALE_SUBRESOURCE], scale(2), [MAX_OK]),
        ("Deployment/scale", [SCALE_SUBRESOURCE], scale(5), [MAX_FAIL]),
        ("apps/v1/Deployment/scale", [SCALE_SUBRESOURCE], scale(5), [MAX_FAIL]),
        ("Deployment/*", [SCALE_SUBRESOURCE], scale(5), [MAX_FAIL]),
        ("Deployment/status", [SCALE_SUBRESOURCE], scale(5), []),
        ("Deployment", [SCALE_SUBRESOURCE], scale(5), []),  # a bare kind never selects a subresource
        ("Scale", [SCALE_SUBRESOURCE], scale(5), []),  # matched as its parent now
        ("Scale", [], scale(5), [MAX_FAIL]),  # without the section: an ordinary Scale resource
        ("Deployment/scale", [], scale(5), []),
        ("Deployment/scale", [SCALE_SUBRESOURCE], scale(5, "autoscaling/v2"), []),  # the group/version must match
    ],
)
def test_subresource_matching(kinds: str, subresources: list[Any], resource: Any, expected: list[Any]) -> None:
    values = Values.parse({"subresources": subresources})
    assert _run(POLICY.replace("KINDS", kinds), resource, Options(values=values)) == expected


def test_last_matching_entry_wins() -> None:
    other = {
        "subresource": {"name": "replicasets/scale", "kind": "Scale", "group": "autoscaling", "version": "v1"},
        "parentResource": {"kind": "ReplicaSet", "group": "apps", "version": "v1"},
    }
    values = Values.parse({"subresources": [SCALE_SUBRESOURCE, other]})
    assert values.subresource_target("autoscaling/v1", "Scale") == ("apps", "v1", "ReplicaSet", "scale")
    assert _run(POLICY.replace("KINDS", "Deployment/scale"), scale(5), Options(values=values)) == []
    assert _run(POLICY.replace("KINDS", "ReplicaSet/scale"), scale(5), Options(values=values)) == [MAX_FAIL]


def test_core_group_subresource() -> None:
    entry = {
        "subresource": {"name": "pods/eviction", "kind": "Eviction", "group": "policy", "version": "v1"},
        "parentResource": {"name": "pods", "kind": "Pod", "version": "v1"},
    }
    values = Values.parse({"subresources": [entry]})
    assert values.subresource_target("policy/v1", "Eviction") == ("", "v1", "Pod", "eviction")
    assert values.subresource_target("v1", "Eviction") is None


@pytest.mark.parametrize(
    ("subresources", "error"),
    [
        ("x", "subresources must be a list"),
        (["x"], "subresources[0] must be a mapping"),
        ([{"subresource": {"name": "a/b", "kind": "K"}}], "subresources[0] needs subresource and parentResource"),
        (
            [{"subresource": {"name": "scale", "kind": "Scale"}, "parentResource": {"kind": "Deployment"}}],
            "subresources[0].subresource.name must be <resource>/<subresource>, got 'scale'",
        ),
        (
            [{"subresource": {"name": "d/scale"}, "parentResource": {"kind": "Deployment"}}],
            "subresources[0].subresource.kind is required",
        ),
        (
            [{"subresource": {"name": "d/scale", "kind": "Scale"}, "parentResource": {"kind": "D", "group": 1}}],
            "subresources[0].parentResource.group must be a string",
        ),
    ],
)
def test_invalid_subresources(subresources: Any, error: str) -> None:
    with pytest.raises(InputFileError, match=error.replace("[", r"\[").replace("]", r"\]")):
        Values.parse({"subresources": subresources}, file="values.yaml")


TEST_FILE = """
apiVersion: cli.kyverno.io/v1alpha1
kind: Test
metadata: {name: scale}
policies: [policy.yaml]
resources: [resources.yaml]
variables: values.yaml
results:
- policy: scale
  rule: max-replicas
  kind: Scale
  resources: [small]
  result: pass
- policy: scale
  rule: max-replicas
  kind: Scale
  resources: [big]
  result: fail
"""

VALUES_FILE = """
apiVersion: cli.kyverno.io/v1alpha1
kind: Values
subresources:
- subresource: {name: deployments/scale, kind: Scale, group: autoscaling, version: v1}
  parentResource: {name: deployments, kind: Deployment, group: apps, version: v1}
"""

RESOURCES = """
apiVersion: autoscaling/v1
kind: Scale
metadata: {name: small, namespace: default}
spec: {replicas: 2}
---
apiVersion: autoscaling/v1
kind: Scale
metadata: {name: big, namespace: default}
spec: {replicas: 9}
"""


def test_kyverno_test_with_subresources_values(tmp_path: Path) -> None:
    (tmp_path / "kyverno-test.yaml").write_text(TEST_FILE)
    (tmp_path / "policy.yaml").write_text(POLICY.replace("KINDS", "Deployment/scale"))
    (tmp_path / "resources.yaml").write_text(RESOURCES)
    (tmp_path / "values.yaml").write_text(VALUES_FILE)
    report = run_test_file(tmp_path / "kyverno-test.yaml")
    assert report.errors == []
    assert [(c.rule, c.resource, c.expected, c.actual, c.ok) for c in report.cases] == [
        ("max-replicas", "small", "pass", "pass", True),
        ("max-replicas", "big", "fail", "fail", True),
    ]
