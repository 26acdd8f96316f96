"""Precompiled ``{{ }}`` substitution and condition blocks against the generic (re-scanning, uncompiled) paths."""

from __future__ import annotations

from typing import Any

import pytest

from policy_platform.engines.kyverno import conditions as cond_mod
from policy_platform.engines.kyverno import variables as var_mod

CONTEXTS: list[Any] = [
    {
        "request": {
            "operation": "CREATE",
            "object": {"metadata": {"name": "web", "labels": {"app": "a"}}, "spec": {"n": 3, "ok": True}},
            "oldObject": {"metadata": {"name": "old"}},
        },
        "s": "plain",
        "empty": "",
        "brace": "x{y",
        "close": "y}",
        "bslash": "a\\",
        "var": "{{s}}",
        "esc": "\\{{s}}",
        "obj": {"k": [1, "two"]},
        "lst": ["a", "b"],
        "num": 2.0,
        "big": 12345678901234567890,
        "null": None,
        "t": True,
        "dash": "-x",
        "target": {"spec": {"x": 1}},
    },
    {"request": {"operation": "DELETE", "object": None, "oldObject": {"metadata": {"name": "gone"}}}},
    {"request": {"operation": "UPDATE"}},
    {},
]

TEXTS = [
    "no variables",
    "{{s}}",
    "{{ s }}",
    "{{request.object.metadata.name}}",
    "name={{request.object.metadata.name}}",
    "{{request.object.metadata.name}}-{{s}}",
    "{{s}}{{s}}",
    "{{empty}}{{s}}",
    "{{empty}}{{num}}",
    "{{empty}}{{empty}}",
    "a{{empty}}{{num}}",
    "{{empty}}{{num}}b",
    "x {{num}} {{t}} {{null}} {{lst}} {{obj}} {{big}}",
    "pre {{brace}} {{s}}",
    "pre {{close}} {{s}}",
    "pre {{bslash}}{{s}}",
    "pre {{var}} post",
    "pre {{esc}} post",
    "{{var}}",
    "{{esc}}",
    "x \\{{s}} y",
    "\\{{s}}",
    "x {{ {{s}} }} y",
    "{{ {{s}} }}",
    "{{ to_upper('{{s}}') }}",
    "{{ to_upper('{{empty}}') }}",
    "{{ to_upper('{{brace}}') }}",
    "{{ to_upper('{{bslash}}') }}",
    "{{ to_upper('{{dash}}') }}",
    "{{{{dash}}}}",
    "{{{{s}}{{s}}}}",
    "{{{{empty}}{{s}}}}",
    "{{ regex_match('^p.*$', '{{s}}') }}",
    "{{ regex_match('^p.*$', '{{missing}}') }}",
    "{{ lookup(obj, '{{s}}') }}",
    "{{ [ '{{s}}', '{{num}}' ] }}",
    "{{ '{{var}}' }}",
    "{{ '{{ request.object.metadata.name }}' }}-{{s}}",
    "{{ x{{s}} }}",
    "{{ '{{s}}' }",
    "{{- '{{s}}' }}",
    "{{ '{{- s}}' }}",
    "{{ '\\{{s}}' }}",
    "x {{missing}} y",
    "x {{missing.deep}} y",
    "{{missing}}",
    "x {{ length(lst) }} y",
    "x {{ to_boolean('yes') }} y",
    "{{ to_boolean(s) }}",
    "{{ length(`1`) }}",
    "{{ divide(`1`, `0`) }}",
    "{{ bogus(s) }}",
    "{{ request.object.metadata.name }} {{ length(`1`) }}",
    "x {{ a[ }} y",
    "{{ a[ }}",
    "x {{- s}} y",
    "{{- s}}",
    "{{- var}} and {{var}}",
    "x {{ {a: s} }} y",
    "x {{ lst | [0] }} {",
    "x } {{s}}",
    "x {{@}} y",
    "{{@}}",
    "{{ request.object.metadata.name }} on {{request.operation}}",
    "{{ dash }}",
    "{{s}" + "}",
    "{{ s",
    "unclosed }} {{s}}",
    "\ue002 {{s}}",
    "\ue000 {{s}} \ue001",
    " ".join(["{{s}}"] * 62),
    " ".join(["{{s}}"] * 63),
    " ".join(["{{s}}"] * 64),
    " ".join(["{{s}}"] * 65),
]


def _reference(text: str, context: Any, path: tuple[str, ...]) -> Any:
    """substitute_string as it was: whole variable resolved directly, anything else through the re-scanning loop."""
    if "{{" not in text:
        return text
    body = var_mod._whole_variable(text)
    if body is not None:
        return var_mod._resolve(body, context, path)
    return var_mod._substitute_rescanning(text, context, path)


def _outcome(fn: Any, *args: Any) -> tuple[str, Any]:
    try:
        value = fn(*args)
    except Exception as exc:  # the error class and text are the outcome under test
        return (type(exc).__name__, str(exc))
    return ("ok", repr(value))


