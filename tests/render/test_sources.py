"""Rendering policy sources per environment with real Helm (helm-python-sdk), provenance and failure modes."""

from __future__ import annotations

from pathlib import Path

import pytest

from policy_platform import api
from policy_platform.config.model import SourceSpec
from policy_platform.errors import ConfigError, InputFileError, RenderError
from policy_platform.render.sources import render_source


def actions(result: api.RenderResult, source: str) -> dict[str, tuple[str, list[str]]]:
    src = next(s for s in result.sources if s.name == source)
    return {
        p.name: (
            p.document.data["spec"]["validationFailureAction"],
            [r["name"] for r in p.document.data["spec"]["rules"]],
        )
        for p in src.documents
    }


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            "dev",
            {
                "require-resource-limits": ("Audit", ["check-cpu-memory"]),
                "disallow-latest-tag": ("Audit", ["require-image-tag"]),
                "require-probes": ("Audit", ["validate-probes"]),
                "disallow-privileged": ("Enforce", ["privileged-containers"]),
            },
        ),
        (
            "prd",
            {
                "require-resource-limits": ("Enforce", ["check-cpu-memory"]),
                "disallow-latest-tag": ("Enforce", ["require-image-tag", "validate-image-tag"]),
                "require-probes": ("Enforce", ["validate-probes"]),
                "disallow-privileged": ("Enforce", ["privileged-containers"]),
            },
        ),
    ],
)
def test_security_policy_per_environment(example: Path, env: str, expected: dict[str, tuple[str, list[str]]]) -> None:
    result = api.render(config=example, env=env)
    assert actions(result, "security-policy") == expected


def test_provenance_annotations(example: Path) -> None:
    result = api.render(config=example, env="prd")
    pol = next(p for p in result.policies if p.name == "require-standard-labels")
    ann = pol.document.data["metadata"]["annotations"]
    assert ann["policy-platform.io/source"] == "devops-policy"
    assert ann["policy-platform.io/source-version"] == "0.3.2"
    assert ann["policy-platform.io/template"] == "charts/devops-policy/templates/require-standard-labels.yaml"
    assert ann["policy-platform.io/environment"] == "prd"
    assert pol.origin.version == "0.3.2"


def test_plain_folder_used_as_is(example: Path) -> None:
    result = api.render(config=example, env="dev")
    curated = next(s for s in result.sources if s.name == "kyverno-curated")
    assert curated.chart == "" and curated.version == ""
    assert sorted(p.name for p in curated.documents) == [
        "disallow-default-namespace",
        "disallow-host-path",
        "restrict-service-types",
    ]
    assert curated.documents[0].origin.template == "disallow-default-namespace.yaml"


def test_missing_environment_layer_is_a_notice(example: Path) -> None:
    result = api.render(config=example, env="qac")
    assert any("devops-policy/cd/qac/values.yaml: no values for environment 'qac'" in n for n in result.notices)
    assert actions(result, "devops-policy")["require-standard-labels"][0] == "Audit"


def test_set_override_wins(example: Path) -> None:
    result = api.render(config=example, env="dev", set_values=["policies.probes.enabled=false"])
    assert "require-probes" not in actions(result, "security-policy")


def test_layering_order_chart_then_common_then_env(example: Path) -> None:
    (example / "security-policy/cd/values.yaml").write_text(
        "policies:\n  probes:\n    validationFailureAction: Enforce\n"
    )
    (example / "security-policy/cd/dev/values.yaml").write_text("imageTag:\n  allowLatest: true\n")
    result = api.render(config=example, env="dev")
    acts = actions(result, "security-policy")
    assert acts["require-probes"][0] == "Enforce"  # common layer beats chart default
    assert acts["require-resource-limits"][0] == "Audit"  # chart default kept


def test_template_error_names_template_and_line(example: Path) -> None:
    tpl = example / "security-policy/charts/security-policy/templates/require-probes.yaml"
    tpl.write_text(tpl.read_text().replace("{{- end }}", "{{ .Values.nope.deeper }}\n{{- end }}"))
    with pytest.raises(RenderError) as exc:
        api.render(config=example, env="dev")
    assert exc.value.file == str(tpl.resolve())
    assert exc.value.line == 34
    assert "nil pointer" in str(exc.value)


