"""Bad input to `check`: exit 2 with one line naming the file (and line where known), never a traceback."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

Cli = Callable[..., tuple[int, str, str]]


def break_policy_yaml(root: Path) -> tuple[str, int | None]:
    (root / "kyverno-curated/broken.yaml").write_text("apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: [\n")
    return "kyverno-curated/broken.yaml", 4


def break_template(root: Path) -> tuple[str, int | None]:
    tpl = root / "security-policy/charts/security-policy/templates/require-probes.yaml"
    tpl.write_text(tpl.read_text().replace("spec:\n", "spec:\n  {{ .Values.policies.nope.deeper }}\n", 1))
    return str(tpl.resolve()), 12


def break_required(root: Path) -> tuple[str, int | None]:
    tpl = root / "devops-policy/charts/devops-policy/templates/require-annotations.yaml"
    tpl.write_text(
        tpl.read_text().replace(
            "name: require-annotations", 'name: {{ required "policyName is required" .Values.policyName }}'
        )
    )
    return str(tpl.resolve()), 5


def break_source_type(root: Path) -> tuple[str, int | None]:
    cfg = root / "platform.yaml"
    cfg.write_text(
        cfg.read_text().replace(
            "    type: local\n    path: kyverno-curated", "    type: svn\n    path: kyverno-curated"
        )
    )
    return str(cfg), 26


def break_config_key(root: Path) -> tuple[str, int | None]:
    cfg = root / "platform.yaml"
    cfg.write_text(cfg.read_text().replace("kubernetes:\n", "kubernetes:\n  flavour: vanilla\n"))
    return str(cfg), 8


def break_app_manifest(root: Path) -> tuple[str, int | None]:
    tpl = root / "backend-applications/charts/backend-app/templates/service.yaml"
    tpl.write_text(tpl.read_text().replace("spec:\n", "spec:\n  ports: [\n", 1))
    return "backend-app.yaml", None


def break_values_file(root: Path) -> tuple[str, int | None]:
    (root / "backend-applications/cd/values.prd.yaml").write_text("replicas: 3\nimage: {tag: [\n")
    return "backend-applications/cd/values.prd.yaml", 3


CASES = {
    "policy-repo-invalid-yaml": break_policy_yaml,
    "template-error": break_template,
    "missing-required-value": break_required,
    "unknown-source-type": break_source_type,
    "config-unknown-key": break_config_key,
    "resource-does-not-parse": break_app_manifest,
    "values-file-does-not-parse": break_values_file,
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_exit_2_one_line(cli: Cli, example: Path, case: str) -> None:
    file, line = CASES[case](example)
    code, out, err = cli("check", "--config", str(example / "platform.yaml"), "--env", "prd")
    assert code == 2, (out, err)
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert lines[0].startswith("policy-platform: error: ")
    assert file in lines[0]
    if line is not None:
        assert f"{file}:{line}:" in lines[0]


def test_unknown_environment(cli: Cli, example: Path) -> None:
    code, out, err = cli("check", "--config", str(example), "--env", "uat")
    assert code == 2
    assert "unknown environment 'uat' (configured: dev, qac, stg, prd)" in err
    assert out == ""


def test_missing_config(cli: Cli, tmp_path: Path) -> None:
    code, _, err = cli("check", "--config", str(tmp_path / "nope.yaml"), "--env", "dev")
    assert code == 2
    assert f"{tmp_path / 'nope.yaml'}: configuration file not found" in err


def test_bad_set_expression(cli: Cli, example: Path) -> None:
    code, _, err = cli("check", "--config", str(example), "--env", "dev", "--set", "novalue")
    assert code == 2
    assert "--set 'novalue': expected key=value" in err