@pytest.mark.parametrize("text", TEXTS)
def test_substitute_string_equals_the_rescanning_loop(text: str) -> None:
    for context in CONTEXTS:
        for path in [(), ("spec", "containers", "0", "image")]:
            expected = _outcome(_reference, text, context, path)
            assert _outcome(var_mod.substitute_string, text, context, path) == expected, (text, context)


def test_substitute_all_documents() -> None:
    doc = {
        "a": ["{{s}}", {"{{s}}": "k", "plain": 1}, 2],
        "b": {"c": "no"},
        "d": "{{obj}}",
        "{{num}}": "x",
    }
    out = var_mod.substitute_all(doc, CONTEXTS[0])
    assert out == {"a": ["plain", {"plain": 1}, 2], "b": {"c": "no"}, "d": {"k": [1, "two"]}, "2": "x"}
    assert out["b"] is doc["b"]  # a subtree without variables is kept as is
    same = {"x": [1, {"y": "z"}]}
    assert var_mod.substitute_all(same, {}) is same
    assert var_mod.substitute_all({1: "{{s}}", None: "v"}, CONTEXTS[0]) == {"1": "plain", "null": "v"}
    keep = {1: "no"}
    assert var_mod.substitute_all(keep, {}) is keep
    mixed = {"{{s}}": "a", "b": ["{{num}}", 1], 1: "{{s}}"}
    assert var_mod.substitute_all(mixed, CONTEXTS[0]) == {"plain": "a", "b": [2.0, 1], "1": "plain"}
    assert var_mod.substitute_all([{"k": 1}, "x", None, ["{{t}}"]], CONTEXTS[0]) == [{"k": 1}, "x", None, [True]]


CONDITIONS: list[Any] = [
    {"key": "{{request.operation}}", "operator": "Equals", "value": "CREATE"},
    {"key": "{{request.operation}}", "operator": "equals", "value": "DELETE", "message": "op is {{request.operation}}"},
    {"key": "{{ request.object.spec.n }}", "operator": "GreaterThan", "value": 2, "message": "n > 2"},
    {"key": "{{ request.object.spec.n }}", "operator": "LessThan", "value": "{{ num }}"},
    {"key": ["{{s}}", "b"], "operator": "AnyIn", "value": ["b", "c"]},
    {"key": "{{ lst }}", "operator": "AllIn", "value": ["a", "b"]},
    {"key": "{{ lst }}", "operator": "AnyNotIn", "value": "{{ lst }}"},
    {"key": "{{ missing }}", "operator": "Equals", "value": "x"},
    {"key": "x", "operator": "Bogus", "value": "x"},
    {"key": "x", "operator": None, "value": "x"},
    "not a mapping",
    {"key": "{{ t }}", "operator": "Equals", "value": True, "message": "{{ missing }}"},
    {"key": "{{ t }}", "operator": "Equals", "value": True, "message": 7},
    {"key": "{{ obj }}", "operator": "Equals", "value": {"k": [1, "two"]}, "message": "{{ obj }}"},
    {"key": [1, 2], "operator": "In", "value": [1, 2]},
    {"key": "a", "operator": "NotIn", "value": ["b"]},
    {"operator": "Equals"},
    {"key": "{{ s }}", "operator": "Equals", "value": "pl*", "message": ""},
]


def _blocks() -> list[Any]:
    blocks: list[Any] = [None, [], {}, {"any": []}, {"any": None}, {"all": []}, "bad", 5, {"any": 5}, {"all": 5}]
    for i, c in enumerate(CONDITIONS):
        other = CONDITIONS[(i * 7 + 3) % len(CONDITIONS)]
        blocks.append([c])
        blocks.append([c, other])
        blocks.append({"any": [c, other]})
        blocks.append({"all": [other, c]})
        blocks.append({"any": [c], "all": [other]})
        blocks.append({"any": "xy", "all": [c]})
        blocks.append({"any": {"key": "x"}})
    return blocks


@pytest.mark.parametrize("block", _blocks())
def test_compiled_blocks_equal_the_generic_path(block: Any) -> None:
    for context in CONTEXTS:
        for _ in range(2):  # the second evaluation runs the cached plan
            assert _outcome(cond_mod.evaluate_conditions, block, context) == _outcome(
                cond_mod.evaluate_conditions_generic, block, context
            )


# --- operators -------------------------------------------------------------------------------------------------------

OPERANDS: list[Any] = [
    None,
    True,
    False,
    0,
    1,
    3,
    2.5,
    "",
    "a",
    "b",
    "a*",
    "*",
    "?",
    "*b",
    "x?z",
    "xyz",
    "CREATE",
    "1Gi",
    "1024Mi",
    "1h",
    "3600",
    "5555",
    "5000-6000",
    "5000!-6000",
    '["a", "b"]',
    '["a", 1]',
    "[",
    [],
    ["a"],
    ["a", "b"],
    ["a*", "c"],
    ["*"],
    ["x?z", "q"],
    [5555, 80],
    [1, "a", None, True, 2.5],
    ["CREATE", "UPDATE"],
    [["a"]],
    {"a": 1},
    {"a": 1.0},
]


