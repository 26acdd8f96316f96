"""Core functions, one table: (function, options, document, expected (path, message) pairs).

Each row runs a one-rule ruleset (``given: $``, optional ``field``) through :func:`lint_data`, as Spectral's own
function tests do, and asserts the exact paths and messages.
"""

from __future__ import annotations

from typing import Any

import pytest

from policy_platform.engines.spectral import lint_data
from policy_platform.engines.spectral.ruleset import load_ruleset_data

Row = tuple[str, Any, str | None, Any, list[tuple[tuple[str | int, ...], str]]]

ROWS: list[Row] = [
    # truthy / falsy: JavaScript truthiness
    ("truthy", None, "replicas", {"replicas": 0}, [(("replicas",), '"replicas" property must be truthy')]),
    ("truthy", None, "tag", {"tag": ""}, [(("tag",), '"tag" property must be truthy')]),
    ("truthy", None, "x", {"x": "0"}, []),
    ("truthy", None, "x", {"x": []}, []),
    ("truthy", None, "x", {"x": {}}, []),
    ("truthy", None, "name", {"other": 1}, [((), '"name" property must be truthy')]),
    ("truthy", None, "a.b", {"a": {}}, [(("a",), '"a.b" property must be truthy')]),
    ("falsy", None, "debug", {"debug": "false"}, [(("debug",), '"debug" property must be falsy')]),
    ("falsy", None, "debug", {"debug": False}, []),
    ("falsy", None, "debug", {}, []),
    # defined / undefined: null is defined
    ("defined", None, "x", {"x": None}, []),
    ("defined", None, "x", {}, [((), '"x" property must be defined')]),
    ("undefined", None, "x", {"x": None}, [(("x",), '"x" property must be undefined')]),
    ("undefined", None, "x", {}, []),
    # pattern: JS regex on RE2, non-strings ignored
    ("pattern", {"match": "^[a-z]+$"}, "n", {"n": "Web"}, [(("n",), '"Web" must match the pattern "^[a-z]+$"')]),
    ("pattern", {"match": "^[a-z]+$"}, "n", {"n": 12}, []),
    ("pattern", {"notMatch": "/^latest$/i"}, "t", {"t": "LATEST"},
     [(("t",), '"LATEST" must not match the pattern "/^latest$/i"')]),
    ("pattern", {"match": "^\\d+$"}, "p", {"p": "12\n"}, [(("p",), '"12\\n" must match the pattern "^\\\\d+$"')]),
    ("pattern", {"match": "^(?<a>x)$"}, "p", {"p": "x"}, []),
    # enumeration: strict equality
    ("enumeration", {"values": [1, 3]}, "r", {"r": "3"},
     [(("r",), '"3" must be equal to one of the allowed values: 1, 3')]),
    ("enumeration", {"values": [1, 3]}, "r", {"r": 3.0}, []),
    ("enumeration", {"values": [True]}, "r", {"r": 1},
     [(("r",), "1 must be equal to one of the allowed values: true")]),
    ("enumeration", {"values": ["a"]}, "r", {"r": {"a": 1}}, []),
    # length: strings in UTF-16 units, arrays, objects, numbers
    ("length", {"max": 2}, "s", {"s": "\U0001F680"}, []),
    ("length", {"max": 1}, "s", {"s": "\U0001F680"}, [(("s",), '"s" property must be shorter than 1')]),
    ("length", {"min": 1}, "l", {"l": []}, [(("l",), '"l" property must be longer than 1')]),
    ("length", {"max": 1}, "o", {"o": {"a": 1, "b": 2}}, [(("o",), '"o" property must be shorter than 1')]),
    ("length", {"max": 3}, "n", {"n": 5}, [(("n",), '"n" property must be shorter than 3')]),
    ("length", {"max": 0}, "n", {"n": True}, []),
    # casing
    ("casing", {"type": "kebab"}, "@key", {"ok-key": 1, "Bad_Key": 2}, [(("Bad_Key",), "must be kebab case")]),
    ("casing", {"type": "snake"}, "k", {"k": "a_b_1"}, []),
    ("casing", {"type": "snake", "disallowDigits": True}, "k", {"k": "a_b_1"}, [(("k",), "must be snake case")]),
    ("casing", {"type": "camel"}, "k", {"k": ""}, []),
    ("casing", {"type": "macro", "separator": {"char": "."}}, "k", {"k": "A_B.C"}, []),
    ("casing", {"type": "pascal", "separator": {"char": "/", "allowLeading": True}}, "k", {"k": "/"}, []),
    # alphabetical
    ("alphabetical", None, "m", {"m": {"b": 1, "a": 2}}, [(("m", "b"), '"b" must be placed after "a"')]),
    ("alphabetical", None, "l", {"l": ["b", "A", "c"]}, [(("l", 0), '"b" must be placed after "A"')]),
    ("alphabetical", None, "l", {"l": [3, 10, 2]}, [(("l", 1), "10 must be placed after 2")]),
    ("alphabetical", {"keyedBy": "name"}, "l", {"l": [{"name": "b"}, {"name": "a"}]},
     [(("l",), "properties must follow the alphabetical order")]),
    ("alphabetical", {"keyedBy": "name"}, "l", {"l": ["x", "y"]}, [(("l",), '"l" property must be an object')]),
    ("alphabetical", None, "l", {"l": [True, False]},
     [(("l",), '"l" property must be one of the allowed types: number, string')]),
    # schema
    ("schema", {"schema": {"type": "integer", "maximum": 10}}, "replicas", {"replicas": 20},
     [(("replicas",), '"replicas" property must be <= 10')]),
    ("schema", {"schema": {"type": "integer"}}, "replicas", {"replicas": "3"},
     [(("replicas",), '"replicas" property type must be integer')]),
    ("schema", {"schema": {"type": "object", "required": ["y"]}}, None, {"x": 1},
     [((), 'Object must have required property "y"')]),
    ("schema", {"schema": {"type": "object"}}, "missing", {}, [((), '"missing" property must exist')]),
    ("schema", {"schema": {"items": {"type": "string"}}, "allErrors": True}, "l", {"l": ["a", 1, 2]},
     [(("l", 1), "Item at index 1 must be string"), (("l", 2), "Item at index 2 must be string")]),
    ("schema", {"schema": {"enum": ["Always", "Never"]}}, "p", {"p": "Alway"},
     [(("p",), '"p" property must be equal to one of the allowed values: "Always", "Never". Did you mean "Always"?')]),
    ("schema", {"schema": {"$schema": "http://json-schema.org/draft-04/schema#", "maximum": 3,
                           "exclusiveMaximum": True}}, "n", {"n": 3}, [(("n",), '"n" property must be < 3')]),
    ("schema", {"schema": {"properties": {"a": {"type": "string"}}, "additionalProperties": False}}, "o",
     {"o": {"a": "x", "b": 1}}, [(("o",), 'Property "b" is not expected to be here')]),
    # xor / or
    ("xor", {"properties": ["a", "b"]}, "o", {"o": {"c": 1}}, [(("o",), 'At least one of "a" or "b" must be defined')]),
    ("xor", {"properties": ["a", "b"]}, "o", {"o": {"a": 1, "b": 2}},
     [(("o",), 'Just one of "a" and "b" must be defined')]),
    ("xor", {"properties": ["a", "b"]}, "o", {"o": {"b": None}}, []),
    ("or", {"properties": ["a", "b"]}, "o", {"o": {"c": 1}}, [(("o",), 'At least one of "a" or "b" must be defined')]),
    ("or", {"properties": ["a", "b", "c", "d", "e"]}, "o", {"o": {}},
     [(("o",), 'At least one of "a" or "b" or "c" or 2 other properties must be defined')]),
    ("or", {"properties": ["a", "b"]}, "o", {"o": {"a": 1}}, []),
    # typedEnum
    ("typedEnum", None, "s", {"s": {"type": "integer", "enum": [1, "two", 3]}},
     [(("s", "enum", 1), 'Enum value "two" must be "integer".')]),
]


