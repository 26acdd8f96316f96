"""The yaml_rs fast path of ``load_document``: taken only when its result is certainly KubeLoader's.

Each case is loaded by the fast path and by KubeLoader alone; the results must be identical, types included
(``True == 1`` in Python, so equality is checked type by type), and the table says whether the fast path answered.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from policy_platform._internal import yamlio
from policy_platform._internal.yamlio import KubeLoader, load_document, split_stream

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("POLICY_PLATFORM_SHARED", ROOT.parent / "shared"))


def same(a: Any, b: Any) -> bool:
    """Equal values of equal types, mapping keys in the same order."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


def fast(text: str) -> bool:
    return yamlio._load_fast(text) is not yamlio._MISS


CASES = [
    # (text, fast path expected)
    ("kind: Pod\nspec:\n  replicas: 3\n  hostNetwork: true\n", True),
    ("ports:\n- 8080\n- name: http0\n  port: 10.01\n", False),  # a float: KubeLoader decides
    ("a: v1.0\nb: 10.0.0.1\nc: '*.example.com'\n", True),
    ("a: 1_000\n", True),  # 1000 in both
    ("a: 2024-01-01\nb: 2024-01-01T10:00:00Z\n", True),  # strings in both (no timestamps)
    ("a: yes\n", False),  # YAML 1.1 boolean for KubeLoader, a string for yaml_rs
    ("a: 'yes'\n", False),  # could have been plain: KubeLoader decides (a string)
    ("a: On\n", False),
    ("a: 0777\n", False),  # octal 511 for KubeLoader, 777 for yaml_rs
    ("a: -0777\n", False),
    ("a: [0o17]\n", False),  # a string for KubeLoader, 15 for yaml_rs
    ("a: 0b101\n", False),
    ("a: 8080\nb: x-01\nc: 10.01.2\n", True),  # zeros inside tokens are not number starts
    ("a: !!str 5\n", False),  # tags
    ("<<: {a: 1}\nb: 2\n", False),  # merge keys
    ("a: &x {b: 1}\nc: *x\n", True),  # aliases (copied by yaml_rs, equal values)
    ("a: 1\na: 2\n", False),  # duplicate keys: PyYAML's last-wins
    ("? [1, 2]\n: 3\n", False),  # an unhashable key: PyYAML's error
    ("- a\n- b\n", False),  # a list result is ambiguous for yaml_rs
    ("a: =\n", False),  # PyYAML's value tag (an error there)
    ("a: ~\nb: null\nc:\nd: true\ne: False\n", True),
    ("a: |\n  x\n  y\nb: >-\n  p\n  q\n", True),
    ("a: \"\\u00e9\\t\"\n", True),
    ("80: http\n", True),
    ("a: 1e3\n", False),  # a float
]


@pytest.mark.parametrize(("text", "expect_fast"), CASES, ids=[c[0][:24] for c in CASES])
def test_fast_path_equals_kubeloader(text: str, expect_fast: bool) -> None:
    assert fast(text) is expect_fast
    try:
        slow: Any = yaml.load(text, Loader=KubeLoader)
    except yaml.YAMLError as exc:
        with pytest.raises(yaml.YAMLError) as caught:
            load_document(text)
        assert str(caught.value) == str(exc)  # the same PyYAML error, lines included
        return
    assert same(load_document(text), slow)


def test_alias_bomb_goes_to_pyyaml_which_shares_objects() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 12)]
    text = "\n".join(lines) + "\n"
    assert not fast(text)
    data = load_document(text)
    assert data["a11"][0] is data["a10"]  # PyYAML's shared structure, not 5**11 copies


def test_invalid_yaml_keeps_pyyaml_error_and_line() -> None:
    with pytest.raises(yaml.YAMLError) as caught:
        load_document("a: 1\nb: [2\n")
    assert "line 3" in str(caught.value)


def _corpus() -> list[Path]:
    files: list[Path] = []
    for root in (SHARED / "conformance", ROOT / "examples", ROOT / "tests"):
        if root.is_dir():
            files.extend(sorted(root.rglob("*.yaml")))
    return files


def test_corpus_fast_path_agrees_with_kubeloader() -> None:
    """Every document of the conformance suite (when present), the examples and the test data: where the fast path
    answers, its result is KubeLoader's, and it never accepts a document PyYAML rejects."""
    answered = 0
    for path in _corpus():
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for raw in split_stream(text):
            data = yamlio._load_fast(raw.text)
            if data is yamlio._MISS:
                continue
            answered += 1
            slow = yaml.load(raw.text, Loader=KubeLoader)  # raises (fails the test) if the fast path accepted junk
            assert same(data, slow), f"{path}:{raw.start_line + 1}"
    assert answered >= 50
