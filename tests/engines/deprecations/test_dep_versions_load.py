"""Loading versions files: overlays, overrides, target versions, and one-line errors with file and line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from policy_platform.engines.deprecations import load_versions, parse_target_versions, resolve_targets
from policy_platform.errors import PolicyLoadError, UsageError

NEW = """\
deprecated-versions:
  - version: example.com/v1alpha1
    kind: Widget
    deprecated-in: v1.2.0
    removed-in: v1.4.0
    replacement-api: example.com/v1
    replacement-available-in: v1.2.0
    component: example
target-versions:
  example: v1.3.0
"""


def _write(tmp_path: Path, text: str, name: str = "extra.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_additional_file_adds_entries_and_targets(tmp_path: Path) -> None:
    table = load_versions([_write(tmp_path, NEW)])
    entry = table.match("example.com/v1alpha1", "Widget")
    assert entry is not None
    assert (entry.removed_in, entry.replacement_api, entry.component) == ("v1.4.0", "example.com/v1", "example")
    assert entry.source == f"{tmp_path / 'extra.yaml'}:2"
    assert table.target_versions["example"] == "v1.3.0"
    assert table.target_versions["k8s"] == "v1.25.0"  # packaged default kept
    assert "example" in table.components()
    assert table.match("extensions/v1beta1", "Deployment") is not None  # packaged entries kept


def test_additional_file_overrides_an_entry_in_place(tmp_path: Path) -> None:
    text = """\
deprecated-versions:
  - {version: extensions/v1beta1, kind: Ingress, deprecated-in: v1.10.0, removed-in: v1.30.0,
     replacement-api: networking.k8s.io/v1, replacement-available-in: v1.19.0, component: k8s}
target-versions: {k8s: v1.27.0}
"""
    base = load_versions()
    table = load_versions([_write(tmp_path, text)])
    entry = table.match("extensions/v1beta1", "Ingress")
    assert entry is not None and entry.removed_in == "v1.30.0"
    assert len(table.entries) == len(base.entries)
    position = [(e.version, e.kind) for e in table.entries].index(("extensions/v1beta1", "Ingress"))
    assert position == [(e.version, e.kind) for e in base.entries].index(("extensions/v1beta1", "Ingress"))
    assert table.target_versions["k8s"] == "v1.27.0"


def test_wildcard_kind_and_exact_kind_precedence(tmp_path: Path) -> None:
    text = """\
deprecated-versions:
  - {version: example.com/v1, kind: "", deprecated-in: v1.0.0, component: example}
  - {version: example.com/v1, kind: Special, removed-in: v1.0.0, component: example}