@pytest.mark.parametrize(("function", "options", "field", "document", "expected"), ROWS,
                         ids=[f"{i}-{r[0]}" for i, r in enumerate(ROWS)])
def test_function(function: str, options: Any, field: str | None, document: Any,
                  expected: list[tuple[tuple[str | int, ...], str]]) -> None:
    then: dict[str, Any] = {"function": function}
    if options is not None:
        then["functionOptions"] = options
    if field is not None:
        then["field"] = field
    ruleset = load_ruleset_data({"rules": {"r": {"given": "$", "then": then}}})
    results = lint_data(ruleset, document, source="doc.yaml")
    assert [(r.path, r.message) for r in results] == expected
    assert all(r.code == "r" and r.severity == 1 for r in results)


def test_schema_patterns_are_javascript_on_re2() -> None:
    schema = {
        "properties": {"a": {"pattern": "^\\d+$"}},
        "patternProperties": {"^x-": {"type": "string"}},
        "additionalProperties": False,
    }
    ruleset = load_ruleset_data({"rules": {"r": {"given": "$", "then": {
        "function": "schema", "functionOptions": {"schema": schema, "allErrors": True}}}}})
    results = lint_data(ruleset, {"a": "12\n", "x-a": 1, "b": 2}, source="doc.yaml")
    assert [(r.path, r.message) for r in results] == [
        ((), 'Property "b" is not expected to be here'),
        (("a",), '"a" property must match pattern "^\\d+$"'),
        (("x-a",), '"x-a" property type must be string'),
    ]


