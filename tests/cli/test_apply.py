"""``policy-platform apply``: kyverno apply's exit codes, outputs, stdin, bad input, parallel determinism."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
import yaml

from policy_platform.cli.main import main

POLICY = """\
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: require-team
spec:
  validationFailureAction: {action}
  rules:
  - name: check-team
    match:
      any:
      - resources:
          kinds: [Pod]
    validate:
      message: "label team is required"
      pattern:
        metadata:
          labels:
            team: "?*"
"""
SPEC = "spec: {containers: [{name: c, image: x}]}\n"
GOOD = "apiVersion: v1\nkind: Pod\nmetadata: {name: good, labels: {team: a}}\n" + SPEC
BAD = "apiVersion: v1\nkind: Pod\nmetadata: {name: bad}\n" + SPEC


Capsys = pytest.CaptureFixture[str]


def _run(tmp_path: Path, capsys: Capsys, resources: str, *flags: str, action: str = "Enforce") -> tuple[int, str, str]:
    (tmp_path / "policy.yaml").write_text(POLICY.format(action=action))
    (tmp_path / "res.yaml").write_text(resources)
    code = main(["apply", str(tmp_path / "policy.yaml"), "--resource", str(tmp_path / "res.yaml"), *flags])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("resources", "flags", "action", "code", "summary"),
    [
        (GOOD, [], "Enforce", 0, "pass: 1, fail: 0, warn: 0, error: 0, skip: 0"),
        (BAD, [], "Enforce", 1, "pass: 0, fail: 1, warn: 0, error: 0, skip: 0"),
        (BAD, [], "Audit", 1, "pass: 0, fail: 1, warn: 0, error: 0, skip: 0"),
        (BAD, ["--audit-warn"], "Audit", 0, "pass: 0, fail: 0, warn: 1, error: 0, skip: 0"),
        (BAD, ["--audit-warn", "--warn-exit-code", "3"], "Audit", 3, "pass: 0, fail: 0, warn: 1, error: 0, skip: 0"),
        (BAD, ["--warn-exit-code", "3", "--audit-warn"], "Audit", 3, "pass: 0, fail: 0, warn: 1, error: 0, skip: 0"),
        (BAD, ["--audit-warn", "--warn-exit-code", "3"], "Enforce", 1, "pass: 0, fail: 1, warn: 0, error: 0, skip: 0"),
    ],
)
def test_exit_codes(
    tmp_path: Path,
    capsys: Capsys,
    resources: str,
    flags: list[str],
    action: str,
    code: int,
    summary: str,
) -> None:
    got, out, _ = _run(tmp_path, capsys, resources, *flags, action=action)
    assert got == code
    assert out.splitlines()[-1] == summary


def test_text_output_names_policy_resource_and_message(tmp_path: Path, capsys: Capsys) -> None:
    _, out, _ = _run(tmp_path, capsys, GOOD + "---\n" + BAD)
    # rules are counted after autogen, as kyverno apply does (check-team + autogen + autogen-cronjob)
    assert "Applying 3 policy rule(s) to 2 resource(s)..." in out
    assert "policy require-team -> resource default/Pod/bad failed:" in out
    assert (
        "1. check-team (fail): validation error: label team is required. rule check-team failed at path "
        "/metadata/labels/" in out
    )


def test_json_output(tmp_path: Path, capsys: Capsys) -> None:
    code, out, _ = _run(tmp_path, capsys, BAD, "--format", "json")
    data = json.loads(out)
    assert code == 1
    assert data["summary"] == {"pass": 0, "fail": 1, "warn": 0, "error": 0, "skip": 0}
    (item,) = data["results"]
    assert (item["policy"], item["rule"], item["status"], item["action"], item["line"]) == (
        "require-team",
        "check-team",
        "fail",
        "Enforce",
        1,
    )
    assert item["resource"] == {"apiVersion": "v1", "kind": "Pod", "namespace": "default", "name": "bad"}


def test_policy_report_is_pure_yaml(tmp_path: Path, capsys: Capsys) -> None:
    _, out, _ = _run(tmp_path, capsys, GOOD + "---\n" + BAD, "--policy-report")
    report = yaml.safe_load(out)
    assert (report["kind"], report["metadata"]["name"]) == ("ClusterPolicyReport", "merged")
    assert report["summary"] == {"pass": 1, "fail": 1, "warn": 0, "error": 0, "skip": 0}
    assert [r["result"] for r in report["results"]] == ["pass", "fail"]


def test_table(tmp_path: Path, capsys: Capsys) -> None:
    _, out, _ = _run(tmp_path, capsys, BAD, "-t", "--detailed-results")
    row = next(line for line in out.splitlines() if "check-team" in line)
    assert "require-team" in row and "default/Pod/bad" in row and "fail" in row and "label team" in row


def test_bad_resource_document_is_reported_and_rest_checked(tmp_path: Path, capsys: Capsys) -> None:
    code, out, err = _run(tmp_path, capsys, GOOD + "---\nkind: Pod\nmetadata: [unclosed\n---\n" + BAD)
    assert code == 1
    assert "res.yaml:" in err and "invalid YAML" in err
    assert out.splitlines()[-1] == "pass: 1, fail: 1, warn: 0, error: 0, skip: 0"


def test_bad_policy_is_an_error_and_others_still_run(tmp_path: Path, capsys: Capsys) -> None:
    (tmp_path / "other.yaml").write_text(POLICY.format(action="Enforce").replace("rules:", "rulez:"))
    (tmp_path / "policy.yaml").write_text(POLICY.format(action="Enforce"))
    (tmp_path / "res.yaml").write_text(GOOD)
    policies = [str(tmp_path / "policy.yaml"), str(tmp_path / "other.yaml")]
    code = main(["apply", *policies, "-r", str(tmp_path / "res.yaml")])
    out, err = capsys.readouterr()
    assert code == 1
    assert "other.yaml:1:" in err and "unknown field 'rulez'" in err
    assert out.splitlines()[-1] == "pass: 1, fail: 0, warn: 0, error: 1, skip: 0"


def test_resources_from_stdin(tmp_path: Path, capsys: Capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "policy.yaml").write_text(POLICY.format(action="Enforce"))
    monkeypatch.setattr(sys, "stdin", io.StringIO(BAD))
    code = main(["apply", str(tmp_path / "policy.yaml"), "--resource", "-"])
    out, _ = capsys.readouterr()
    assert code == 1
    assert "resource default/Pod/bad failed" in out


def test_parallel_output_is_deterministic(tmp_path: Path, capsys: Capsys) -> None:
    (tmp_path / "policy.yaml").write_text(POLICY.format(action="Enforce"))
    folder = tmp_path / "res"
    folder.mkdir()
    for i in range(12):
        (folder / f"r{i:02d}.yaml").write_text((GOOD if i % 2 else BAD).replace("name: ", f"name: n{i}-", 1))
    outs = []
    for jobs in ("1", "2"):
        main(["apply", str(tmp_path / "policy.yaml"), "-r", str(folder), "--format", "json", "--jobs", jobs])
        outs.append(capsys.readouterr()[0])
    assert outs[0] == outs[1]
    names = [r["resource"]["name"] for r in json.loads(outs[0])["results"]]
    assert names == [f"n{i}-{'good' if i % 2 else 'bad'}" for i in range(12)]


def test_missing_resource_flag_is_usage_error(tmp_path: Path, capsys: Capsys) -> None:
    (tmp_path / "policy.yaml").write_text(POLICY.format(action="Enforce"))
    assert main(["apply", str(tmp_path / "policy.yaml")]) == 2
    assert "at least one --resource is required" in capsys.readouterr()[1]


CLUSTER = """\
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: allowed-registries}
spec:
  rules:
  - name: check-registry
    match: {any: [{resources: {kinds: [Pod]}}]}
    context:
    - name: allowed
      configMap: {name: registries, namespace: kyverno}
    validate:
      message: "registry not allowed"
      deny:
        conditions:
          all:
          - key: "{{ images.containers.*.registry }}"
            operator: AnyNotIn
            value: "{{ allowed.data.registries }}"