def _reference_in_counts(key: Any, value: Any) -> tuple[int, int] | None:
    """The In-family count as it was before the value index (pairwise wildcard matching)."""
    from policy_platform.engines.kyverno import operators as ops

    keys = ops._key_strings(key)
    if keys is None:
        return None
    scalar = not isinstance(key, list)
    if isinstance(value, str):
        m = ops._RANGE.match(value)
        if m:
            low, high = float(m.group(1)), float(m.group(3))
            found = 0
            for k in keys:
                try:
                    inside = low <= float(k) <= high
                except ValueError:
                    continue
                if inside != bool(m.group(2)):
                    found += 1
            return found, len(keys)
    if not keys:
        return 0, 0
    values, direct = ops._value_strings(keys, scalar, value)
    if values is None:
        return None
    if direct:
        return 1, 1
    found = 0
    for k in keys:
        if scalar and isinstance(value, str):
            if any(k == v for v in values):
                found += 1
        elif any(ops._both(k, v) for v in values):
            found += 1
    return found, len(keys)


OPERATOR_NAMES = [
    "Equals",
    "NotEquals",
    "AnyIn",
    "AllIn",
    "AnyNotIn",
    "AllNotIn",
    "In",
    "NotIn",
    "GreaterThan",
    "GreaterThanOrEquals",
    "LessThan",
    "LessThanOrEquals",
    "DurationGreaterThan",
    "DurationLessThanOrEquals",
]


@pytest.mark.parametrize("name", OPERATOR_NAMES)
def test_operator_bound_to_a_value_equals_the_operator(name: str) -> None:
    from policy_platform.engines.kyverno import operators as ops

    op = ops.get_operator(name)
    for value in OPERANDS:
        bound = ops.bind_value(op, value)
        for key in OPERANDS:
            assert _outcome(bound, key) == _outcome(op, key, value), (key, value)


def test_in_counts_equal_the_pairwise_reference() -> None:
    from policy_platform.engines.kyverno import operators as ops

    for value in OPERANDS:
        for key in OPERANDS:
            assert ops._in_counts(key, value) == _reference_in_counts(key, value), (key, value)


ORDER_OPERANDS: list[Any] = [
    *OPERANDS,
    float("nan"),
    float("inf"),
    "inf",
    "nan",
    "-Infinity",
    "4",
    "4s",
    "0",
    "0s",
    "1m30s",
    10**30,
    -0.0,
    0.1,
    "1e3",
    " 4 ",
    "1_000",
    "1.10.0",
    "v1.9.0",
    "2Gi",
    "500m",
    "x" * 600,
    "x" * 599 + "y",
    "x*",
    "1" * 300,
]


def test_order_fast_paths_equal_the_general_order() -> None:
    from policy_platform.engines.kyverno import operators as ops

    for value in ORDER_OPERANDS:
        for key in ORDER_OPERANDS:
            assert _outcome(ops._order, key, value) == _outcome(ops._general_order, key, value), (key, value)


def test_memoised_string_equality_equals_the_direct_one() -> None:
    from policy_platform.engines.kyverno import operators as ops

    strings = [v for v in ORDER_OPERANDS if isinstance(v, str)]
    for value in strings:
        for key in strings:
            assert ops.equals(key, value) is bool(ops._string_equal(key, value)), (key, value)
            assert ops.not_equals(key, value) is ops._string_not_equal(key, value), (key, value)


def test_shared_operands_are_pure_whole_variables_used_twice() -> None:
    block = [
        {"key": "{{ a }}", "operator": "Equals", "value": "x"},
        {"key": "{{ a }}", "operator": "Equals", "value": "{{ b }}"},
        {"key": "{{ time_now_utc() }}", "operator": "Equals", "value": "{{ time_now_utc() }}"},
        {"key": "x {{ c }}", "operator": "Equals", "value": "x {{ c }}"},
        {"key": "{{ b }}", "operator": "Equals", "value": "{{@}}"},
        {"key": "{{@}}", "operator": "Equals", "value": "y"},
    ]
    assert cond_mod._shared_operands(block) == frozenset({"{{ a }}", "{{ b }}"})


class _CountingContext(dict[str, Any]):
    reads = 0

    def __getitem__(self, key: str) -> Any:
        type(self).reads += 1
        return super().__getitem__(key)


def test_a_shared_operand_is_substituted_once_per_evaluation() -> None:
    block = {
        "all": [
            {"key": "{{ lst }}", "operator": "AnyIn", "value": ["a"]},
            {"key": "{{ lst }}", "operator": "AllIn", "value": ["a", "b"]},
        ]
    }
    context = _CountingContext(lst=["a", "b"])
    _CountingContext.reads = 0
    assert cond_mod.evaluate_conditions(block, context) == (True, [])
    assert _CountingContext.reads == 1
    assert cond_mod.evaluate_conditions(block, context) == (True, [])
    assert _CountingContext.reads == 2  # once per evaluation, not across evaluations
    assert cond_mod.evaluate_conditions(block, {"lst": ["z"]}) == (False, [])
