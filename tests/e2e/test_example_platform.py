"""End to end: the CLI on the example platform, per environment, with the exact findings and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.conftest import EXAMPLE

Cli = Callable[..., tuple[int, str, str]]
DEPLOY = "backend/Deployment/backend-app"
SERVICE = "backend/Service/backend-app"
INGRESS = "backend/Ingress/backend-app"

# (engine, policy, rule, resource, status) of every non-passing finding, and the exit code.
EXPECTED: dict[str, tuple[set[tuple[str, str, str, str, str]], int]] = {
    "dev": ({("kyverno", "require-resource-limits", "check-cpu-memory", DEPLOY, "warn")}, 0),
    "qac": ({("kyverno", "require-resource-limits", "check-cpu-memory", DEPLOY, "warn")}, 0),
    "stg": (set(), 0),
    "prd": (
        {
            ("kyverno", "require-resource-limits", "check-cpu-memory", DEPLOY, "fail"),
            ("kyverno", "disallow-latest-tag", "autogen-validate-image-tag", DEPLOY, "fail"),
            ("spectral", "backend-applications/.spectral.yaml", "replica-count", "values", "warn"),
        },
        1,
    ),
}

# Rules that must pass on the app in every environment (policy, rule, resource).
ALWAYS_PASS = {
    ("require-standard-labels", "check-labels", DEPLOY),
    ("require-standard-labels", "check-labels", SERVICE),
    ("require-annotations", "check-owner", DEPLOY),
    ("naming-conventions", "check-name-prefix", INGRESS),
    ("disallow-privileged", "autogen-privileged-containers", DEPLOY),
    ("disallow-host-path", "autogen-host-path", DEPLOY),
    ("restrict-service-types", "validate-service-type", SERVICE),
    ("disallow-default-namespace", "validate-podcontroller-namespace", DEPLOY),
    ("require-probes", "validate-probes", DEPLOY),
    ("disallow-latest-tag", "autogen-require-image-tag", DEPLOY),
}


def key(f: dict[str, Any]) -> tuple[str, str, str, str, str]:
    res = f["resource"]
    shown = (
        "values" if res["kind"] == "Values" else "/".join(p for p in (res["namespace"], res["kind"], res["name"]) if p)
    )
    return (f["engine"], f["policy"], f["rule"], shown, f["status"])


@pytest.mark.parametrize("env", sorted(EXPECTED))
def test_check_per_environment(cli: Cli, env: str) -> None:
    code, out, err = cli("check", "--config", str(EXAMPLE), "--env", env, "--format", "json")
    report = json.loads(out)
    expected, expected_code = EXPECTED[env]
    not_passing = {key(f) for f in report["findings"] if f["status"] != "pass"}
    assert not_passing == expected
    assert (code, report["exitCode"]) == (expected_code, expected_code), err
    passing = {(f["policy"], f["rule"], key(f)[3]) for f in report["findings"] if f["status"] == "pass"}
    assert passing >= ALWAYS_PASS
    assert report["environment"] == {"name": env, "detectedFrom": "--env", "branch": ""}
    assert report["summary"]["blocking"] == sum(1 for k in expected if k[4] in ("fail", "error"))


def test_prd_findings_name_file_line_and_origin(cli: Cli, tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    code, out, _ = cli(
        "check", "--config", str(EXAMPLE), "--env", "prd", "--format", "json", "--output-dir", str(out_dir)
    )
    assert code == 1
    findings = {(f["policy"], f["rule"]): f for f in json.loads(out)["findings"]}
    limits = findings[("require-resource-limits", "check-cpu-memory")]
    assert limits["origin"] == {
        "source": "security-policy",
        "version": "2.1.2",
        "template": "charts/security-policy/templates/require-resource-limits.yaml",
    }
    assert limits["properties"]["action"] == "Enforce"
    assert (
        limits["properties"]["resourceTemplate"] == "backend-applications/charts/backend-app/templates/deployment.yaml"
    )
    assert limits["location"]["file"] == f"{out_dir}/backend-app.yaml"
    manifest = (out_dir / "backend-app.yaml").read_text().splitlines()
    # limits are missing: the reported line is the closest existing node, the container's resources
    assert manifest[limits["location"]["line"] - 1].strip() == "resources:"
    assert limits["location"]["path"][:6] == ["spec", "template", "spec", "containers", 0, "resources"]
    tag = findings[("disallow-latest-tag", "autogen-validate-image-tag")]
    assert manifest[tag["location"]["line"] - 1].strip() == 'image: "registry.acme.example/backend/api:latest"'
    lint = findings[("backend-applications/.spectral.yaml", "replica-count")]
    assert lint["message"] == '"replicas" property must be <= 10'
    assert (lint["location"]["file"], lint["location"]["line"]) == ("backend-applications/cd/values.prd.yaml", 3)


def test_lint_points_at_base_values_file(cli: Cli, example: Path) -> None:
    (example / "backend-applications/charts/backend-app/values.yaml").write_text(
        (example / "backend-applications/charts/backend-app/values.yaml")
        .read_text()
        .replace("namespace: backend", 'namespace: ""')
    )
    code, out, _ = cli("check", "--config", str(example), "--env", "dev", "--format", "json")
    report = json.loads(out)
    lint = [f for f in report["findings"] if f["engine"] == "spectral"]
    assert [(f["rule"], f["status"], f["message"]) for f in lint] == [
        ("required-fields", "fail", '"namespace" property must be truthy')
    ]
    assert (lint[0]["location"]["file"], lint[0]["location"]["line"]) == (
        "backend-applications/charts/backend-app/values.yaml",
        3,
    )
    assert code == 1
    assert report["stages"]["validate"] == "skipped: values lint failed"


def test_output_dir_artifacts(cli: Cli, tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    code, _, _ = cli("check", "--config", str(EXAMPLE), "--env", "dev", "--output-dir", str(out_dir))
    assert code == 0
    names = sorted(p.name for p in out_dir.iterdir())
    for expected in (
        "backend-app.yaml",
        "check.json",
        "check.junit.xml",
        "check.md",
        "check.sarif",
        "check.txt",
        "devops-policy.yaml",
        "environment.sh",
        "index.json",
        "kyverno-curated.yaml",
        "policy-report.yaml",
        "policy-report-security-policy.yaml",
        "security-policy.yaml",
        "values.merged.yaml",
    ):
        assert expected in names
    assert (out_dir / "environment.sh").read_text() == "export ENVIRONMENT=dev\n"
    merged = yaml.safe_load((out_dir / "values.merged.yaml").read_text())
    assert (merged["replicas"], merged["image"]["tag"], merged["namespace"]) == (1, "latest", "backend")
    sec = list(yaml.safe_load_all((out_dir / "security-policy.yaml").read_text()))
    assert {d["metadata"]["name"]: d["spec"]["validationFailureAction"] for d in sec} == {
        "disallow-latest-tag": "Audit",
        "disallow-privileged": "Enforce",
        "require-probes": "Audit",
        "require-resource-limits": "Audit",
    }
    reports = list(yaml.safe_load_all((out_dir / "policy-report.yaml").read_text()))
    warn = [r for rep in reports for r in rep["results"] if r["result"] == "warn"]
    assert [(r["policy"], r["rule"]) for r in warn] == [("require-resource-limits", "check-cpu-memory")]


@pytest.mark.parametrize(
    ("environ", "code", "needle"),
    [
        ({"BITBUCKET_BRANCH": "production"}, 1, "environment 'prd' (branch 'production' from $BITBUCKET_BRANCH)"),
        (
            {"GITHUB_BASE_REF": "development", "GITHUB_REF_NAME": "feature/x"},
            0,
            "environment 'dev' (branch 'development' from $GITHUB_BASE_REF)",
        ),
        (
            {"CI_COMMIT_BRANCH": "feature/login"},
            0,
            "skipped: branch 'feature/login' (from $CI_COMMIT_BRANCH) maps to no",
        ),
    ],
)
def test_check_detects_environment_from_ci(environ: dict[str, str], code: int, needle: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BITBUCKET_", "GITHUB_", "CI_"))}
    env.update(environ)
    proc = subprocess.run(
        [sys.executable, "-m", "policy_platform", "check", "--config", str(EXAMPLE)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert proc.returncode == code, proc.stderr
    assert needle in proc.stdout


def test_unknown_branch_fail_mode(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in (
        "BITBUCKET_PR_DESTINATION_BRANCH",
        "BITBUCKET_BRANCH",
        "GITHUB_BASE_REF",
        "GITHUB_REF_NAME",
        "CI_MERGE_REQUEST_TARGET_BRANCH_NAME",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("CI_COMMIT_BRANCH", "feature/login")
    code, _out, err = cli("check", "--config", str(EXAMPLE), "--unknown-branch", "fail")
    assert code == 2
    assert "branch 'feature/login' (from $CI_COMMIT_BRANCH) maps to no environment" in err


def test_no_environment_at_all(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in (
        "BITBUCKET_PR_DESTINATION_BRANCH",
        "BITBUCKET_BRANCH",
        "GITHUB_BASE_REF",
        "GITHUB_REF_NAME",
        "CI_MERGE_REQUEST_TARGET_BRANCH_NAME",
        "CI_COMMIT_BRANCH",
    ):
        monkeypatch.delenv(var, raising=False)
    code, _, err = cli("check", "--config", str(EXAMPLE))
    assert code == 2
    assert "no --env given and none of BITBUCKET_PR_DESTINATION_BRANCH" in err


def test_render_command(cli: Cli, tmp_path: Path) -> None:
    code, out, _ = cli("render", "--config", str(EXAMPLE), "--env", "prd", "-o", str(tmp_path))
    assert code == 0
    assert "security-policy 2.1.2: 4 document(s)" in out
    index = json.loads((tmp_path / "index.json").read_text())
    sec = next(s for s in index["sources"] if s["name"] == "security-policy")
    assert sec["valuesLayers"] == ["security-policy/cd/values.yaml", "security-policy/cd/prd/values.yaml"]
    assert {p["name"] for p in sec["policies"]} == {
        "require-resource-limits",
        "disallow-latest-tag",
        "require-probes",
        "disallow-privileged",
    }


def test_env_command(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BITBUCKET_PR_DESTINATION_BRANCH", "staging")
    code, out, _ = cli("env", "--config", str(EXAMPLE))
    assert code == 0
    assert out.splitlines()[0] == "environment 'stg' (branch 'staging' from $BITBUCKET_PR_DESTINATION_BRANCH)"
    code, out, _ = cli("env", "--config", str(EXAMPLE), "--shell")
    assert out == "export ENVIRONMENT=stg\n"


def test_list_items_are_their_own_resources() -> None:
    from policy_platform._internal.yamlio import load_stream
    from policy_platform.engines.deprecations import DeprecationsEngine, load_versions
    from policy_platform.engines.runner import to_findings

    text = (
        "apiVersion: v1\nkind: List\nitems:\n"
        "  - apiVersion: apps/v1\n    kind: Deployment\n    metadata: {name: ok, namespace: a}\n"
        "  - apiVersion: extensions/v1beta1\n    kind: Ingress\n    metadata: {name: old, namespace: b}\n"
    )
    doc = load_stream(text, "list.yaml")[0]
    engine = DeprecationsEngine(load_versions(), targets={"k8s": "v1.29.0"})
    findings = to_findings("deprecations", engine.evaluate(doc), doc, audit_warn=False)
    assert [
        (f.rule, f.status.value, f.resource.display() if f.resource else "", f.location.line if f.location else 0)
        for f in findings
    ] == [("removed-api", "fail", "b/Ingress/old", 7)]


def _git(cwd: Path, *args: str) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, env=env)


@pytest.mark.parametrize(("ref", "warned"), [("v0.3.2", False), ("main", True)])
def test_check_with_a_git_source(cli: Cli, example: Path, tmp_path: Path, ref: str, warned: bool) -> None:
    repo = tmp_path / "devops-policy.git"
    import shutil

    shutil.copytree(example / "devops-policy", repo)
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "devops-policy 0.3.2")
    _git(repo, "tag", "v0.3.2")
    shutil.rmtree(example / "devops-policy")
    cfg = example / "platform.yaml"
    cfg.write_text(
        cfg.read_text().replace(
            "  - name: devops-policy\n    type: local\n    path: devops-policy\n",
            f"  - name: devops-policy\n    type: git\n    url: {repo.as_uri()}\n    ref: {ref}\n",
        )
    )
    code, out, err = cli(
        "check", "--config", str(cfg), "--env", "prd", "--format", "json", "--cache-dir", str(tmp_path / "cache")
    )
    assert code == 1, err
    report = json.loads(out)
    src = next(s for s in report["sources"] if s["name"] == "devops-policy")
    assert (src["type"], src["version"], len(src["pin"])) == ("git", "0.3.2", 40)
    labels = [f for f in report["findings"] if f["policy"] == "require-standard-labels" and f["status"] == "pass"]
    assert labels and all(f["origin"]["source"] == "devops-policy" for f in labels)
    assert any("main" in n and "devops-policy" in n for n in report["notices"]) is warned


def test_duplicate_values_key_is_a_lint_parser_error(cli: Cli, example: Path) -> None:
    (example / "backend-applications/cd/values.dev.yaml").write_text("environment: dev\nreplicas: 1\nreplicas: 2\n")
    code, out, _ = cli("check", "--config", str(example), "--env", "dev", "--format", "json")
    report = json.loads(out)
    lint = [f for f in report["findings"] if f["engine"] == "spectral"]
    assert [(f["rule"], f["status"], f["message"], f["location"]["file"], f["location"]["line"]) for f in lint] == [
        ("parser", "fail", "Duplicate key: replicas", "backend-applications/cd/values.dev.yaml", 3)
    ]
    assert code == 1


def test_invalid_policy_is_an_error_and_the_others_still_run(cli: Cli, example: Path) -> None:
    bad = example / "kyverno-curated/restrict-service-types.yaml"
    bad.write_text(bad.read_text().replace("validationFailureAction: Audit", "validationFailureAction: Block"))
    code, out, _ = cli("check", "--config", str(example), "--env", "dev", "--format", "json")
    report = json.loads(out)
    errors = [f for f in report["findings"] if f["status"] == "error"]
    assert len(errors) == 1
    err = errors[0]
    assert (err["policy"], err["rule"], err["location"]["file"]) == (
        "restrict-service-types",
        "(policy load)",
        "kyverno-curated/restrict-service-types.yaml",
    )
    assert "Block" in err["message"]
    assert err["origin"]["source"] == "kyverno-curated"
    assert ("kyverno", "require-resource-limits", "check-cpu-memory", DEPLOY, "warn") in {
        key(f) for f in report["findings"] if f["resource"]
    }
    assert code == 1
