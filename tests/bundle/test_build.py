"""Bundle build: layout, manifest.json, conflicts/precedence/prefix, byte-identical tarballs."""

from __future__ import annotations

import gzip
import io
import json
import shutil
import tarfile
import textwrap
from pathlib import Path

import pytest

from policy_platform.bundle.build import build_bundle, environments_for, write_bundle
from policy_platform.config import load_config
from policy_platform.errors import ConfigError

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "platform"

POLICY = """\
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: {name}
spec:
  validationFailureAction: {action}
  rules: []
"""


def make_platform(root: Path, sources: dict[str, dict[str, str]], extra: str = "") -> Path:
    """sources: name -> {file name: policy name}; every source is a plain local folder."""
    lines = ["apiVersion: policy-platform/v1", "kind: Platform", "metadata: {name: demo, version: 2.0.0}",
             "environments:", "  - {name: dev}", "  - {name: prd}", "sources:"]
    for name, files in sources.items():
        (root / name).mkdir(parents=True)
        for fname, pname in files.items():
            (root / name / fname).write_text(POLICY.format(name=pname, action="Audit"))
        lines.append(f"  - {{name: {name}, type: local, path: {name}}}")
    (root / "platform.yaml").write_text("\n".join(lines) + "\n" + textwrap.dedent(extra))
    return root / "platform.yaml"


def test_example_bundle_is_byte_identical_and_normalised(tmp_path: Path) -> None:
    config = load_config(EXAMPLE)
    envs = environments_for(config, [], True)
    a = write_bundle(build_bundle(config, environments=envs), tmp_path / "a.tar.gz").read_bytes()
    # a copy of the example in another place with fresh mtimes builds the same bytes
    copy = tmp_path / "copy"
    shutil.copytree(EXAMPLE, copy)
    b = write_bundle(build_bundle(load_config(copy), environments=envs), tmp_path / "b.tar.gz").read_bytes()
    assert a == b
    assert a[4:8] == b"\x00\x00\x00\x00"  # gzip header mtime 0
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(a))) as tar:
        members = tar.getmembers()
    names = [m.name for m in members]
    assert names == sorted(names)
    assert all(m.isfile() and m.mtime == 0 and m.uid == 0 and m.gid == 0 and m.uname == "" for m in members)
    assert {m.mode for m in members} <= {0o644, 0o755}
    assert "manifest.json" in names
    assert "repos/security-policy/charts/security-policy/Chart.yaml" in names
    assert "policies/prd/security-policy/clusterpolicy-disallow-latest-tag.yaml" in names


def test_example_manifest_records_sources_and_policies(tmp_path: Path) -> None:
    config = load_config(EXAMPLE)
    bundle = build_bundle(config, environments=["dev", "prd"])
    m = bundle.manifest
    assert (m["name"], m["version"], m["environments"]) == ("acme-policy-platform", "1.4.0", ["dev", "prd"])
    assert m["sources"]["security-policy"] == {"type": "local", "ref": "security-policy", "pin": "",
                                              "version": "2.1.2"}
    assert m["sources"]["devops-policy"]["version"] == "0.3.2"
    latest = next(p for p in m["policies"] if p["name"] == "disallow-latest-tag")
    assert latest["source"] == "security-policy"
    assert latest["template"] == "charts/security-policy/templates/disallow-latest-tag.yaml"
    assert latest["environments"]["dev"]["failureAction"] == "Audit"
    assert latest["environments"]["prd"]["failureAction"] == "Enforce"
    assert latest["environments"]["prd"]["enabled"] is True
    rendered = bundle.files[latest["environments"]["prd"]["path"]].decode()
    assert "policy-platform.io/environment: prd" in rendered
    assert "policy-platform.io/source: security-policy" in rendered
    index = m["files"]
    assert set(index) == set(bundle.files) - {"manifest.json"}
    assert json.loads(bundle.files["manifest.json"]) == m