def test_casing_is_linear_time() -> None:
    ruleset = load_ruleset_data({"rules": {"r": {"given": "$.k", "then": {
        "function": "casing", "functionOptions": {"type": "camel"}}}}})
    results = lint_data(ruleset, {"k": "a" + "1" * 5000 + "!"}, source="doc.yaml")
    assert [r.message for r in results] == ["must be camel case"]


@pytest.mark.parametrize(
    ("schema", "value", "expected"),
    [
        # ported from the semantics of Spectral's schema function tests (messages in today's double-quote style)
        ({"$schema": "http://json-schema.org/draft-04/schema#", "type": "number", "maximum": 2,
          "exclusiveMaximum": True}, 2, [((), "Number must be < 2")]),
        ({"$schema": "http://json-schema.org/draft-06/schema#", "type": "string"}, 2,
         [((), "Value type must be string")]),
        ({"type": "number"}, "", [((), "Value type must be number")]),
        ({"type": "string"}, None, [((), "Value type must be string")]),
        ({"type": "string", "format": "ISO-3166-1 alpha-2"}, "x", []),
        ({"type": "array", "items": {"type": "string"}, "maxItems": 1}, ["1", "2"],
         [((), "Object must not have more than 1 items")]),
        ({"type": "object", "properties": {"foo": {"type": "object", "properties": {"bar": {"type": "string"}},
                                                   "additionalProperties": False}}},
         {"abc": "s", "foo": {"bar": 0}}, [(("foo", "bar"), '"bar" property type must be string')]),
        ({"type": "object", "properties": {"foo": {"type": "object", "additionalProperties": False}}},
         {"foo": {"baz": "t"}}, [(("foo",), 'Property "baz" is not expected to be here')]),
        ({"type": "string", "format": "email"}, "not an email", [((), 'String must match format "email"')]),
        ({"type": "string", "format": "email"}, "email@example.com", []),
        ({"type": "number", "format": "int32"}, 123, []),
        ({"type": ["string", "number"], "format": "int32"}, 2**40, [((), 'Number must match format "int32"')]),
        ({"type": ["string", "number"], "format": "byte"}, "3", [((), 'String must match format "byte"')]),
        ({"type": ["string", "number"], "format": "byte"}, "MIT3", []),
        ({"type": ["string", "number"], "format": "int64"}, 2**40, []),
        ({"type": "string", "enum": ["foo", "bar"]}, "baz",
         [((), 'String must be equal to one of the allowed values: "foo", "bar". Did you mean "bar"?')]),
        ({"type": "string", "enum": ["foo", "bar"]}, 2, [((), "Value type must be string")]),
        ({"type": "integer", "enum": [1, 3, 5, 10, 12]}, 2,
         [((), "Number must be equal to one of the allowed values: 1, 3, 5, 10, 12")]),
        ({"enum": [1, None]}, "baz", [((), "String must be equal to one of the allowed values: 1, null")]),
        ({"type": "string", "enum": ["foo", "bar"]}, "three",
         [((), 'String must be equal to one of the allowed values: "foo", "bar"')]),
        ({"additionalProperties": False}, {"foo": True}, [((), 'Property "foo" is not expected to be here')]),
        ({"$ref": "#/bar"}, {}, []),
    ],
)
def test_schema_messages(schema: dict[str, Any], value: Any, expected: list[tuple[tuple[str, ...], str]]) -> None:
    ruleset = load_ruleset_data({"rules": {"r": {"given": "$", "then": {
        "function": "schema", "functionOptions": {"schema": schema}}}}})
    assert [(r.path, r.message) for r in lint_data(ruleset, value, source="doc.yaml")] == expected


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (2, '"schema" function has invalid options specified. Example valid options: { "schema": { /* any JSON '
            'Schema can be defined here */ } , { "schema": { "type": "object" }, "dialect": "auto" }'),
        ({"schema": {"type": "object"}, "foo": True}, '"schema" function does not support "foo" option'),
        ({"schema": {"type": "object"}, "dialect": "foo"},
         '"schema" function and its "dialect" option accepts only the following values: "auto", "draft4", "draft6", '
         '"draft7", "draft2019-09", "draft2020-12"'),
        ({"schema": {"type": "object"}, "allErrors": None},
         '"schema" function and its "allErrors" option accepts only the following types: boolean'),
        ({"schema": None}, '"schema" function and its "schema" option accepts only the following types: object'),
        ({"min": "1"}, '"length" function and its "min" option accepts only the following types: number'),
    ],
)
def test_option_errors(options: Any, message: str) -> None:
    from policy_platform.engines.spectral.ruleset import RulesetError

    function = "length" if isinstance(options, dict) and "min" in options else "schema"
    with pytest.raises(RulesetError) as info:
        load_ruleset_data({"rules": {"r": {"given": "$", "then": {"function": function, "functionOptions": options}}}})
    assert info.value.issues[0].message == message


