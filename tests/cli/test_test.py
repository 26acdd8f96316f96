"""``policy-platform test``: strict comparison, no result, load errors, selectors, JSON and JUnit."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from policy_platform.cli.main import main

POLICY = """\
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: require-team}
spec:
  rules:
  - name: check-team
    match:
      any:
      - resources: {kinds: [Pod]}
    validate:
      message: team label required
      pattern:
        metadata:
          labels:
            team: "?*"
"""
RESOURCES = """\
apiVersion: v1
kind: Pod
metadata: {name: good, labels: {team: a}}
spec: {containers: [{name: c, image: x}]}
---
apiVersion: v1
kind: Pod
metadata: {name: bad}
spec: {containers: [{name: c, image: x}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: dep}
spec: {template: {metadata: {labels: {team: a}}, spec: {containers: [{name: c, image: x}]}}}
---
apiVersion: v1
kind: Service
metadata: {name: svc}
"""
TEST = """\
apiVersion: cli.kyverno.io/v1alpha1
kind: Test
metadata: {name: team}
policies: [policy.yaml]
resources: [resources.yaml]
results:
- {policy: require-team, rule: check-team, kind: Pod, resources: [good], result: pass}
- {policy: require-team, rule: check-team, kind: Pod, resources: [default/bad], result: fail}
- {policy: require-team, rule: check-team, kind: Deployment, resources: [dep], result: pass}
"""


def _write(tmp_path: Path, test: str = TEST, policy: str = POLICY) -> Path:
    (tmp_path / "policy.yaml").write_text(policy)
    (tmp_path / "resources.yaml").write_text(RESOURCES)
    (tmp_path / "kyverno-test.yaml").write_text(test)
    return tmp_path


def _json(tmp_path: Path, capsys: pytest.CaptureFixture[str], *flags: str) -> tuple[int, list[dict[str, object]]]:
    code = main(["test", str(tmp_path), "--format", "json", *flags])
    return code, json.loads(capsys.readouterr()[0])


def test_all_agree(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, cases = _json(_write(tmp_path), capsys)
    assert code == 0
    assert [(c["resource"], c["kind"], c["expected"], c["actual"], c["ok"]) for c in cases] == [
        ("good", "Pod", "pass", "pass", True),
        ("default/bad", "Pod", "fail", "fail", True),
        ("dep", "Deployment", "pass", "pass", True),  # matched through autogen-check-team
    ]
    assert cases[1]["message"] == (
        "validation error: team label required. rule check-team failed at path /metadata/labels/"
    )
    assert set(cases[0]) == {"test", "policy", "rule", "resource", "kind", "expected", "actual", "ok", "message"}


@pytest.mark.parametrize(
    ("result_line", "actual", "message"),
    [
        ("{policy: require-team, rule: check-team, kind: Pod, resources: [bad], result: pass}", "fail", ""),
        ("{policy: require-team, rule: check-team, kind: Service, resources: [svc], result: skip}", "no result",
         "no rule response"),
        ("{policy: require-team, rule: check-team, kind: Pod, resources: [nope], result: pass}", "no result",
         "no Pod resource named 'nope'"),
        ("{policy: other, rule: check-team, kind: Pod, resources: [good], result: pass}", "no result",
         "policy not found"),
    ],
)
def test_strict_disagreements(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], result_line: str, actual: str, message: str
) -> None:
    test = TEST.split("results:", maxsplit=1)[0] + "results:\n- " + result_line + "\n"
    code, cases = _json(_write(tmp_path, test), capsys)
    assert code == 1
    (case,) = cases
    assert (case["actual"], case["ok"]) == (actual, False)
    if message:
        assert case["message"] == message


def test_invalid_policy_is_an_error_case(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, cases = _json(_write(tmp_path, policy=POLICY.replace("rules:", "rulez:")), capsys)
    assert code == 1
    assert cases[0]["actual"] == "error" and "unknown field 'rulez'" in str(cases[0]["message"])
    assert all(c["actual"] == "error" and c["ok"] is False for c in cases)


def test_unloadable_test_file_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, cases = _json(_write(tmp_path, TEST + "bogus: 1\n"), capsys)
    assert code == 1
    assert cases == [
        {
            "test": "team",
            "policy": "",
            "rule": "",
            "resource": "",
            "kind": "",
            "expected": "",
            "actual": "error",
            "ok": False,
            "message": f"{tmp_path / 'kyverno-test.yaml'}: unknown field 'bogus' in Test",
        }
    ]


def test_selector_and_fail_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(tmp_path)
    code, cases = _json(tmp_path, capsys, "--test-case-selector", "resource=dep")
    assert code == 0 and [c["resource"] for c in cases] == ["dep"]
    code, cases = _json(tmp_path, capsys, "--fail-only")
    assert code == 0 and cases == []


def test_table_and_junit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(tmp_path)
    assert main(["test", str(tmp_path), "--remove-color"]) == 0
    out = capsys.readouterr()[0]
    assert "Test Summary: 3 tests passed and 0 tests failed" in out
    assert main(["test", str(tmp_path), "--format", "junit"]) == 0
    root = ET.fromstring(capsys.readouterr()[0].split("\n", 1)[1])
    assert (root.tag, root.get("tests"), root.get("failures")) == ("testsuites", "3", "0")


def test_no_tests_found_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test", str(tmp_path)]) == 2
    assert "no kyverno-test.yaml found" in capsys.readouterr()[1]


def test_variables_exceptions_and_userinfo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = POLICY.replace(
        "    validate:",
        "    exclude:\n      any:\n      - clusterRoles: [cluster-admin]\n    validate:",
    )
    test = TEST.replace("results:", "userinfo: user.yaml\nvariables: values.yaml\nexceptions: [exc.yaml]\nresults:")
    _write(tmp_path, test, policy)
    (tmp_path / "user.yaml").write_text("clusterRoles: [view]\nuserInfo: {username: dev}\n")
    (tmp_path / "values.yaml").write_text("kind: Values\nglobalValues: {request.operation: CREATE}\n")
    (tmp_path / "exc.yaml").write_text(
        "apiVersion: kyverno.io/v2\nkind: PolicyException\nmetadata: {name: e}\nspec:\n"
        "  exceptions: [{policyName: require-team, ruleNames: [autogen-check-team]}]\n"
        "  match: {any: [{resources: {kinds: [Deployment]}}]}\n"
    )
    code, cases = _json(tmp_path, capsys)
    assert code == 1
    assert [(c["resource"], c["actual"], c["ok"]) for c in cases] == [
        ("good", "pass", True),
        ("default/bad", "fail", True),
        ("dep", "skip", False),  # the exception applies to the autogen rule
    ]
    (tmp_path / "user.yaml").write_text("clusterRoles: [cluster-admin]\nuserInfo: {username: root}\n")
    code, cases = _json(tmp_path, capsys)
    assert [(c["resource"], c["actual"]) for c in cases] == [
        ("good", "no result"),
        ("default/bad", "no result"),
        ("dep", "no result"),
    ]


def test_checks_are_reported_not_ignored(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, cases = _json(_write(tmp_path, TEST + "checks:\n- match: {}\n  assert: {}\n"), capsys)
    assert code == 1
    assert cases[0]["actual"] == "error"
    assert cases[0]["message"] == "checks[0]: kyverno-json assertions are not supported by policy-platform"


@pytest.mark.parametrize(
    ("result_line", "strict_ok", "compat_ok"),
    [
        # kyverno 1.13 counts an expected fail as agreeing with any rule response
        ("{policy: require-team, rule: check-team, kind: Pod, resources: [good], result: fail}", False, True),
        # ... and a policy without any rule response on the resource ("excluded") as agreeing with anything
        ("{policy: require-team, rule: check-team, kind: Service, resources: [svc], result: pass}", False, True),
        # a missing resource is "not found" in both modes
        ("{policy: require-team, rule: check-team, kind: Pod, resources: [nope], result: pass}", False, False),
        ("{policy: require-team, rule: check-team, kind: Pod, resources: [bad], result: pass}", False, False),
    ],
)
def test_compat_kyverno_113(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], result_line: str, strict_ok: bool, compat_ok: bool
) -> None:
    _write(tmp_path, TEST.split("results:", maxsplit=1)[0] + "results:\n- " + result_line + "\n")
    _, strict = _json(tmp_path, capsys)
    code, compat = _json(tmp_path, capsys, "--compat", "kyverno-1.13")
    assert (strict[0]["ok"], compat[0]["ok"]) == (strict_ok, compat_ok)
    assert code == (0 if compat_ok else 1)
