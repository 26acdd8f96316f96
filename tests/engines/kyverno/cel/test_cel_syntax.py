"""The optional-syntax rewriter: parse, rewrite, and evaluate the result on the real engine against cel-go semantics."""

from __future__ import annotations

from typing import Any

import pytest

from policy_platform.engines.kyverno.cel import CelSyntaxError, rewrite_optional
from policy_platform.engines.kyverno.cel._program import _cel
from policy_platform.engines.kyverno.cel._syntax import parse, rewrite, tokenize, uses_optional_syntax

OBJ: dict[str, Any] = {
    "object": {
        "metadata": {"name": "web", "labels": {"app": "web", "a.b/c": "v"}, "annotations": None},
        "spec": {
            "containers": [
                {"name": "a", "securityContext": {"runAsNonRoot": True}},
                {"name": "b", "volumeMounts": [{"name": "m", "readOnly": True}]},
            ],
            "list": [10, 20],
            "nested": {"empty": {}, "nothing": None},
        },
    }
}


def run(expr: str) -> Any:
    return _cel().evaluate(rewrite_optional(expr), OBJ)


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        # select on a value, chains, defaults
        ("object.?spec.?list.orValue([])", [10, 20]),
        ("object.?status.?phase.orValue('none')", "none"),
        ("object.spec.?initContainers.orValue([])", []),
        ("object.spec.?nested.?nothing.orValue('d')", None),  # present but null: a value, as in cel-go
        ("object.spec.?nested.?empty.?x.orValue(1)", 1),
        # optional index on maps (string keys) and lists (int keys)
        ("object.metadata.?labels[?'a.b/c'].orValue('')", "v"),
        ("object.metadata.?labels[?'missing'].orValue('d')", "d"),
        ("object.spec.list[?1].orValue(0)", 20),
        ("object.spec.list[?2].orValue(0)", 0),
        ("object.spec.list[?-1].orValue(0)", 0),
        # hasValue / value
        ("object.metadata.?labels.?app.hasValue()", True),
        ("!object.metadata.?labels.?team.hasValue()", True),
        ("object.metadata.?labels.?app.value()", "web"),
        # in comprehensions, over comprehension variables
        ("object.spec.containers.all(c, c.?securityContext.?runAsNonRoot.orValue(false))", False),
        ("object.spec.containers.exists(c, c.?securityContext.?runAsNonRoot.orValue(false))", True),
        ("object.spec.containers.map(c, c.?volumeMounts.orValue([]).size())", [0, 1]),
        # optional values compared with real ones
        ("object.?spec.?list == optional.of([10, 20])", True),
        ("object.?nope == optional.none()", True),
        # a plain field after an optional selection applies to the present value
        ("object.?spec.list.orValue([])", [10, 20]),
        ("object.?missing.list.orValue(7)", 7),
        # optMap / optFlatMap macros
        ("object.?spec.optMap(s, s.list.size()).orValue(0)", 2),
        ("object.?missing.optMap(s, 1).orValue(0)", 0),
        ("object.?spec.optFlatMap(s, s.?list).orValue([])", [10, 20]),
        # cel-go returns a receiver of orValue/or that is not optional unchanged
        ("object.spec.containers[1].volumeMounts.orValue([]).size()", 1),
        ("object.spec.containers.all(c, c.?volumeMounts.orValue([]).all(m, m.readOnly))", True),
        # precedence survives the rewrite
        ("object.?spec.?list.orValue([]).size() + 1 * 2 == 4", True),
        ("(object.?x.orValue(1) > 0) ? 'yes' : 'no'", "yes"),
        ("-object.spec.?list.orValue([5])[0]", -10),
        ("object.metadata.?labels.orValue({}).exists(k, k.startsWith('a'))", True),
        # cel.bind (Bindings extension)
        ("cel.bind(cs, object.spec.containers, cs.size() == 2 && cs[0].name == 'a')", True),
        ("cel.bind(n, object.spec.?list.orValue([]).size(), n * n)", 4),
    ],
)
def test_rewritten_expression_evaluates_like_cel_go(expr: str, expected: Any) -> None:
    assert uses_optional_syntax(expr)
    assert run(expr) == expected


