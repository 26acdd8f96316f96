"""The cel-go error-semantics interpreter: unit cases, its use as the slow path, and a differential run against the
Rust engine over every expression and resource of the conformance ``cel`` tier."""

from __future__ import annotations

from typing import Any

import pytest
from tests.engines.kyverno.cel.celtier import SUITE, cel_folders, cel_rules

from policy_platform.engines.kyverno.cel import (
    CelResult,
    ResourceActivation,
    compile_preconditions,
    compile_validation,
    evaluate_preconditions,
    evaluate_validation,
)
from policy_platform.engines.kyverno.cel._interpreter import CelRuntimeError, Interpreter, _Opt
from policy_platform.engines.kyverno.cel._program import _compile

POD: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "web", "namespace": "prod", "labels": {"app": "web"}},
    "spec": {
        "containers": [
            {"name": "a", "image": "nginx"},
            {"name": "b", "image": "envoy", "securityContext": {"runAsNonRoot": True, "privileged": False}},
        ]
    },
}


def interp(**variables: str) -> Interpreter:
    return Interpreter({"object": POD, "request": {"operation": "CREATE"}}, list(variables.items()))


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        # errors absorbed like cel-go: a later decisive element wins
        ("object.spec.containers.exists(c, c.securityContext.runAsNonRoot)", True),
        ("object.spec.containers.all(c, c.securityContext.privileged)", False),
        ("object.nope == 1 || true", True),
        ("false && object.nope", False),
        ("object.nope && false", False),
        # ordinary evaluation
        ("size(object.spec.containers) + 1", 3),
        ("object.spec.containers.map(c, c.name)", ["a", "b"]),
        ("object.spec.containers.map(c, c.name == 'b', c.image)", ["envoy"]),
        ("object.spec.containers.filter(c, has(c.securityContext)).size()", 1),
        ("object.spec.containers.exists_one(c, c.name.startsWith('a'))", True),
        ("object.metadata.labels.all(k, k == 'app')", True),
        ("'app' in object.metadata.labels && 'x' in ['x', 'y']", True),
        ("object.metadata.?labels[?'app'].orValue('')", "web"),
        ("object.?status.?phase.orValue('none')", "none"),
        ("object.metadata.?labels.hasValue()", True),
        ("object.spec.containers[0].?securityContext", _Opt(False)),
        ("optional.of(1).optMap(x, x + 1).value()", 2),
        ("optional.ofNonZeroValue('').hasValue()", False),
        ("cel.bind(cs, object.spec.containers, cs.size())", 2),
        ("type(object) == map && type(1) == int && type('') == string", True),
        ("1 == 1.0 && 1 != 'a' && [1, 2] == [1.0, 2.0]", True),
        ("7 / 2 == 3 && -7 / 2 == -3 && -7 % 2 == -1", True),
        ("duration('1h30m') > duration('90m') || duration('1h30m') == duration('90m')", True),
        ("timestamp('2024-01-01T00:00:00Z') < timestamp('2024-06-01T00:00:00Z')", True),
        ("'a\\tb' == \"a\\u0009b\" && r'\\t' == '\\\\t' && b'ab' == bytes('ab')", True),
        ("int('42') + int(2.9) == 44 && string(1.5) == '1.5' && double(1) == 1.0", True),
        ("'abc'.matches('^a.c$') && 'abc'.contains('b') && 'abc'.endsWith('c')", True),
        ("quantity('1Gi').isGreaterThan(quantity('1G')) && 'a,b'.split(',') == ['a', 'b']", True),
        ("variables.n * 2", 4),
        ("variables.names.join(',')", "a,b"),
    ],
)
def test_interpreter_values(expr: str, expected: Any) -> None:
    assert interp(n="size(object.spec.containers)", names="object.spec.containers.map(c, c.name)").evaluate(
        expr
    ) == expected


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("object.spec.containers.exists(c, c.securityContext.privileged)", "no such key: securityContext"),
        ("object.spec.containers.exists_one(c, c.securityContext.privileged)", "no such key: securityContext"),
        ("object.spec.containers[2]", "index out of range: 2"),
        ("9223372036854775807 + 1", "integer overflow"),
        ("1 / 0", "division by zero"),
        ("1 + 'a'", "no such overload: _+_(int, string)"),
        ("size(1)", "no such overload: size(int)"),
        ("nope", "undeclared reference to 'nope'"),
        ("optional.none().value()", "optional.none() dereference"),
        ("variables.bad == 1", 'composited variable "bad" fails to evaluate: no such key: nope'),
        ("variables.uses_bad", 'composited variable "uses_bad" fails to evaluate: '
                               'composited variable "bad" fails to evaluate: no such key: nope'),
    ],
)
def test_interpreter_errors(expr: str, message: str) -> None:
    with pytest.raises(CelRuntimeError) as info:
        interp(bad="object.nope", uses_bad="variables.bad + 1").evaluate(expr)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("object.spec.containers.exists(c, c.securityContext.runAsNonRoot)", CelResult("pass")),
        ("object.spec.containers.all(c, c.securityContext.privileged)",
         CelResult("fail", "failed expression: object.spec.containers.all(c, c.securityContext.privileged)")),
        ("object.spec.containers.exists(c, c.securityContext.privileged)",
         CelResult("fail", "expression 'object.spec.containers.exists(c, c.securityContext.privileged)' "
                           "resulted in error: no such key: securityContext")),
    ],
)
def test_validation_uses_cel_go_error_semantics(expr: str, expected: CelResult) -> None:
    compiled = compile_validation({"expressions": [{"expression": expr}]}, location="t")
    assert evaluate_validation(compiled, obj=POD) == expected


