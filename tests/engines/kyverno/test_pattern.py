"""validate.pattern walking: anchors, evaluation order, arrays, paths and skip/fail/error (validate.go semantics)."""

from __future__ import annotations

from typing import Any

import pytest

from policy_platform.engines.kyverno.pattern import match_pattern, parse_anchor

POD = {
    "metadata": {"name": "p", "labels": {"app": "web"}, "annotations": {"x.io/a-snippet": "v"}},
    "spec": {
        "containers": [
            {"name": "a", "image": "nginx:latest", "securityContext": {"privileged": True}},
            {"name": "b", "image": "redis:7"},
        ],
        "hostNetwork": False,
    },
}

# (pattern, expected outcome: "pass" | "skip" | "fail:<path>" | "error")
CASES: list[tuple[str, Any, str]] = [
    ("plain match", {"metadata": {"labels": {"app": "web"}}}, "pass"),
    ("plain mismatch", {"metadata": {"labels": {"app": "api"}}}, "fail:/metadata/labels/app/"),
    ("missing map", {"spec": {"securityContext": {"runAsNonRoot": True}}}, "fail:/spec/securityContext/"),
    ("every element", {"spec": {"containers": [{"image": "!*:latest"}]}}, "fail:/spec/containers/0/image/"),
    ("equality absent ok", {"spec": {"=(hostPID)": False}}, "pass"),
    ("equality present bad", {"spec": {"=(hostNetwork)": True}}, "fail:/spec/hostNetwork/"),
    ("negation present", {"spec": {"X(hostNetwork)": "null"}}, "fail:/spec/hostNetwork/"),
    ("negation absent", {"spec": {"X(hostPID)": "null"}}, "pass"),
    (
        "condition per element",
        {"spec": {"containers": [{"(name)": "a", "securityContext": {"privileged": False}}]}},
        "fail:/spec/containers/0/securityContext/privileged/",
    ),
    ("condition never holds", {"spec": {"containers": [{"(name)": "zzz", "image": "x"}]}}, "skip"),
    # a global-anchor skip of one element is swallowed when another element applied (validateArrayOfMaps)
    ("global anchor per element", {"spec": {"containers": [{"<(image)": "*:7", "name": "b"}]}}, "pass"),
    ("global anchor whole rule", {"spec": {"<(hostNetwork)": True, "containers": [{"name": "x"}]}}, "skip"),
    ("existence holds", {"spec": {"^(containers)": [{"image": "redis:*"}]}}, "pass"),
    ("existence fails", {"spec": {"^(containers)": [{"image": "busybox"}]}}, "fail:/spec/containers/"),
    ("star needs value", {"spec": {"dnsPolicy": "*"}}, "fail:/spec/"),
    (
        "wildcard annotation key negation",
        {"metadata": {"=(annotations)": {"X(*-snippet)": "?*"}}},
        "fail:/metadata/annotations/x.io/a-snippet/",
    ),
    ("empty pattern list", {"spec": {"containers": []}}, "fail:/spec/containers/"),
    ("scalar against list", {"spec": {"containers": "x"}}, "fail:/spec/containers/"),
]


@pytest.mark.parametrize(("name", "pattern", "expected"), CASES, ids=[c[0] for c in CASES])
def test_pattern(name: str, pattern: Any, expected: str) -> None:
    err = match_pattern(POD, pattern)
    if expected == "pass":
        assert err is None
        return
    assert err is not None
    if expected == "skip":
        assert err.skip
    elif expected == "error":
        assert not err.skip
        assert err.path == ""
    else:
        assert not err.skip
        assert err.path == expected.removeprefix("fail:")


def test_missing_existence_anchor_key_then_other_failure_is_error() -> None:
    # Kyverno's KeysAreMissing: an anchor key never seen plus another failure gives an empty path (rule error)
    resource = {"spec": {"hostNetwork": False}}
    pattern = {"spec": {"^(initContainers)": [{"name": "x"}], "hostNetwork": True}}
    err = match_pattern(resource, pattern)
    assert err is not None and err.path == "" and not err.skip


@pytest.mark.parametrize(
    ("key", "parsed"),
    [("(a)", ("condition", "a")), ("=(a)", ("equality", "a")), ("X(a)", ("negation", "a")),
     ("^(a)", ("existence", "a")), ("<(a)", ("global", "a")), ("+(a)", ("add", "a")), ("a", (None, "a"))],
)
def test_parse_anchor(key: str, parsed: tuple[str | None, str]) -> None:
    assert parse_anchor(key) == parsed
