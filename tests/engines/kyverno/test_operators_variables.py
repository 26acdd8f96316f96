"""Condition operators, condition blocks, {{ }} substitution and the JMESPath dialect (missing keys are errors)."""

from __future__ import annotations

from typing import Any

import pytest

from policy_platform.engines.kyverno.conditions import evaluate_conditions
from policy_platform.engines.kyverno.jmespath_dialect import JMESPathError, UnknownKeyError, search
from policy_platform.engines.kyverno.operators import OperatorError, get_operator
from policy_platform.engines.kyverno.variables import SubstitutionError, substitute_all


@pytest.mark.parametrize(
    ("op", "key", "value", "expected"),
    [
        ("Equals", "nginx:latest", "*:latest", True),
        ("Equals", "*:latest", "nginx:latest", False),  # the value is the pattern
        ("Equals", 3.0, "3", True),
        ("Equals", True, "true", False),
        ("Equals", "1Gi", "1024Mi", True),
        ("Equals", "1h", 3600, True),
        ("Equals", None, None, False),
        ("equals", {"a": 1}, {"a": 1.0}, True),
        ("NotEquals", "a", "b", True),
        ("NotEquals", "a", 1, True),  # type mismatch
        ("NotEquals", None, "x", False),
        ("NotEquals", "1Gi", "abc", False),
        ("AnyIn", "CREATE", ["CREATE", "UPDATE"], True),
        ("AnyIn", ["a", "x"], ["b*", "x"], True),
        ("AnyIn", "a", '["a", "b"]', True),
        ("AnyIn", [5555], "5000-6000", True),
        ("AnyNotIn", [5555, 80], "5000-6000", True),
        ("AnyNotIn", "NVIDIA=*?", "all", False),  # not a JSON array: invalid type, false
        ("AllIn", ["a", "b"], ["a", "b", "c"], True),
        ("AllIn", ["a", "z"], ["a", "b"], False),
        ("AllNotIn", ["y", "z"], ["a", "b"], True),
        ("AnyNotIn", ["a", "b"], ["a", "b"], False),
        ("In", "a", ["a", "b"], True),
        ("NotIn", ["a", "c"], ["a", "b"], True),
        ("GreaterThan", "2Gi", "1Gi", True),
        ("GreaterThan", 5, "4", True),
        ("GreaterThan", "1.10.0", "1.9.0", True),
        ("GreaterThan", "10m", "5m", True),
        ("GreaterThanOrEquals", 3, 3, True),
        ("LessThan", "", 1, False),
        ("LessThanOrEquals", None, 1, False),
        ("DurationGreaterThan", "2h", 3600, True),
    ],
)
def test_operator(op: str, key: Any, value: Any, expected: bool) -> None:
    assert get_operator(op)(key, value) is expected


def test_unknown_operator() -> None:
    with pytest.raises(OperatorError, match="unknown operator 'Bogus'"):
        get_operator("Bogus")


CTX = {"request": {"object": {"metadata": {"name": "web", "labels": {"app": "x"}}, "spec": {"replicas": 3}}}}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ request.object.metadata.name }}", "web"),
        ("{{request.object.spec.replicas}}", 3),
        ("n={{ request.object.spec.replicas }}", "n=3"),
        ("l={{ request.object.metadata.labels }}", 'l={"app":"x"}'),
        ("{{ request.object.metadata.labels }}", {"app": "x"}),
        ("{{ request.object.metadata.missing || 'dflt' }}", "dflt"),
        ("{{ to_upper('{{ request.object.metadata.name }}') }}", "WEB"),
        ("\\{{ literal }}", "{{ literal }}"),
        ("no variables", "no variables"),
    ],
)
def test_substitution(template: str, expected: Any) -> None:
    assert substitute_all(template, CTX) == expected


def test_substitution_visits_keys() -> None:
    assert substitute_all({"{{ request.object.metadata.name }}": 1}, CTX) == {"web": 1}


