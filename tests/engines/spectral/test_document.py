"""YAML as Spectral reads it: 1.2 core scalars, keys, merges, duplicates, and the exact 0-based ranges."""

from __future__ import annotations

import math
from typing import Any

import pytest

from policy_platform.engines.spectral import lint_layers, parse_document
from policy_platform.engines.spectral.ruleset import load_ruleset_data


@pytest.mark.parametrize(
    ("scalar", "value"),
    [
        ("yes", "yes"), ("on", "on"), ("No", "No"), ("true", True), ("FALSE", False), ("~", None), ("null", None),
        ("", None), ("0777", 777), ("0o17", 15), ("0x1F", 31), ("1e3", 1000.0), ("1.50", 1.5), ("-2", -2),
        ("2024-01-01", "2024-01-01"), ("1:30", "1:30"), ("'3'", "3"), ("!!str 3", "3"), ("!!float 3", 3.0),
        (".inf", math.inf),
    ],
)
def test_yaml_1_2_core_scalars(scalar: str, value: Any) -> None:
    assert parse_document(f"v: {scalar}\n", "x.yaml").data == {"v": value}


def test_nan_and_non_string_keys() -> None:
    doc = parse_document("a: .nan\n1: one\ntrue: t\n~: n\n", "x.yaml")
    assert math.isnan(doc.data["a"])
    assert list(doc.data) == ["a", "1", "true", "null"]


def test_merge_keys_and_aliases() -> None:
    doc = parse_document("base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\nref: *b\n", "x.yaml")
    assert doc.data["use"] == {"y": 3, "x": 1}
    assert doc.data["ref"] == {"x": 1, "y": 2}
    assert doc.range_for(("use", "x")) == ((0, 13), (0, 14))  # the anchor's position
    assert doc.range_for(("ref", "x")) == ((0, 0), (0, 0))  # through an alias: Spectral's default range
    assert doc.range_for(()) == ((0, 0), (4, 7))


def test_duplicate_keys_last_wins() -> None:
    doc = parse_document("a: 1\nb:\n  c: 1\n  c: 2\na: 3\n", "x.yaml")
    assert doc.data == {"a": 3, "b": {"c": 2}}
    assert [(d.message, d.path, d.range) for d in doc.diagnostics] == [
        ("Duplicate key: c", ("b", "c"), ((3, 2), (3, 3))),
        ("Duplicate key: a", ("a",), ((4, 0), (4, 1))),
    ]


@pytest.mark.parametrize(
    ("text", "path", "expected"),
    [
        ("a: 1\n", ("a",), ((0, 3), (0, 4))),
        ("a: \"x\"\n", ("a",), ((0, 3), (0, 6))),
        ("a:\n", ("a",), ((0, 2), (0, 2))),
        ("a:\n  b: 1\n  c: 2\n", ("a",), ((0, 2), (2, 6))),
        ("a: {b: 1}\n", ("a",), ((0, 2), (0, 8))),
        ("a: {}\n", ("a",), ((0, 2), (0, 5))),
        ("a: [1, 2]\n", ("a", 1), ((0, 7), (0, 8))),
        ("a: [1, [2, 3] ]\n", ("a",), ((0, 2), (0, 12))),  # a flow collection ends where its last member ends
        ('{"a": { "b": 1, "c": "x" }}', ("a",), ((0, 5), (0, 24))),
        ("a:\n  - x: 1\n    y: 2\n", ("a", 0), ((1, 4), (2, 8))),
        ("s: |\n  one\n  two\n\nn: 1\n", ("s",), ((0, 3), (2, 5))),
        ("t: \"🚀🚀\"\n", ("t",), ((0, 3), (0, 9))),
        ("a:\n  b: 1\n", ("a", "missing"), ((0, 2), (1, 6))),
        ("Hello\n", (), ((0, 0), (1, 0))),
    ],
)
def test_ranges(text: str, path: tuple[str | int, ...], expected: Any) -> None:
    assert parse_document(text, "x.yaml").range_for(path) == expected


@pytest.mark.parametrize(
    ("text", "message", "start", "data"),
    [
        ("a: 1\nb: [1, 2\n", "Unexpected end of the stream within a flow collection", (2, 0), {"a": 1, "b": [1, 2]}),
        ("a: 1\nb: [1, 2\nc: 3\n", "Invalid mixed usage of block and flow styles", (2, 0), {"a": 1, "b": [1, "2 c"]}),
        ("a: 1\nb: {c: ]\n", "Did not find expected node content", (1, 7), {"a": 1, "b": {}}),
        ("a: 1\n---\nb: 2\n", "Expected a single document in the stream, but found more", (1, 0), None),
        ("a: *nope\n", "Found undefined alias", (0, 3), None),
        ("[\n", "Did not find expected node content", (1, 0), []),
    ],
)
def test_syntax_problems_are_diagnostics_and_the_parsed_part_is_kept(
    text: str, message: str, start: tuple[int, int], data: Any
) -> None:
    doc = parse_document(text, "x.yaml")
    assert (doc.diagnostics[0].message.rstrip("."), doc.diagnostics[0].range[0]) == (message, start)
    assert doc.data == data
    assert doc.fatal is (data is None)


def test_layers_point_at_the_file_each_value_came_from() -> None:
    ruleset = load_ruleset_data({"rules": {
        "name": {"given": "$", "severity": "error", "then": {"field": "name", "function": "truthy"}},
        "replicas": {"given": "$.replicas", "then": {"function": "schema",
                                                     "functionOptions": {"schema": {"maximum": 10}}}},
        "tag": {"given": "$.image.tag", "then": {"function": "pattern", "functionOptions": {"notMatch": "^latest$"}}},
    }})
    base = parse_document("replicas: 2\nimage:\n  repository: nginx\n  tag: latest\n", "charts/app/values.yaml")
    env = parse_document("# prod\nreplicas: 20\nreplicas: 30\n", "cd/values.prd.yaml")
    merged = {"replicas": 30, "image": {"repository": "nginx", "tag": "latest"}}
    results = lint_layers(ruleset, [base, env], merged)
    assert [(r.source, r.code, r.path, r.range, r.severity) for r in results] == [
        ("cd/values.prd.yaml", "name", (), ((0, 0), (2, 12)), 0),
        ("cd/values.prd.yaml", "parser", ("replicas",), ((2, 0), (2, 8)), 0),
        ("cd/values.prd.yaml", "replicas", ("replicas",), ((2, 10), (2, 12)), 1),
        ("charts/app/values.yaml", "tag", ("image", "tag"), ((3, 7), (3, 13)), 1),
    ]


def test_alias_bombs_are_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    doc = parse_document("\n".join(lines) + "\n", "bomb.yaml")
    assert doc.fatal
    assert doc.diagnostics[0].message.startswith("Aliases expand the document beyond 1000000 nodes")


def test_deep_documents() -> None:
    deep = "\n".join("  " * i + f"k{i}:" for i in range(900)) + " 1\n"
    assert parse_document(deep, "deep.yaml").range_for(()) == ((0, 0), (899, 1805))
    too_deep = parse_document("a: " + "[" * 999 + "]" * 999, "deep.yaml")
    assert too_deep.fatal
    assert too_deep.diagnostics[0].message == "Exceeded maximum nesting depth"
