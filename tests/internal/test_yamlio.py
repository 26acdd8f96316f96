"""YAML loading: Kubernetes-style scalars, stream splitting with start lines, lazy positions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from policy_platform._internal.yamlio import load_single, load_stream, split_stream
from policy_platform.errors import InputFileError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("v: yes", True),
        ("v: on", True),
        ("v: NO", False),
        ("v: 0777", 511),
        ("v: 1:30", "1:30"),
        ("v: 1e3", 1000.0),
        ("v: 2024-01-01", "2024-01-01"),
        ("v: '0777'", "0777"),
        ("v: 12", 12),
        ("v: 1.5", 1.5),
        ("v: ~", None),
        ("v: 0x1F", 31),
    ],
)
def test_kubernetes_scalars(text: str, expected: Any) -> None:
    assert load_stream(text, "f.yaml")[0].data == {"v": expected}


def test_split_stream_records_start_lines() -> None:
    text = "a: 1\n---\nb: 2\nc: 3\n--- # comment\nd: 4\n...\n"
    docs = split_stream(text)
    assert [d.start_line for d in docs] == [0, 1, 4]
    loaded = load_stream(text, "f.yaml")
    assert [d.data for d in loaded] == [{"a": 1}, {"b": 2, "c": 3}, {"d": 4}]
    assert [d.index for d in loaded] == [0, 1, 2]


def test_empty_documents_are_dropped() -> None:
    assert [d.data for d in load_stream("---\n---\na: 1\n---\n", "f.yaml")] == [{"a": 1}]


def test_locate_exact_positions() -> None:
    text = "a: 1\n---\nkind: Pod\nspec:\n  containers:\n    - name: x\n      image: nginx\n"
    doc = load_stream(text, "f.yaml")[1]
    assert doc.locate(("spec", "containers", 0, "image")) == (7, 7, True)
    assert doc.locate(("kind",)) == (3, 1, True)
    assert doc.locate(("spec", "nope")) == (4, 1, False)
    assert doc.locate(("spec", "containers", 3)) == (5, 3, False)
    assert doc.locate(()) == (3, 1, True)


def test_parse_error_names_file_and_line() -> None:
    with pytest.raises(InputFileError) as exc:
        load_stream("a: 1\n---\nb: [\n", "bad.yaml")
    assert (exc.value.file, exc.value.line) == ("bad.yaml", 4)
    assert str(exc.value).startswith("bad.yaml:4: invalid YAML:")


def test_load_single_rejects_streams(tmp_path: Path) -> None:
    p = tmp_path / "values.yaml"
    p.write_text("a: 1\n---\nb: 2\n")
    with pytest.raises(InputFileError, match="expected one YAML document, found 2"):
        load_single(p)


def test_read_errors(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="file not found"):
        load_single(tmp_path / "missing.yaml")
    (tmp_path / "bin.yaml").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(InputFileError, match="not UTF-8"):
        load_single(tmp_path / "bin.yaml")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: &x {b: 1}\nc: *x\n", {"a": {"b": 1}, "c": {"b": 1}}),
        ("<<: {a: 1}\nb: 2\n", {"a": 1, "b": 2}),
        ("a: !!str 12\nb: !!int '7'\n", {"a": "12", "b": 7}),
        ("a: !!binary aGk=\n", {"a": b"hi"}),
        ("[yes, off, 010, 1e3, .inf, '', ~, x]\n", [True, False, 8, 1000.0, float("inf"), "", None, "x"]),
    ],
)
def test_fast_and_standard_construction_agree(text: str, expected: Any) -> None:
    assert load_stream(text, "f.yaml")[0].data == expected


def test_aliases_resolve_and_unknown_tags_fail() -> None:
    data = load_stream("a: &x [1]\nb: *x\n", "f.yaml")[0].data
    assert data["a"] == data["b"] == [1]  # copies on the fast path; an alias bomb shares (test_yamlio_fast.py)
    with pytest.raises(InputFileError):
        load_stream("a: !foo x\n", "f.yaml")
    with pytest.raises(InputFileError):
        load_stream("? [1]\n: 2\n", "f.yaml")