def test_precondition_uses_cel_go_error_semantics() -> None:
    compiled = compile_preconditions(
        [{"name": "x", "expression": "object.spec.containers.exists(c, c.securityContext.runAsNonRoot)"}],
        location="t",
    )
    assert evaluate_preconditions(compiled, obj=POD) is True


def test_message_expression_uses_the_slow_path_too() -> None:
    compiled = compile_validation(
        {"expressions": [{
            "expression": "false",
            "messageExpression": "object.spec.containers.exists(c, c.securityContext.runAsNonRoot) ? 'yes' : 'no'",
        }]},
        location="t",
    )
    assert evaluate_validation(compiled, obj=POD) == CelResult("fail", "yes")


# ------------------------------------------------------------------------------------------ differential run

@pytest.mark.skipif(not cel_folders(), reason=f"conformance suite not found at {SUITE}")
def test_interpreter_agrees_with_the_rust_engine_on_the_cel_tier() -> None:
    """Every expression of every cel-tier rule on every resource of its test: same value, or both an error."""
    compared = 0
    disagreements = []
    for folder, rule, objects in cel_rules():
            cel = rule["validate"]["cel"]
            variables = [(v["name"], v["expression"]) for v in cel.get("variables") or []]
            sources = [e["expression"] for e in cel["expressions"]] + [src for _, src in variables]
            sources += [p["expression"] for p in rule.get("celPreconditions") or []]
            definitions: dict[str, str] = {}
            for name, src in variables:
                _, definitions[name] = _compile(src, location=folder, what="variable", definitions=definitions)
            programs = [_compile(src, location=folder, what="e", definitions=definitions)[0] for src in sources]
            for obj in objects:
                activation = ResourceActivation(obj=obj)
                slow = Interpreter(activation._bindings, variables)  # the very same bindings
                for src, program in zip(sources, programs, strict=True):
                    try:
                        fast: Any = ("value", activation._run(program))
                    except Exception:  # an error of the fast engine
                        fast = ("error", None)
                    try:
                        value = slow.evaluate(src)
                        other: Any = ("value", (value.present, value.value) if isinstance(value, _Opt) else value)
                    except CelRuntimeError:
                        other = ("error", None)
                    compared += 1
                    if fast != other:
                        disagreements.append(f"{folder}: {src!r} on {obj['metadata']['name']}: {fast} vs {other}")
    assert compared > 3000
    assert disagreements == []


OPTIONAL_SHAPES = [
    "object.?spec.?containers.orValue([]).size()",
    "object.spec.?initContainers.orValue([])",
    "object.metadata.?labels[?'app'].orValue('')",
    "object.metadata.?labels[?'nope'].orValue('d')",
    "object.metadata.?annotations.?x.hasValue()",
    "object.spec.containers[?1].?securityContext.?runAsNonRoot.orValue(false)",
    "object.spec.containers[?5].orValue({}) == {}",
    "object.spec.containers.map(c, c.?securityContext.?privileged.orValue(true))",
    "object.spec.containers.all(c, c.?image.orValue('').startsWith('n') || c.name == 'b')",
    "object.?spec.containers.orValue([]).size()",
    "object.?spec.optMap(s, s.containers.size()).orValue(0)",
    "object.?nope.optMap(s, 1).orValue(0)",
    "object.?spec.optFlatMap(s, s.?containers).orValue([]).size()",
    "object.?spec.?containers == optional.of(object.spec.containers)",
    "object.?status == optional.none()",
    "object.spec.containers[0].name.orValue('x')",
    "optional.of(object.spec).or(optional.none()).value().containers.size()",
    "cel.bind(p, object.metadata.?labels.orValue({}), p.app)",
]


@pytest.mark.parametrize("expr", OPTIONAL_SHAPES)
def test_rewritten_fast_path_and_interpreter_agree_on_optional_shapes(expr: str) -> None:
    program, rewritten = _compile(expr, location="t", what="expression")
    activation = ResourceActivation(obj=POD)
    fast = activation._run(program)
    slow = Interpreter(activation._bindings).evaluate(expr)
    if isinstance(slow, _Opt):
        assert type(fast).__name__ == "OptionalValue"
        assert fast.has_value() == slow.present
        if slow.present:
            assert fast.value() == slow.value
    else:
        assert fast == slow, rewritten
