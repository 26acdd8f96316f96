"""platform.yaml validation: every error names the file, the key path and the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from policy_platform.config import load_config
from policy_platform.errors import ConfigError

BASE = """\
apiVersion: policy-platform/v1
kind: Platform
metadata:
  name: acme
  version: 1.0.0
environments:
  - name: dev
    branches: [development]
  - name: prd
    branches: [production]
sources:
  - name: sec
    type: local
    path: sec
"""


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "platform.yaml"
    p.write_text(text)
    return p


def test_example_platform_loads() -> None:
    cfg = load_config(Path(__file__).resolve().parents[2] / "examples/platform/platform.yaml")
    assert cfg.name == "acme-policy-platform"
    assert [e.name for e in cfg.environments] == ["dev", "qac", "stg", "prd"]
    assert cfg.environment_for_branch("production").name == "prd"  # type: ignore[union-attr]
    assert [s.name for s in cfg.policy_sources] == ["devops-policy", "security-policy", "kyverno-curated"]
    assert cfg.app is not None and cfg.app.values == ("cd/values.{env}.yaml",)
    assert cfg.precedence == ("devops-policy", "security-policy")


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (BASE + "  - name: x\n    type: local\n    path: x\n    colour: red\n", 18, "sources[1].colour: unknown key"),
        (BASE.replace("version: 1.0.0", "version: [1]"), 5, "metadata.version: expected a string, got list"),
        (BASE.replace("type: local", "type: ftp"), 13, "sources[0].type: 'ftp' is not one of"),
        (BASE + "kubernetes:\n  version: latest\n", 16, "kubernetes.version: 'latest' is not valid"),
        (
            BASE.replace("  - name: prd\n    branches: [production]\n", "  - name: prd\n    branches: [development]\n"),
            10,
            "environments[1].branches[0]: branch 'development' already maps to 'dev'",
        ),
        (BASE + "precedence: [sec, nope]\n", 15, "precedence[1]: unknown source 'nope'"),
        (BASE + "  - name: g\n    type: git\n", 15, "sources[1]: a 'git' source needs 'url'"),
        (BASE.replace("kind: Platform", "kind: Platfrom"), 2, "kind: 'Platfrom' is not one of: Platform"),
        (BASE.replace("metadata:\n  name: acme\n", "metadata:\n"), 3, "metadata: missing required key 'name'"),
        (BASE + "app:\n  values: [x]\n", 15, "app: missing required key 'chart'"),
        (BASE + "app:\n  chart: c\n  source: nope\n", 17, "app.source: unknown source 'nope'"),
    ],
    ids=[
        "unknown-key",
        "wrong-type",
        "bad-enum",
        "bad-version",
        "dup-branch",
        "bad-precedence",
        "git-needs-url",
        "bad-kind",
        "missing-name",
        "app-missing-chart",
        "app-unknown-source",
    ],
)
def test_invalid_config_names_file_key_and_line(tmp_path: Path, text: str, line: int, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as exc:
        load_config(path)
    assert exc.value.file == str(path)
    assert exc.value.line == line
    assert message in str(exc.value)
    assert str(exc.value).startswith(f"{path}:{line}: ")


def test_invalid_yaml_names_line(tmp_path: Path) -> None:
    path = write(tmp_path, BASE + "sources: [\n")
    with pytest.raises(Exception) as exc:
        load_config(path)
    assert str(path) in str(exc.value)
    assert ":16:" in str(exc.value) or ":17:" in str(exc.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="configuration file not found"):
        load_config(tmp_path / "nope.yaml")


def test_unknown_environment_lists_known(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, BASE))
    with pytest.raises(ConfigError, match=r"unknown environment 'stg' \(configured: dev, prd\)"):
        cfg.environment("stg")


def test_per_environment_kubernetes_version(tmp_path: Path) -> None:
    text = BASE.replace("  - name: dev\n", "  - name: dev\n    kubernetesVersion: v1.27.0\n")
    cfg = load_config(write(tmp_path, text + "kubernetes:\n  version: v1.30.1\n"))
    assert cfg.kubernetes_version_for("dev") == "v1.27.0"
    assert cfg.kubernetes_version_for("prd") == "v1.30.1"