def test_missing_field_after_present_optional_is_an_error_like_cel_go() -> None:
    with pytest.raises(KeyError):
        run("object.?spec.nope.orValue(3)")


def test_value_of_none_is_an_error() -> None:
    with pytest.raises(RuntimeError, match=r"optional.none\(\) dereference"):
        run("object.?missing.value()")


@pytest.mark.parametrize(
    "expr",
    [
        "object.spec.containers.all(c, has(c.name))",
        "'a.?b' + \"[?x]\"",  # inside strings: not optional syntax
        "object.spec.list[0] > 1 ? 'x' : 'y'",
    ],
)
def test_sources_without_optional_syntax_are_left_unchanged(expr: str) -> None:
    assert not uses_optional_syntax(expr)
    assert rewrite_optional(expr) == expr


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("[?object.x]", "unsupported syntax: optional list element"),
        ("{?'a': object.?x}", "unsupported syntax: optional map entry"),
        ("has(object.?spec.list)", "unsupported syntax: has() over an optional field selection"),
        ("object.?spec.?list[?object.?x]", "unsupported syntax: an optional value used as an index"),
        ("object.?spec.?(x)", "expected a field name"),
        ("object.?spec.orValue(", "unexpected end of expression at column 22"),
        ("object.?spec 'x'", "unexpected \"'x'\""),
        ("object.?spec == 'unterminated", "unterminated string literal"),
        ("object.?spec # 1", "unexpected character '#'"),
    ],
)
def test_unsupported_or_invalid_shapes_raise_one_line_errors(expr: str, message: str) -> None:
    with pytest.raises(CelSyntaxError) as info:
        rewrite_optional(expr)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("src", "kinds"),
    [
        ("1 2.5 0x1F 3u 1e3 .5", ["int", "float", "int", "int", "float", "float"]),
        ("'a' \"b\" r'\\d' b'x' '''t\"''' R\"y\"", ["string"] * 6),
        ("a.?b[?c] && d || !e", ["ident", "punct", "punct", "ident", "punct", "punct", "ident", "punct", "punct",
                                  "ident", "punct", "punct", "ident"]),
        ("x // comment\n y", ["ident", "ident"]),
    ],
)
def test_tokenizer(src: str, kinds: list[str]) -> None:
    assert [t.kind for t in tokenize(src)][:-1] == kinds


def test_parser_builds_left_associative_relations_and_ternaries() -> None:
    node = parse("a < b == c ? d : e ? f : g")
    assert type(node).__name__ == "Ternary"
    assert type(node.cond).__name__ == "Binary" and node.cond.op == "=="  # type: ignore[union-attr]
    assert type(node.other).__name__ == "Ternary"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("src", "variables", "expected"),
    [
        # chains from a plain path become has() guards (cheap: no list copies)
        (
            "object.spec.?securityContext.?runAsNonRoot.orValue(false)",
            {},
            "(has(object.spec.securityContext) && has(object.spec.securityContext.runAsNonRoot) ? "
            "object.spec.securityContext.runAsNonRoot : false)",
        ),
        (
            "object.metadata.?labels[?'app'].hasValue()",
            {},
            "(has(object.metadata.labels) && 'app' in object.metadata.labels)",
        ),
        ("c.?a.b.orValue(1)", {}, "(has(c.a) ? c.a.b : 1)"),
        # from a call result: the list form
        ("f(x).?a.orValue(1)", {}, "([f(x)].filter(__opt1, has(__opt1.a)).map(__opt1, __opt1.a) + [1])[0]"),
        # variables are inlined, already rewritten, and only where used
        ("variables.a + variables.b", {"a": "object.x", "b": "1 + 2"}, "(object.x) + (1 + 2)"),
        ("has(variables.a)", {"a": "object.x"}, "has(variables.a)"),
        ("variables.undefined == 1", {"a": "object.x"}, "variables.undefined == 1"),
        ("object.kind == 'Pod'", {"a": "object.x"}, "object.kind == 'Pod'"),
    ],
)
def test_rewritten_text(src: str, variables: dict[str, str], expected: str) -> None:
    assert rewrite(src, variables) == expected
