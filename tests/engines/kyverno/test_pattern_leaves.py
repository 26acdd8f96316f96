"""The leaf-only substitution of patterns with variables (:func:`pattern.leaf_template`) against substituting the whole
pattern: the same substituted pattern (value, key order and scalar types) and the same first substitution error."""

from __future__ import annotations

from typing import Any

import pytest

from policy_platform.engines.kyverno import pattern
from policy_platform.engines.kyverno.variables import SubstitutionError, substitute_all

CONTEXT: dict[str, Any] = {
    "element": {
        "name": "c",
        "resources": {"requests": {"cpu": "100m", "memory": 64}, "limits": {"cpu": "1"}},
        "flag": True,
        "ratio": 1.0,
        "nested": {"a": [1, 2]},
    },
    "request": {"object": {"metadata": {"name": "x"}}, "operation": "CREATE"},
}

PATTERNS: list[Any] = [
    {"resources": {"limits": {"cpu": "{{element.resources.requests.cpu}}", "memory": "?*"}}},
    {"limits": {"memory": "{{element.resources.requests.memory}}"}, "x": "{{element.flag}}", "y": "{{element.ratio}}"},
    {"spec": {"containers": [{"name": "{{element.name}}-*", "n": "{{element.nested}}"}]}},
    {"=(a)": ["{{element.nested.a}}", 3, "b{{element.name}}"], "(b)": {"c": "{{ element.missing || 'd' }}"}},
    ["{{element.name}}", {"k": "{{@}}"}],
    {"a": "{{element.name}}", "b": {"c": "{{request.object.metadata.name}}"}},
]


def _expected(doc: Any) -> Any:
    try:
        return ("ok", substitute_all(doc, CONTEXT))
    except SubstitutionError as exc:
        return ("error", str(exc))


def _leaves(template: pattern.LeafTemplate) -> Any:
    try:
        values = [substitute_all(text, CONTEXT, path) for _location, text, path in template.leaves]
    except SubstitutionError as exc:
        return ("error", str(exc))
    return ("ok", template.compiled(values).value)


@pytest.mark.parametrize("doc", PATTERNS)
def test_leaf_substitution_equals_whole_document(doc: Any) -> None:
    template = pattern.leaf_template(doc)
    assert template is not None
    expected = _expected(doc)
    got = _leaves(template)
    assert got == expected
    if expected[0] == "ok":
        assert pattern._freeze(got[1]) == pattern._freeze(expected[1])  # scalar types and key order too
        assert template.compiled([substitute_all(t, CONTEXT, p) for _, t, p in template.leaves]) is template.compiled(
            [substitute_all(t, CONTEXT, p) for _, t, p in template.leaves]
        )


def test_first_error_is_the_same() -> None:
    doc = {"a": "{{element.name}}", "b": "{{ bad syntax ( }}", "c": "{{ also bad ( }}"}
    template = pattern.leaf_template(doc)
    assert template is not None
    assert _leaves(template) == _expected(doc)


@pytest.mark.parametrize(
    "doc",
    [{"{{element.name}}": "x"}, {1: "{{element.name}}"}, {"a": "b"}, "{{element.name}}", [], {"a": [1, {"b": 2}]}],
)
def test_not_a_template(doc: Any) -> None:
    assert pattern.leaf_template(doc) is None
