"""``{{@}}``: the JSON path of the node being substituted, computed as Kyverno 1.13 does (``vars.go`` +
``pkg/utils/jsonpointer``): the first two components of the node's path are dropped, so in a validate ``pattern``
(substituted on its own) ``spec.template.metadata.labels.app`` reads ``request.object.metadata.labels.app``."""

from __future__ import annotations

from typing import Any

import pytest
from tests.engines.kyverno.test_engine import _run, deployment

from policy_platform.engines.kyverno.variables import at_expression, substitute_all

OBJ = {"request": {"operation": "CREATE", "object": {"spec": {"containers": [{"name": "c", "image": "x"}]}}}}


@pytest.mark.parametrize(
    ("path", "context", "expected"),
    [
        ((), OBJ, "request.object"),
        (("spec",), OBJ, "request.object"),
        (("spec", "containers"), OBJ, "request.object"),
        (("spec", "containers", "0", "image"), OBJ, "request.object[0].image"),
        (("validate", "pattern", "spec", "containers", "0", "image"), OBJ, "request.object.spec.containers[0].image"),
        (
            ("a", "b", "metadata", "labels", "app.kubernetes.io/name"),
            OBJ,
            'request.object.metadata.labels."app.kubernetes.io/name"',
        ),
        (("a", "b", "x", "(name)", "=(y)"), OBJ, 'request.object.x."(name)"."=(y)"'),
        (("a", "b", "x", "007"), OBJ, "request.object.x[007]"),
        (("foreach", "0", "pattern", "spec", "x"), OBJ, "request.object.spec.x"),  # cut after "foreach"
        (("a", "b", "tab\there"), OBJ, 'request.object."tab\\there"'),
        (("a", "b", "c"), {**OBJ, "target": {}}, "target.c"),  # mutate-existing targets
    ],
)
def test_at_expression(path: tuple[str, ...], context: Any, expected: str) -> None:
    assert at_expression(path, context) == expected


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ("{{@}}", OBJ["request"]["object"]),  # a message or condition at the root: the whole object
        ("{{ @ }}", OBJ["request"]["object"]),
        ({"spec": {"containers": [{"image": "{{@}}"}]}}, {"spec": {"containers": [{"image": None}]}}),  # [0] of a map
        (
            {"validate": {"pattern": {"spec": {"containers": [{"image": "img-{{@}}"}]}}}},
            {"validate": {"pattern": {"spec": {"containers": [{"image": "img-x"}]}}}},
        ),
    ],
)
def test_substitute_at(document: Any, expected: Any) -> None:
    assert substitute_all(document, OBJ) == expected


PATTERN = """
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: at}
spec:
  rules:
  - name: same-app
    match: {any: [{resources: {kinds: [Deployment]}}]}
    validate:
      pattern:
        spec:
          template:
            metadata:
              labels:
                app: "{{@}}"
"""

ANY_PATTERN = """
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: at}
spec:
  rules:
  - name: any
    match: {any: [{resources: {kinds: [Deployment]}}]}
    validate:
      anyPattern:
      - spec:
          template:
            metadata:
              labels:
                app: "{{@}}"
"""


def _deployment(top: dict[str, str] | None, template: dict[str, str]) -> Any:
    d = deployment(labels=template)
    if top is not None:
        d["metadata"]["labels"] = top
    return d


@pytest.mark.parametrize(
    ("policy", "top", "template", "expected"),
    [
        (PATTERN, {"app": "web"}, {"app": "web"}, ("same-app", "pass", "validation rule 'same-app' passed.")),
        (
            PATTERN,
            {"app": "web"},
            {"app": "db"},
            ("same-app", "fail", "validation error: rule same-app failed at path /spec/template/metadata/labels/app/"),
        ),
        (
            PATTERN,
            None,
            {"app": "web"},
            (
                "same-app",
                "error",
                "variable substitution failed for rule same-app: failed to substitute variable"
                ' {{request.object.metadata.labels.app}}: Unknown key "labels" in path',
            ),
        ),
        (
            # anyPattern is substituted as one list: the index and "spec" are the two components dropped
            ANY_PATTERN,
            {"app": "web"},
            {"app": "web"},
            (
                "any",
                "error",
                "variable substitution failed for rule any: failed to substitute variable"
                ' {{request.object.template.metadata.labels.app}}: Unknown key "template" in path',
            ),
        ),
    ],
)
def test_at_in_patterns(policy: str, top: dict[str, str] | None, template: dict[str, str], expected: Any) -> None:
    assert _run(policy, _deployment(top, template)) == [expected]