def test_missing_key_is_an_error() -> None:
    with pytest.raises(SubstitutionError, match='Unknown key "missing" in path'):
        substitute_all("{{ request.object.metadata.missing }}", CTX)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("request.object.metadata.missing || `1`", 1),
        ("length(request.object.metadata.labels)", 1),
        ("request.object.metadata.labels.*", ["x"]),
        ("[request.object.metadata.nope]", [None]),
        ("request.object.metadata.name == 'web'", True),
        ("split('a,b', ',')", ["a", "b"]),
        ("add('1Gi', '512Mi')", "1536Mi"),
        ("add(`1`, `2`)", 3),
        ("divide('1Gi', '512Mi')", 2.0),
        ("multiply('1h', `2`)", "2h0m0s"),
        ("regex_match('^web$', 'web')", True),
        ("regex_replace_all('([a-z]+)', 'ab12', '${1}X')", "abX12"),
        ("semver_compare('1.25.3', '>=1.20.0 <1.30.0')", True),
        ("pattern_match('*.io', 'x.io')", True),
        ("label_match({app: 'x'}, request.object.metadata.labels)", True),
        ("to_boolean('TRUE')", True),
        ("base64_decode('aGk=')", "hi"),
        ("truncate('abcdef', `3`)", "abc"),
        ("trim_prefix('v1.2', 'v')", "1.2"),
        ("items({b: `1`, a: `2`}, 'k', 'v')", [{"k": "a", "v": 2}, {"k": "b", "v": 1}]),
        ("object_from_lists(['a', 'b'], [`1`])", {"a": 1, "b": None}),
        ("lookup({a: `1`}, 'a')", 1),
        ("image_normalize('nginx')", "docker.io/library/nginx:latest"),
        ("path_canonicalize('/a/../b//c')", "/b/c"),
        ("to_string(`3`)", "3"),
        ("time_add('2024-01-01T00:00:00Z', '1h')", "2024-01-01T01:00:00Z"),
        ("time_diff('2024-01-01T00:00:00Z', '2024-01-01T01:30:00Z')", "1h30m0s"),
        ("time_before('2024-01-01T00:00:00Z', '2024-01-02T00:00:00Z')", True),
        ("time_to_cron('2024-01-01T10:30:00Z')", "30 10 1 1 1"),
    ],
)
def test_jmespath(expression: str, expected: Any) -> None:
    assert search(expression, CTX) == expected


def test_jmespath_errors() -> None:
    with pytest.raises(UnknownKeyError):
        search("request.object.spec.template.spec", CTX)
    with pytest.raises(JMESPathError, match="sum: at least one element"):
        search("sum(`[]`)", CTX)
    with pytest.raises(JMESPathError, match="RE2 syntax"):
        search("regex_match('(?=x)', 'x')", CTX)
    with pytest.raises(JMESPathError, match="invalid JMESPath expression"):
        search("request.[", CTX)


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        (None, True),
        ({"any": []}, False),
        ({"all": [{"key": "{{ request.object.spec.replicas }}", "operator": "GreaterThan", "value": 2}]}, True),
        (
            {
                "any": [{"key": "a", "operator": "Equals", "value": "b"}],
                "all": [{"key": "a", "operator": "Equals", "value": "a"}],
            },
            False,
        ),
        ([{"key": "a", "operator": "Equals", "value": "a"}, {"key": "b", "operator": "Equals", "value": "b"}], True),
    ],
)
def test_condition_blocks(block: Any, expected: bool) -> None:
    assert evaluate_conditions(block, CTX)[0] is expected


def test_condition_short_circuit_skips_errors() -> None:
    block = {
        "all": [
            {"key": "a", "operator": "Equals", "value": "b"},
            {"key": "{{ request.object.nope }}", "operator": "Equals", "value": "x"},
        ]
    }
    assert evaluate_conditions(block, CTX) == (False, [])


@pytest.mark.parametrize(
    ("op", "key", "value", "expected"),
    [
        ("AnyIn", ["a", "b"], "a*", False),  # a list key against a non-JSON string: invalid type
        ("AnyIn", ["a"], "a", True),  # ... unless it is the single identical item
        ("AllIn", [], ["a"], True),
        ("AnyIn", [], ["a"], False),
        ("AnyNotIn", [], ["a"], False),
    ],
)
def test_in_family_edges(op: str, key: Any, value: Any, expected: bool) -> None:
    assert get_operator(op)(key, value) is expected


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"request": {"operation": "CREATE"}}, "CREATE"),
        ({"request": {"operation": ""}}, "BACKGROUND"),
        ({"request": {"operation": None}}, "BACKGROUND"),
        ({"request": {}}, "BACKGROUND"),
        ({}, "BACKGROUND"),
        ({"request": "x"}, "BACKGROUND"),
        ({"request": {"operation": 0}}, 0),
        ({"request": {"operation": []}}, "BACKGROUND"),
        ({"request": {"operation": False}}, "BACKGROUND"),
    ],
)
def test_chain_or_literal_fast_path_matches_the_interpreter(data: Any, expected: Any) -> None:
    from policy_platform.engines.kyverno import jmespath_dialect as jd

    expression = "request.operation || 'BACKGROUND'"
    assert jd.search(expression, data) == expected
    slow = jd._INTERPRETER.visit(jd.compile_expression(expression), data)
    assert slow == expected and type(slow) is type(expected)