def test_directory_output_matches_tarball(tmp_path: Path) -> None:
    config = load_config(EXAMPLE)
    bundle = build_bundle(config, environments=["dev"])
    out = write_bundle(bundle, tmp_path / "out")
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert on_disk == set(bundle.files)
    assert (out / "manifest.json").read_bytes() == bundle.files["manifest.json"]


def test_name_conflict_is_an_error_naming_both_origins(tmp_path: Path) -> None:
    cfg = make_platform(tmp_path, {"team-a": {"p.yaml": "require-labels"}, "team-b": {"q.yaml": "require-labels"}})
    with pytest.raises(ConfigError, match=r"policy ClusterPolicy/require-labels is defined by team-a:p.yaml and by "
                                          r"team-b:q.yaml"):
        build_bundle(load_config(cfg), environments=["dev"])


def test_precedence_later_source_wins_and_is_recorded(tmp_path: Path) -> None:
    cfg = make_platform(tmp_path, {"devops": {"p.yaml": "require-labels"}, "security": {"q.yaml": "require-labels"}},
                        "precedence: [devops, security]\n")
    bundle = build_bundle(load_config(cfg), environments=["dev", "prd"])
    [policy] = bundle.manifest["policies"]
    assert (policy["name"], policy["source"], policy["template"]) == ("require-labels", "security", "q.yaml")
    assert "policies/dev/security/clusterpolicy-require-labels.yaml" in bundle.files
    assert "policies/dev/devops/clusterpolicy-require-labels.yaml" not in bundle.files
    assert bundle.manifest["overrides"] == [
        "[dev] ClusterPolicy/require-labels: security overrides devops (precedence: devops, security)",
        "[prd] ClusterPolicy/require-labels: security overrides devops (precedence: devops, security)",
    ]


def test_prefix_renames_policies(tmp_path: Path) -> None:
    cfg = make_platform(tmp_path, {"devops": {"p.yaml": "require-labels"}, "security": {"q.yaml": "require-labels"}})
    text = cfg.read_text().replace("{name: security, type: local, path: security}",
                                   "{name: security, type: local, path: security, prefix: security-}")
    cfg.write_text(text)
    bundle = build_bundle(load_config(cfg), environments=["dev"])
    names = sorted((p["name"], p["source"]) for p in bundle.manifest["policies"])
    assert names == [("require-labels", "devops"), ("security-require-labels", "security")]
    assert bundle.manifest["sources"]["security"]["prefix"] == "security-"
    assert "name: security-require-labels" in bundle.files[
        "policies/dev/security/clusterpolicy-security-require-labels.yaml"].decode()


def test_policy_missing_in_one_environment_is_disabled_there(tmp_path: Path) -> None:
    chart = tmp_path / "src" / "charts" / "src"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: src\nversion: 1.0.0\n")
    (chart / "values.yaml").write_text("enabled: true\n")
    body = POLICY.format(name="p", action="Enforce")
    (chart / "templates" / "p.yaml").write_text("{{- if .Values.enabled }}\n" + body + "{{- end }}\n")
    (tmp_path / "src" / "cd" / "dev").mkdir(parents=True)
    (tmp_path / "src" / "cd" / "dev" / "values.yaml").write_text("enabled: false\n")
    (tmp_path / "platform.yaml").write_text(
        "apiVersion: policy-platform/v1\nkind: Platform\nmetadata: {name: d, version: 1.0.0}\n"
        "environments: [{name: dev}, {name: prd}]\nsources: [{name: src, type: local, path: src}]\n")
    bundle = build_bundle(load_config(tmp_path), environments=["dev", "prd"])
    [policy] = bundle.manifest["policies"]
    assert policy["environments"]["dev"] == {"enabled": False}
    assert policy["environments"]["prd"]["enabled"] is True
    assert policy["environments"]["prd"]["failureAction"] == "Enforce"
    assert bundle.manifest["sources"]["src"]["version"] == "1.0.0"
