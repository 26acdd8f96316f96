"""Message templating and path printing, as Spectral's replacer and printPath do them."""

from __future__ import annotations

from typing import Any

import pytest

from policy_platform.engines.spectral.messages import MessageVars, dot_path, pointer, render

VARS = MessageVars(property="replicas", error="must be <= 10", path="#/replicas", description=None, value=20)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{error}}", "must be <= 10"),
        ("{{property}} at {{path}}: {{value}}", "replicas at #/replicas: 20"),
        ("[{{description}}]", "[null]"),
        ("x{{foo}}y {{ error }} z", "xy  z"),
        ("{value} and {{value}} and {{{value}}}", "{value} and 20 and }"),
        ("#{{print('property')}}is bad", '"replicas" property is bad'),
        ("#{{print('value')}}", "20"),
        ("#{{'v=' + value}}", "v=20"),
        ("#{{property.toUpperCase()}}", "REPLICAS"),
        ("#{{nope}}!", "!"),
        ("#{{constructor}}", ""),
        ("{{va\nlue}}", "{{va\nlue}}"),
    ],
)
def test_render(template: str, expected: str) -> None:
    assert render(template, VARS) == expected


@pytest.mark.parametrize(
    ("path", "dot", "ptr"),
    [
        ((), "", "#"),
        (("a", "b"), "a.b", "#/a/b"),
        (("env", 2, "name"), "env[2].name", "#/env/2/name"),
        (("2", "enabled"), "[2].enabled", "#/2/enabled"),
        (("with space", ""), "['with space']['']", "#/with space/"),
        (("a/b", "c~d"), "a/b.c~d", "#/a~1b/c~0d"),
    ],
)
def test_paths(path: tuple[Any, ...], dot: str, ptr: str) -> None:
    assert dot_path(path) == dot
    assert pointer(path) == ptr