"""
EXCEPTION = """\
apiVersion: kyverno.io/v2
kind: PolicyException
metadata: {name: legacy, namespace: kyverno}
spec:
  exceptions:
  - policyName: allowed-registries
    ruleNames: [check-registry]
  match:
    any:
    - resources: {kinds: [Pod], names: [legacy-*]}
"""
VALUES = """\
apiVersion: cli.kyverno.io/v1alpha1
kind: Values
policies:
- name: allowed-registries
  rules:
  - name: check-registry
    values:
      allowed.data.registries: '["ghcr.io"]'
"""


def _pods() -> str:
    return "---\n".join(
        f"apiVersion: v1\nkind: Pod\nmetadata: {{name: {n}}}\nspec: {{containers: [{{name: c, image: {i}}}]}}\n"
        for n, i in (("ok", "ghcr.io/acme/app:1"), ("bad", "docker.io/nginx:1"), ("legacy-1", "docker.io/x:1"))
    )


def test_values_file_and_exceptions(tmp_path: Path, capsys: Capsys) -> None:
    for name, text in (("p.yaml", CLUSTER), ("e.yaml", EXCEPTION), ("v.yaml", VALUES), ("r.yaml", _pods())):
        (tmp_path / name).write_text(text)
    base = ["apply", str(tmp_path / "p.yaml"), "-r", str(tmp_path / "r.yaml"), "--format", "json"]
    # without values the configMap context is an unknown key: error for every pod
    assert main(base) == 1
    assert [r["status"] for r in json.loads(capsys.readouterr()[0])["results"]] == ["error"] * 3
    assert main([*base, "-f", str(tmp_path / "v.yaml"), "-e", str(tmp_path / "e.yaml")]) == 1
    results = json.loads(capsys.readouterr()[0])["results"]
    assert [(r["resource"]["name"], r["status"], r["message"]) for r in results] == [
        ("ok", "pass", "validation rule 'check-registry' passed."),
        ("bad", "fail", "registry not allowed"),
        ("legacy-1", "skip", "rule skipped due to policy exception kyverno/legacy"),
    ]