@pytest.mark.parametrize(
    ("options", "value", "messages"),
    [
        ({"match": "[abc]+"}, "abc", []),
        ({"match": "/[abc]+/"}, "abc", []),
        ({"match": "/[abc]+/im"}, "aBc", []),
        ({"match": "/[abc]+/gi"}, "abc", []),
        ({"notMatch": "/[abc]+/i"}, "def", []),
        ({"match": "a/b"}, "xa/by", []),
        ({"match": "/a/b/"}, "a/b", []),
    ],
)
def test_pattern_slashes_and_flags(options: dict[str, str], value: str, messages: list[str]) -> None:
    ruleset = load_ruleset_data({"rules": {"r": {"given": "$", "then": {
        "function": "pattern", "functionOptions": options}}}})
    assert [r.message for r in lint_data(ruleset, value, source="doc.yaml")] == messages


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"match": "/[abc]+/invalid"},
         "\"pattern\" function and its \"match\" option: Invalid flags supplied to RegExp constructor 'invalid'"),
        ({}, '"pattern" function has invalid options specified. Example valid options: { "match": "^Stoplight" }, '
             '{ "notMatch": "Swagger" }, { "match": "Stoplight", "notMatch": "Swagger" }'),
        ({"foo": True}, '"pattern" function does not support "foo" option'),
        ({"match": 2}, '"pattern" function and its "match" option must be string or RegExp instance'),
        ({"notMatch": None}, '"pattern" function and its "notMatch" option must be string or RegExp instance'),
        ({"match": "(a)\\1"}, '"pattern" function and its "match" option: regular expression /(a)\\1/ uses a '
                              "backreference, which RE2 does not support"),
    ],
)
def test_pattern_option_errors(options: dict[str, Any], message: str) -> None:
    from policy_platform.engines.spectral.ruleset import RulesetError

    with pytest.raises(RulesetError) as info:
        load_ruleset_data({"rules": {"r": {"given": "$", "then": {"function": "pattern", "functionOptions": options}}}})
    assert info.value.issues[0].message == message