def test_missing_required_value(example: Path) -> None:
    tpl = example / "devops-policy/charts/devops-policy/templates/require-annotations.yaml"
    tpl.write_text(
        tpl.read_text().replace(
            "name: require-annotations", 'name: {{ required "policyName is required" .Values.policyName }}'
        )
    )
    with pytest.raises(RenderError) as exc:
        api.render(config=example, env="prd")
    assert exc.value.file == str(tpl.resolve())
    assert exc.value.line == 5
    assert "policyName is required" in str(exc.value)


def test_invalid_yaml_in_policy_repo(example: Path) -> None:
    bad = example / "kyverno-curated/broken.yaml"
    bad.write_text("apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: [unclosed\n")
    with pytest.raises(InputFileError) as exc:
        api.render(config=example, env="dev")
    assert exc.value.file == "kyverno-curated/broken.yaml"
    assert exc.value.line == 5


def test_invalid_yaml_in_values_file(example: Path) -> None:
    (example / "security-policy/cd/prd/values.yaml").write_text("policies:\n  probes: [\n")
    with pytest.raises(InputFileError) as exc:
        api.render(config=example, env="prd")
    assert exc.value.file == "security-policy/cd/prd/values.yaml"
    assert exc.value.line == 3


def test_template_rendering_broken_yaml(example: Path) -> None:
    tpl = example / "security-policy/charts/security-policy/templates/broken.yaml"
    tpl.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata: {a: [\n")
    with pytest.raises(InputFileError) as exc:
        api.render(config=example, env="dev")
    assert exc.value.file == "security-policy/charts/security-policy/templates/broken.yaml"


def test_conflict_without_precedence_is_an_error(example: Path) -> None:
    dup = example / "kyverno-curated/require-probes.yaml"
    dup.write_text(
        (example / "kyverno-curated/disallow-host-path.yaml")
        .read_text()
        .replace("name: disallow-host-path", "name: require-probes")
    )
    with pytest.raises(ConfigError) as exc:
        api.render(config=example, env="dev")
    msg = str(exc.value)
    assert (
        "ClusterPolicy/require-probes is defined by "
        "security-policy:charts/security-policy/templates/require-probes.yaml" in msg
    )
    assert "and by kyverno-curated:require-probes.yaml" in msg


def test_precedence_later_source_wins(example: Path) -> None:
    tpl = example / "devops-policy/charts/devops-policy/templates/require-annotations.yaml"
    tpl.write_text(tpl.read_text().replace("name: require-annotations", "name: require-probes"))
    result = api.render(config=example, env="dev")
    winner = [p for p in result.policies if p.name == "require-probes"]
    assert [p.origin.source for p in winner] == ["security-policy"]
    assert any("ClusterPolicy/require-probes: security-policy overrides devops-policy" in n for n in result.notices)


def test_prefix_renames(example: Path) -> None:
    cfg_file = example / "platform.yaml"
    cfg_file.write_text(
        cfg_file.read_text().replace("    path: kyverno-curated\n", "    path: kyverno-curated\n    prefix: curated-\n")
    )
    result = api.render(config=cfg_file, env="dev")
    names = {p.name for p in result.policies if p.origin.source == "kyverno-curated"}
    assert names == {
        "curated-disallow-default-namespace",
        "curated-disallow-host-path",
        "curated-restrict-service-types",
    }


def test_chart_not_found(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "charts/a").mkdir(parents=True)
    (root / "charts/b").mkdir(parents=True)
    (root / "charts/a/Chart.yaml").write_text("apiVersion: v2\nname: a\nversion: 1.0.0\n")
    (root / "charts/b/Chart.yaml").write_text("apiVersion: v2\nname: b\nversion: 1.0.0\n")
    with pytest.raises(ConfigError, match=r"several charts under charts/ \(a, b\)"):
        render_source(SourceSpec(name="repo", type="local", path="repo"), root, "dev")


def test_no_renderer_says_how_to_install(example: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from policy_platform.render import helm

    monkeypatch.setattr(helm, "_sdk", lambda: None)
    monkeypatch.setenv("PATH", "")
    with pytest.raises(RenderError) as exc:
        api.render(config=example, env="dev")
    assert "no Helm renderer available: install the SDK with `pip install helm-python-sdk==0.2.2`" in str(exc.value)
    assert exc.value.file is not None and exc.value.file.endswith("charts/devops-policy")
    assert helm.renderer_name() == "none"
