"""Values layering (Helm -f / yq '*' semantics) and --set parsing."""

from __future__ import annotations

from typing import Any

import pytest

from policy_platform._internal.yamlio import load_stream
from policy_platform.errors import InputFileError, UsageError
from policy_platform.render.values import LayeredValues, layer, merge_into, parse_set


@pytest.mark.parametrize(
    ("base", "overlay", "expected"),
    [
        ({"a": {"b": 1, "c": 2}}, {"a": {"c": 3}}, {"a": {"b": 1, "c": 3}}),
        ({"l": [1, 2, 3]}, {"l": [9]}, {"l": [9]}),
        ({"a": {"b": 1}}, {"a": "x"}, {"a": "x"}),
        ({"a": "x"}, {"a": {"b": 1}}, {"a": {"b": 1}}),
        ({"a": 1}, {"a": None}, {"a": None}),
        ({}, {"n": {"deep": {"er": True}}}, {"n": {"deep": {"er": True}}}),
    ],
    ids=["maps-merge", "lists-replace", "scalar-replaces-map", "map-replaces-scalar", "null-kept", "new-keys"],
)
def test_merge(base: dict[str, Any], overlay: dict[str, Any], expected: dict[str, Any]) -> None:
    assert merge_into(base, overlay) == expected


def test_layer_in_order() -> None:
    base = load_stream("name: app\nreplicas: 2\nimage:\n  tag: '1.0'\n  repo: r\n", "chart/values.yaml")[0]
    env = load_stream("# prd\nreplicas: 20\nimage:\n  tag: latest\n", "cd/values.prd.yaml")[0]
    values = LayeredValues()
    layer(values, base)
    layer(values, env)
    assert values.data == {"name": "app", "replicas": 20, "image": {"tag": "latest", "repo": "r"}}
    assert values.layers == ["chart/values.yaml", "cd/values.prd.yaml"]


def test_layer_rejects_a_list_document() -> None:
    doc = load_stream("- a\n- b\n", "cd/values.dev.yaml")[0]
    with pytest.raises(InputFileError, match="must hold a mapping"):
        layer(LayeredValues(), doc)


@pytest.mark.parametrize(
    ("exprs", "expected"),
    [
        (["a.b=1"], {"a": {"b": 1}}),
        (["a=true,b=false"], {"a": True, "b": False}),
        (["x=null"], {"x": None}),
        (["l={a,b}"], {"l": ["a", "b"]}),
        (["k=0755"], {"k": "0755"}),
        (["s=hello", "s=world"], {"s": "world"}),
        (["dotted\\.key=v"], {"dotted.key": "v"}),
    ],
)
def test_parse_set(exprs: list[str], expected: dict[str, Any]) -> None:
    assert parse_set(exprs) == expected


def test_parse_set_rejects_missing_equals() -> None:
    with pytest.raises(UsageError, match="expected key=value"):
        parse_set(["novalue"])