@pytest.mark.parametrize(
    ("options", "value", "expected"),
    [
        (None, False, []),
        (None, ["a"], []),
        (None, {"c": 2, "b": "xz"}, [(("c",), '"c" must be placed after "b"')]),
        (None, {"400": {}, "200": {}}, [(("400",), '"400" must be placed after "200"')]),
        (None, ["b", "a"], [((0,), '"b" must be placed after "a"')]),
        (None, ["a", "ab"], []),
        (None, [10, 1], [((0,), "10 must be placed after 1")]),
        (None, [{"a": "10"}, {"b": "1"}], [((), "The document must be one of the allowed types: number, string")]),
        (None, [False, "a", None], [((), "The document must be one of the allowed types: number, string")]),
        ({"keyedBy": "a"}, [{"a": "10"}, {"a": "1"}], [((), "properties must follow the alphabetical order")]),
        ({"keyedBy": "a"}, [{"a": "1"}, {"a": "2"}, {"a": "2"}], []),
        ({"keyedBy": "a"}, [100, 1], [((), "The document must be an object")]),
    ],
)
def test_alphabetical_on_the_document(options: Any, value: Any, expected: list[tuple[tuple[Any, ...], str]]) -> None:
    then: dict[str, Any] = {"function": "alphabetical"}
    if options is not None:
        then["functionOptions"] = options
    ruleset = load_ruleset_data({"rules": {"r": {"given": "$", "then": then}}})
    assert [(r.path, r.message) for r in lint_data(ruleset, value, source="doc.yaml")] == expected


def test_unreferenced_reusable_object() -> None:
    ruleset = load_ruleset_data({"rules": {"r": {"given": "$.defs", "then": {
        "function": "unreferencedReusableObject", "functionOptions": {"reusableObjectsLocation": "#/defs"}}}}})
    document = {"defs": {"used": {}, "a/b": {}, "orphan": {}},
                "items": [{"$ref": "#/defs/used"}, {"x": {"$ref": "#/defs/a~1b"}}]}
    results = lint_data(ruleset, document, source="doc.yaml")
    assert [(r.path, r.message) for r in results] == [
        (("defs", "orphan"), "Potential orphaned reusable object has been detected")]


@pytest.mark.parametrize(
    ("schema", "value", "expected"),
    [
        # better-ajv-errors pruning with allErrors: the last `required` error of an object wins over everything below
        ({"type": "object", "required": ["a", "b"], "properties": {"c": {"type": "string"}}}, {"c": 1},
         [((), 'Object must have required property "b"')]),
        # an enum error is dropped when a sibling has errors
        ({"properties": {"x": {"enum": ["a", "b"]}, "y": {"type": "string"}}}, {"x": "c", "y": 1},
         [(("y",), '"y" property type must be string')]),
        # one result per unexpected property
        ({"additionalProperties": False}, {"a": 1, "b": 2},
         [((), 'Property "a" is not expected to be here'), ((), 'Property "b" is not expected to be here')]),
        # anyOf: the branch failures are reported, the anyOf error itself is dropped when they are deeper
        ({"anyOf": [{"properties": {"a": {"type": "string"}}}, {"properties": {"a": {"type": "number"}}}]},
         {"a": True},
         [(("a",), '"a" property type must be string'), (("a",), '"a" property type must be number')]),
    ],
)
def test_schema_all_errors_pruning(schema: dict[str, Any], value: Any,
                                   expected: list[tuple[tuple[str, ...], str]]) -> None:
    ruleset = load_ruleset_data({"rules": {"r": {"given": "$", "then": {
        "function": "schema", "functionOptions": {"schema": schema, "allErrors": True}}}}})
    assert [(r.path, r.message) for r in lint_data(ruleset, value, source="doc.yaml")] == expected