"""
    table = load_versions([_write(tmp_path, text)], include_packaged=False)
    wild = table.match("example.com/v1", "Thing")
    assert wild is not None and (wild.kind, wild.deprecated_in, wild.removed_in) == ("Thing", "v1.0.0", "")
    special = table.match("example.com/v1", "Special")
    assert special is not None and special.removed_in == "v1.0.0"
    assert table.match("example.com/v2", "Thing") is None
    assert table.match("Example.com/v1", "Thing") is None  # case-sensitive, as Pluto


BAD = [
    ("not: [closed\n", 2, "invalid YAML"),
    ("- a\n- b\n", 1, "expected a mapping with 'deprecated-versions'"),
    ("deprecated-versions: {}\n", 1, "'deprecated-versions' must be a list"),
    ("deprecated-versionz: []\n", 1, "unknown key 'deprecated-versionz'"),
    ("deprecated-versions:\n  - just a string\n", 2, "each entry must be a mapping"),
    ("deprecated-versions:\n  - kind: Foo\n    component: k8s\n", 2, "entry has no 'version'"),
    ("deprecated-versions:\n  - version: a/v1\n    kind: Foo\n", 2, "entry has no 'component'"),
    (
        "deprecated-versions:\n  - version: a/v1\n    component: k8s\n    removed-in: 1.22\n",
        4,
        "'removed-in' must be a string, got float 1.22",
    ),
    (
        "deprecated-versions:\n  - version: a/v1\n    component: k8s\n    removed-in: '1.22'\n",
        4,
        "'removed-in' is not a valid version: '1.22' (expected e.g. v1.22.0)",
    ),
    (
        "deprecated-versions:\n  - version: a/v1\n    component: k8s\n    deprecated_in: v1.2.0\n",
        4,
        "unknown key 'deprecated_in'",
    ),
    (
        "deprecated-versions:\n  - {version: a/v1, kind: K, component: k8s}\n"
        "  - {version: a/v1, kind: K, component: x}\n",
        3,
        "duplicate entry for version 'a/v1' kind 'K' (first at line 2)",
    ),
    ("target-versions: [k8s]\n", 1, "'target-versions' must be a mapping"),
    ("target-versions:\n  k8s: latest\n", 2, "invalid target version 'latest' for component 'k8s'"),
    ("a: 1\n---\nb: 2\n", None, "expected one YAML document, found 2"),
]


@pytest.mark.parametrize(("text", "line", "message"), BAD, ids=[b[2] for b in BAD])
def test_bad_versions_file(tmp_path: Path, text: str, line: int | None, message: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(PolicyLoadError) as info:
        load_versions([path])
    err = info.value
    assert err.file == str(path)
    assert err.line == line
    assert message in err.message
    assert "\n" not in str(err)
    assert str(err).startswith(f"{path}:{line}: " if line else f"{path}: ")


def test_missing_versions_file(tmp_path: Path) -> None:
    with pytest.raises(PolicyLoadError, match="versions file: file not found"):
        load_versions([tmp_path / "nope.yaml"])


@pytest.mark.parametrize(
    ("specs", "want"),
    [
        (["k8s=v1.29.0"], {"k8s": "v1.29.0"}),
        (["k8s=v1.29.0,cert-manager=v1.15.0"], {"k8s": "v1.29.0", "cert-manager": "v1.15.0"}),
        (["k8s=1.29", "istio=v1.20"], {"k8s": "v1.29", "istio": "v1.20"}),
        ([" k8s = v1.30.1 , "], {"k8s": "v1.30.1"}),
        ([], {}),
    ],
)
def test_parse_target_versions(specs: list[str], want: dict[str, str]) -> None:
    assert parse_target_versions(specs) == want


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("k8s", "--target-versions 'k8s': expected component=version, e.g. k8s=v1.29.0"),
        ("k8s=", "expected component=version"),
        ("=v1.29.0", "expected component=version"),
        ("k8s=latest", "'latest' is not a valid version for 'k8s' (expected e.g. v1.29.0)"),
        ("k8s=v1.29.0.1", "'v1.29.0.1' is not a valid version"),
    ],
)
def test_parse_target_versions_errors(spec: str, message: str) -> None:
    with pytest.raises(UsageError) as info:
        parse_target_versions([spec])
    assert message in str(info.value)


def test_resolve_targets_defaults_and_overrides() -> None:
    table = load_versions()
    targets = resolve_targets(table, {"k8s": "1.29"})
    assert {c: v.text for c, v in targets.items()} == {"k8s": "v1.29", "istio": "v1.11.0", "cert-manager": "v1.5.3"}


def test_resolve_targets_component_errors(tmp_path: Path) -> None:
    table = load_versions()
    with pytest.raises(UsageError, match="cannot find deprecations for zero components"):
        resolve_targets(table, {}, ["nginx"])
    text = "deprecated-versions:\n  - {version: a/v1, removed-in: v1.0.0, component: a}\n"
    extra = load_versions([_write(tmp_path, text)])
    want = "no target version for component(s) a: pass --target-versions a=vX.Y.Z"
    with pytest.raises(UsageError, match=re.escape(want)):
        resolve_targets(extra, {})
    assert set(resolve_targets(extra, {}, ["k8s"])) >= {"k8s"}  # unselected components need no target
