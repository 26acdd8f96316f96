"""``policy-platform deprecations``: exit codes, inputs, targets, filters and bad input, end to end in-process."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

Cli = Callable[..., tuple[int, str, str]]

FIXTURES = Path(__file__).resolve().parent.parent / "engines" / "deprecations" / "fixtures"

INGRESS = "apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata: {name: web}\n"
FLOW_V1BETA3 = "apiVersion: flowcontrol.apiserver.k8s.io/v1beta3\nkind: FlowSchema\nmetadata: {name: fs}\n"
PSP = "apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata: {name: psp}\n"
HPA_V2BETA1 = "apiVersion: autoscaling/v2beta1\nkind: HorizontalPodAutoscaler\nmetadata: {name: hpa}\n"
CURRENT = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ok}\n"
NOTHING = "There were no resources found with known deprecated apiVersions.\n"
NO_OUTPUT = "No output to display\n"

EXIT_CODES = [
    # (id, manifest, flags, exit code, stdout when fixed)
    ("nothing matched", CURRENT, ["-t", "k8s=v1.29.0"], 0, NOTHING),
    ("matched but not yet deprecated", FLOW_V1BETA3, ["-t", "k8s=v1.25.0"], 0, NO_OUTPUT),
    ("deprecated", FLOW_V1BETA3, ["-t", "k8s=v1.29.0"], 2, None),
    ("deprecated ignored", FLOW_V1BETA3, ["-t", "k8s=v1.29.0", "--ignore-deprecations"], 0, None),
    ("removed", INGRESS, ["-t", "k8s=v1.29.0"], 3, None),
    ("removed, removals ignored, still deprecated", INGRESS, ["-t", "k8s=v1.29.0", "--ignore-removals"], 2, None),
    (
        "removed, both ignored",
        INGRESS,
        ["-t", "k8s=v1.29.0", "--ignore-removals", "--ignore-deprecations"],
        0,
        None,
    ),
    ("removed without replacement", PSP, ["-t", "k8s=v1.25.0"], 4, None),
    (
        "removed without replacement, unavailable ignored",
        PSP,
        ["-t", "k8s=v1.25.0", "--ignore-unavailable-replacements"],
        3,
        None,
    ),
    ("deprecated, replacement not yet available", HPA_V2BETA1, ["-t", "k8s=v1.22.0"], 4, None),
    (
        "deprecated, replacement not yet available, ignored",
        HPA_V2BETA1,
        ["-t", "k8s=v1.22.0", "--ignore-unavailable-replacements"],
        0,
        None,
    ),
    ("deprecated and removed: 3 beats 2", FLOW_V1BETA3 + "---\n" + INGRESS, ["-t", "k8s=v1.29.0"], 3, None),
    ("only removed shown", FLOW_V1BETA3, ["-t", "k8s=v1.29.0", "--only-show-removed"], 0, NO_OUTPUT),
    ("other component selected", INGRESS, ["-t", "k8s=v1.29.0", "--components", "istio"], 0, NO_OUTPUT),
    ("default k8s target v1.25.0", INGRESS, [], 3, None),
    ("default target: v1beta3 not deprecated yet", FLOW_V1BETA3, [], 0, NO_OUTPUT),
]


@pytest.mark.parametrize(("manifest", "flags", "code", "stdout"), [c[1:] for c in EXIT_CODES],
                         ids=[c[0] for c in EXIT_CODES])
def test_exit_codes(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, manifest: str, flags: list[str], code: int,
    stdout: str | None,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.yaml").write_text(manifest, encoding="utf-8")
    got, out, err = cli("deprecations", "m.yaml", *flags)
    assert (got, err) == (code, "")
    if stdout is not None:
        assert out == stdout


def test_stdin_and_json_output(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("---\n" + INGRESS))
    code, out, err = cli("deprecations", "-", "-t", "k8s=v1.22.0", "-o", "custom", "--columns", "NAME,FILEPATH,REMOVED")
    assert (code, err) == (3, "")
    assert out.splitlines()[1].split() == ["web", "<stdin>:2", "true"]


def test_unparseable_input_is_reported_and_the_run_goes_on(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    code, out, err = cli("deprecations", "broken", "-t", "k8s=v1.29.0", "-o", "custom", "--columns", "KIND,FILEPATH")
    assert code == 3  # the CronJob before the bad document is still found
    assert out.splitlines()[1].split() == ["CronJob", "broken/bad.yaml:1"]
    assert err.startswith("policy-platform: error: broken/bad.yaml:6: invalid YAML: while parsing a flow sequence")
    assert err.count("\n") == 1


def test_only_unparseable_input_exits_1(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.json").write_text('{"apiVersion": "v1",\n  "kind": [\n', encoding="utf-8")
    code, out, err = cli("deprecations", ".")
    assert (code, out) == (1, NOTHING)
    assert err.startswith("policy-platform: error: bad.json:3: invalid YAML")


def test_lenient_files_in_folders_are_skipped_quietly(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.txt").write_text("key: [broken\n", encoding="utf-8")
    (tmp_path / "blob.bin").write_bytes(b"\xff\xfe\x00binary")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "x.yaml").write_text(INGRESS, encoding="utf-8")
    assert cli("deprecations", ".") == (0, NOTHING, "")
    # named explicitly, a file is strict whatever its extension
    code, _out, err = cli("deprecations", "notes.txt")
    assert code == 1 and err.startswith("policy-platform: error: notes.txt:2: invalid YAML")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-t", "k8s"], "policy-platform: error: --target-versions 'k8s': expected component=version"),
        (["-t", "k8s=latest"], "'latest' is not a valid version for 'k8s' (expected e.g. v1.29.0)"),
        (["-o", "custom"], "-o custom needs --columns"),
        (["-o", "custom", "--columns", "NAME,COLOUR"], "--columns: unknown column 'COLOUR'"),
        (["--components", "nginx"], "cannot find deprecations for zero components (asked for: nginx)"),
        (["--values", "missing-values.yaml"], "missing-values.yaml: file not found"),
        (["--set", "novalue"], "--set 'novalue': expected key=value"),
        (["--env", "prd"], "--env needs a platform.yaml"),
    ],
)
def test_bad_arguments_exit_2(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str],
                              message: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.yaml").write_text(INGRESS, encoding="utf-8")
    code, out, err = cli("deprecations", "m.yaml", *args)
    assert (code, out) == (2, "")
    assert message in err
    assert err.count("\n") == 1


def test_missing_path_exits_2(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli("deprecations", "nope.yaml") == (2, "", "policy-platform: error: nope.yaml: no such file or folder\n")


def test_bad_versions_file_exits_2_naming_file_and_line(cli: Cli, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.yaml").write_text(INGRESS, encoding="utf-8")
    (tmp_path / "extra.yaml").write_text(
        "deprecated-versions:\n  - version: a/v1\n    removed-in: soon\n    component: k8s\n", encoding="utf-8"
    )
    code, out, err = cli("deprecations", "m.yaml", "-f", "extra.yaml")
    assert (code, out) == (2, "")
    assert err == (
        "policy-platform: error: extra.yaml:3: 'removed-in' is not a valid version: 'soon' (expected e.g. v1.22.0)\n"
    )


def test_additional_versions_add_a_crd(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.yaml").write_text("apiVersion: example.com/v1beta1\nkind: Widget\nmetadata: {name: w}\n",
                                     encoding="utf-8")
    (tmp_path / "extra.yaml").write_text(
        "deprecated-versions:\n"
        "  - {version: example.com/v1beta1, kind: Widget, deprecated-in: v2.0.0, removed-in: v3.0.0,\n"
        "     replacement-api: example.com/v1, replacement-available-in: v2.0.0, component: widgets}\n"
        "target-versions: {widgets: v2.1.0}\n",
        encoding="utf-8",
    )
    code, out, err = cli("deprecations", "m.yaml", "-f", "extra.yaml", "-o", "custom", "--columns",
                         "kind,version,component,deprecated,removed,replacement")
    assert (code, err) == (2, "")
    want = ["Widget", "example.com/v1beta1", "widgets", "true", "false", "example.com/v1"]
    assert out.splitlines()[1].split() == want
    code, _out, _err = cli("deprecations", "m.yaml", "-f", "extra.yaml", "-t", "widgets=v3.0.0")
    assert code == 3


def test_target_from_platform_yaml_per_environment(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "platform.yaml").write_text(
        "apiVersion: policy-platform/v1\nkind: Platform\nmetadata: {name: t}\nkubernetes: {version: v1.21.0}\n"
        "environments:\n  - {name: dev, branches: [development]}\n"
        "  - {name: prd, branches: [production], kubernetesVersion: v1.26.0}\n",
        encoding="utf-8",
    )
    (tmp_path / "m.yaml").write_text(HPA_V2BETA1.replace("v2beta1", "v2beta2"), encoding="utf-8")
    assert cli("deprecations", "m.yaml")[0] == 0  # v1.21: autoscaling/v2beta2 not yet deprecated
    assert cli("deprecations", "m.yaml", "--env", "dev")[0] == 0
    assert cli("deprecations", "m.yaml", "--env", "prd")[0] == 3  # v1.26: removed
    assert cli("deprecations", "m.yaml", "--env", "prd", "-t", "k8s=v1.23.0")[0] == 2  # the flag wins
    code, _out, err = cli("deprecations", "m.yaml", "--env", "qa")
    assert code == 2 and "unknown environment 'qa'" in err


def test_pluto_environment_variables(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.yaml").write_text(INGRESS, encoding="utf-8")
    monkeypatch.setenv("PLUTO_TARGET_VERSIONS", "k8s=v1.20.0")
    assert cli("deprecations", "m.yaml")[0] == 2
    monkeypatch.setenv("PLUTO_IGNORE_DEPRECATIONS", "true")
    assert cli("deprecations", "m.yaml")[0] == 0
    assert cli("deprecations", "m.yaml", "-t", "k8s=v1.22.0")[0] == 3


def test_chart_is_rendered_with_values(cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(FIXTURES)
    args = ("deprecations", "manifests/chart", "-t", "k8s=v1.25.0,cert-manager=v1.5.0", "-o", "custom", "--columns",
            "name,kind,filepath")
    code, out, err = cli(*args)
    assert (code, err) == (4, "")
    assert [line.split() for line in out.splitlines()[1:3]] == [
        ["legacy-tls", "Certificate", "manifests/chart/templates/cert.yaml:1"],
        ["legacy-psp", "PodSecurityPolicy", "manifests/chart/templates/psp.yaml:2"],
    ]
    values = tmp_path / "v.yaml"
    values.write_text("name: shop\n", encoding="utf-8")
    code, out, err = cli(*args, "--values", str(values), "--set", "psp=false")
    assert (code, err) == (2, "")  # only the deprecated Certificate is left
    assert [line.split() for line in out.splitlines()[1:] if line] == [
        ["shop-tls", "Certificate", "manifests/chart/templates/cert.yaml:1"]
    ]


def test_chart_render_error_is_reported_and_the_run_goes_on(cli: Cli, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    chart = tmp_path / "charts" / "bad"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: bad\nversion: 0.1.0\n", encoding="utf-8")
    (chart / "templates" / "x.yaml").write_text("kind: {{ required \"owner is required\" .Values.owner }}\n",
                                                encoding="utf-8")
    (tmp_path / "charts" / "m.yaml").write_text(INGRESS, encoding="utf-8")
    code, _out, err = cli("deprecations", "charts", "-t", "k8s=v1.22.0")
    assert code == 3
    assert err.startswith("policy-platform: error: charts/bad/templates/x.yaml:1: ")
    assert "owner is required" in err


def test_list_versions(cli: Cli) -> None:
    code, out, err = cli("deprecations", "--list-versions", "--components", "cert-manager", "-o", "yaml")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[:2] == ["deprecated-versions:", "    - version: certmanager.k8s.io/v1alpha1"]
    assert lines[2] == "      kind: Certificate"
    assert lines[-1] == "data-version: 2026.11.0"
    assert out.count("    - version: ") == 24
    code, out, _err = cli("deprecations", "--list-versions")
    assert code == 0
    assert out.splitlines()[0].split() == ["KIND", "NAME", "DEPRECATED", "IN", "REMOVED", "IN", "REPLACEMENT", "REPL",
                                           "AVAIL", "IN", "COMPONENT"]
    assert any(line.split()[:3] == ["PodSecurityPolicy", "policy/v1beta1", "v1.21.0"] for line in out.splitlines())
    code, _out, err = cli("deprecations", "--list-versions", "-o", "csv")
    assert code == 2 and "the output format must be one of (normal|wide|json|yaml)" in err


def test_a_template_named_directly_is_rendered(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    code, out, err = cli("deprecations", "manifests/chart/templates/psp.yaml", "-t", "k8s=v1.25.0", "-o", "custom",
                         "--columns", "name,kind,filepath")
    assert (code, err) == (4, "")
    assert [line.split() for line in out.splitlines()[1:] if line] == [
        ["legacy-psp", "PodSecurityPolicy", "manifests/chart/templates/psp.yaml:2"]
    ]


def test_symlink_loops_are_walked_once(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "m.yaml").write_text(INGRESS, encoding="utf-8")
    (tmp_path / "d" / "loop").symlink_to(tmp_path / "d", target_is_directory=True)
    code, out, err = cli("deprecations", "d", "-o", "custom", "--columns", "name,filepath")
    assert (code, err) == (3, "")
    assert [line.split() for line in out.splitlines()[1:] if line] == [["web", "d/m.yaml:1"]]
