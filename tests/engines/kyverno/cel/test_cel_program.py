"""compile/evaluate of validate.cel and celPreconditions: statuses, messages, variables, bindings, errors."""

from __future__ import annotations

from typing import Any

import pytest

from policy_platform.engines.kyverno.cel import (
    CelError,
    CelEvaluationError,
    CelResult,
    ResourceActivation,
    compile_preconditions,
    compile_validation,
    evaluate_preconditions,
    evaluate_validation,
)

POD: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "web", "namespace": "prod", "labels": {"app": "web"}},
    "spec": {
        "containers": [
            {"name": "app", "image": "nginx:1.25", "resources": {"limits": {"memory": "1Gi"}}},
            {"name": "sidecar", "image": "envoy:latest"},
        ]
    },
}
DEPLOY: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "prod"},
    "spec": {"replicas": 5},
}


def denied(message_expression: str) -> dict[str, Any]:
    """A rule whose only expression is false, with message ``m`` and the given messageExpression."""
    return {"expressions": [{"expression": "false", "message": "m", "messageExpression": message_expression}]}


def check(cel: dict[str, Any], obj: Any = POD, message: str = "", **kwargs: Any) -> CelResult:
    return evaluate_validation(compile_validation(cel, location="p.yaml: rule r", message=message), obj=obj, **kwargs)


@pytest.mark.parametrize(
    ("cel", "rule_message", "expected"),
    [
        ({"expressions": [{"expression": "object.metadata.name == 'web'"}]}, "", CelResult("pass")),
        (
            {"expressions": [{"expression": "object.metadata.name == 'api'"}]},
            "",
            CelResult("fail", "failed expression: object.metadata.name == 'api'"),
        ),
        (
            {"expressions": [{"expression": "false", "message": "  custom message  "}]},
            "rule message",
            CelResult("fail", "custom message"),
        ),
        ({"expressions": [{"expression": "false"}]}, "rule message", CelResult("fail", "rule message")),
        (denied("'name is ' + object.metadata.name"), "", CelResult("fail", "name is web")),
        # a messageExpression that errors, is not a string, is empty or has a newline falls back to message
        (denied("object.nope"), "", CelResult("fail", "m")),
        (denied("1"), "", CelResult("fail", "m")),
        (denied("'  '"), "", CelResult("fail", "m")),
        (denied("'a\\nb'"), "", CelResult("fail", "m")),
        # the first expression that is not true decides
        (
            {"expressions": [
                {"expression": "true", "message": "first"},
                {"expression": "false", "message": "second"},
                {"expression": "false", "message": "third"},
            ]},
            "",
            CelResult("fail", "second"),
        ),
        # variables, composition
        (
            {
                "variables": [
                    {"name": "containers", "expression": "object.spec.containers"},
                    {"name": "unlimited", "expression": "variables.containers.filter(c, !has(c.resources))"},
                ],
                "expressions": [{
                    "expression": "size(variables.unlimited) == 0",
                    "messageExpression": "'no limits: ' + variables.unlimited.map(c, c.name).join(', ')",
                }],
            },
            "",
            CelResult("fail", "no limits: sidecar"),
        ),
        # optional syntax and Kubernetes libraries inside a rule
        (
            {"expressions": [{
                "expression": "object.spec.containers.all(c, quantity(c.?resources.?limits.?memory.orValue('0'))"
                ".isLessThan(quantity('2Gi')))",
            }]},
            "",
            CelResult("pass"),
        ),
    ],
)
def test_validation_status_and_message(cel: dict[str, Any], rule_message: str, expected: CelResult) -> None:
    assert check(cel, message=rule_message) == expected


@pytest.mark.parametrize(
    ("cel", "cause"),
    [
        ({"expressions": [{"expression": "object.spec.nope == 1"}]},
         "expression 'object.spec.nope == 1' resulted in error: no such key: nope"),
        ({"expressions": [{"expression": "object.spec.containers[5].name == 'x'"}]},
         "expression 'object.spec.containers[5].name == 'x'' resulted in error: index out of range: 5"),
        ({"expressions": [{"expression": "1 / 0 == 1"}]},
         "expression '1 / 0 == 1' resulted in error: division by zero"),
        (
            {"variables": [{"name": "x", "expression": "object.nope"}],
             "expressions": [{"expression": "variables.x == 1"}]},
            "expression 'variables.x == 1' resulted in error: "
            "composited variable \"x\" fails to evaluate: no such key: nope",
        ),
        (
            {"variables": [{"name": "x", "expression": "object.nope"}, {"name": "y", "expression": "variables.x"}],
             "expressions": [{"expression": "variables.y == 1"}]},
            "expression 'variables.y == 1' resulted in error: composited variable \"y\" fails to evaluate: "
            "composited variable \"x\" fails to evaluate: no such key: nope",
        ),
    ],
)
def test_evaluation_errors(cel: dict[str, Any], cause: str) -> None:
    # Kyverno 1.13 (failure policy Fail) denies on an evaluation error: status fail, message naming the expression
    as_fail = check(cel)
    assert as_fail.status == "fail"
    assert as_fail.message.startswith(cause)
    as_error = check(cel, error_status="error")
    assert as_error == CelResult("error", as_fail.message)


def test_non_boolean_result_denies_with_the_failure_message_like_kubernetes() -> None:
    assert check({"expressions": [{"expression": "object.metadata.name"}]}) == CelResult(
        "fail", "failed expression: object.metadata.name"
    )


def test_unused_failing_variable_is_not_an_error() -> None:
    cel = {"variables": [{"name": "x", "expression": "object.nope"}], "expressions": [{"expression": "true"}]}
    assert check(cel) == CelResult("pass")


@pytest.mark.parametrize(
    ("expr", "obj", "kwargs", "expected"),
    [
        ("request.operation == 'CREATE'", POD, {}, True),
        ("request.operation == 'UPDATE'", POD, {"old_object": POD}, True),
        ("request.kind.group == 'apps' && request.kind.kind == 'Deployment'", DEPLOY, {}, True),
        ("request.name == 'web' && request.namespace == 'prod'", DEPLOY, {}, True),
        ("namespaceObject.metadata.name == 'prod'", POD, {}, True),
        ("namespaceObject == null", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "prod"}}, {}, True),
        ("namespaceObject.metadata.labels.team == 'a'", POD,
         {"namespace_object": {"metadata": {"name": "prod", "labels": {"team": "a"}}}}, True),
        ("oldObject == null", POD, {}, True),
        ("oldObject.spec.replicas < object.spec.replicas", DEPLOY, {"old_object": {"spec": {"replicas": 1}}}, True),
        ("request.userInfo.username == 'alice'", POD,
         {"request": {"operation": "CREATE", "userInfo": {"username": "alice"}}}, True),
        ("params.max >= object.spec.replicas", DEPLOY, {"params": {"max": 5}}, True),
        # unset request fields read as zero values, as with Kubernetes' typed admission request
        ("request.userInfo.username == '' && size(request.userInfo.groups) == 0 && request.subResource == ''",
         POD, {}, True),
        ("request.operation == 'DELETE' && request.kind.kind == 'Pod' && request.userInfo.groups == ['g']", POD,
         {"request": {"operation": "DELETE", "userInfo": {"groups": ["g"]}}}, True),
    ],
)
def test_bindings(expr: str, obj: Any, kwargs: dict[str, Any], expected: bool) -> None:
    result = check({"expressions": [{"expression": expr}]}, obj=obj, **kwargs)
    assert result.status == ("pass" if expected else "fail"), result.message


def test_one_activation_serves_many_rules_without_leaking_variables() -> None:
    first = compile_validation(
        {"variables": [{"name": "n", "expression": "size(object.spec.containers)"}],
         "expressions": [{"expression": "variables.n == 2"}]},
        location="a",
    )
    second = compile_validation({"expressions": [{"expression": "!has(variables.n)"}]}, location="b")
    with_params = compile_validation({"expressions": [{"expression": "params == null"}]}, location="c")
    act = ResourceActivation(obj=POD)
    assert evaluate_validation(first, activation=act) == CelResult("pass")
    assert evaluate_validation(second, activation=act) == CelResult("pass")
    assert evaluate_validation(with_params, activation=act, params={"x": 1}).status == "fail"
    assert evaluate_validation(with_params, activation=act) == CelResult("pass")


@pytest.mark.parametrize(
    ("cel", "message"),
    [
        ({"expressions": [{"expression": "object.metadata.name =="}]},
         "p.yaml: rule r: validate.cel.expressions[0]: expression 'object.metadata.name ==': "),
        ({"expressions": [{"expression": "[?object.x]"}]},
         "p.yaml: rule r: validate.cel.expressions[0]: expression '[?object.x]': unsupported syntax: optional list"),
        ({"expressions": [{"expression": ""}]}, "validate.cel.expressions[0]: expression must be a non-empty string"),
        ({"expressions": [{"expression": "true", "messageExpression": "'a' +"}]},
         "validate.cel.expressions[0]: messageExpression \"'a' +\": "),
        ({"variables": [{"name": "a-b", "expression": "1"}]},
         "validate.cel.variables[0]: name must be a CEL identifier"),
        ({"variables": [{"name": "a", "expression": "1"}, {"name": "a", "expression": "2"}]},
         "validate.cel.variables[1]: duplicate variable name 'a'"),
        ({"expressions": "true"}, "validate.cel.expressions must be a list of mappings"),
        ({"expresions": []}, "validate.cel: unknown field 'expresions'"),
    ],
)
def test_compile_errors_are_one_line_and_name_the_expression(cel: dict[str, Any], message: str) -> None:
    with pytest.raises(CelError) as info:
        compile_validation(cel, location="p.yaml: rule r")
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_param_kind_and_audit_annotations_are_accepted() -> None:
    compiled = compile_validation(
        {
            "paramKind": {"apiVersion": "v1", "kind": "ConfigMap"},
            "paramRef": {"name": "limits"},
            "auditAnnotations": [{"key": "k", "valueExpression": "'v'"}],
            "expressions": [{"expression": "true"}],
        },
        location="x",
    )
    assert compiled.has_params


@pytest.mark.parametrize(
    ("conditions", "expected"),
    [
        ([{"name": "create", "expression": "request.operation == 'CREATE'"}], True),
        ([{"name": "a", "expression": "true"}, {"name": "b", "expression": "object.kind == 'Deployment'"}], False),
        # any false wins over an error (Kubernetes matchConditions)
        ([{"name": "err", "expression": "object.nope"}, {"name": "f", "expression": "false"}], False),
        ([], True),
        ([{"name": "non-bool", "expression": "object.metadata.name"}], True),
    ],
)
def test_preconditions(conditions: list[dict[str, str]], expected: bool) -> None:
    compiled = compile_preconditions(conditions, location="p.yaml: rule r")
    assert evaluate_preconditions(compiled, obj=POD) is expected


def test_precondition_error_raises_naming_the_expression() -> None:
    compiled = compile_preconditions([{"name": "e", "expression": "object.nope == 1"}], location="p.yaml: rule r")
    with pytest.raises(CelEvaluationError) as info:
        evaluate_preconditions(compiled, obj=POD)
    assert str(info.value) == (
        "p.yaml: rule r: celPreconditions: expression 'object.nope == 1' resulted in error: no such key: nope"
    )
    assert info.value.message == "expression 'object.nope == 1' resulted in error: no such key: nope"


def test_several_precondition_errors_are_aggregated_like_kubernetes() -> None:
    compiled = compile_preconditions(
        [{"name": "a", "expression": "object.x == 1"}, {"name": "b", "expression": "true"},
         {"name": "c", "expression": "object.y"}],
        location="p",
    )
    with pytest.raises(CelEvaluationError) as info:
        evaluate_preconditions(compiled, obj=POD)
    assert info.value.message == (
        "[expression 'object.x == 1' resulted in error: no such key: x, "
        "expression 'object.y' resulted in error: no such key: y]"
    )


def test_precondition_compile_error() -> None:
    with pytest.raises(CelError, match=r"p.yaml: celPreconditions\[0\]: expression '1 \+': "):
        compile_preconditions([{"name": "x", "expression": "1 +"}], location="p.yaml")


def test_runner_agrees_with_evaluate_or_defers() -> None:
    """CompiledValidation.runner: the shared pass / per-validation static fail objects, None where evaluate decides."""
    spec = {
        "variables": [{"name": "names", "expression": "object.spec.containers.map(c, c.name)"}],
        "expressions": [
            {"expression": "'app' in variables.names", "message": "no app"},
            {"expression": "object.spec.containers.all(c, has(c.resources))", "message": "no resources"},
            {"expression": "object.metadata.name != 'x'", "messageExpression": "'named ' + object.metadata.name"},
            {"expression": "object.metadata.labels.app == 'web'"},
        ],
    }
    compiled = compile_validation(spec, location="r")
    made: list[str] = []

    def denied(message: str) -> tuple[str, str]:
        made.append(message)
        return ("fail", message)

    run = compiled.runner(("pass", ""), denied)
    assert made == ["no app", "no resources", "failed expression: object.metadata.labels.app == 'web'"]
    fixed = {**POD, "spec": {"containers": [{"name": "app", "resources": {}}]}}
    cases: list[tuple[dict[str, Any], tuple[str, str] | None]] = [
        (fixed, ("pass", "")),
        (POD, ("fail", "no resources")),
        ({**fixed, "metadata": {"name": "x", "labels": {"app": "web"}}}, None),  # messageExpression: evaluate decides
        ({**fixed, "metadata": {"name": "web"}}, None),  # an evaluation error (no labels): evaluate decides
        ({**fixed, "metadata": {"name": "web", "labels": {"app": "db"}}}, ("fail", made[2])),
    ]
    for obj, expected in cases:
        act = ResourceActivation(obj=obj)
        assert run(act) == expected
        result = compiled.evaluate(act)
        if expected is not None:
            assert (result.status, result.message or "") == expected
        else:
            assert result.status == "fail" and result.message not in made
    act = ResourceActivation(obj=fixed)
    evaluate_validation(compiled, activation=act, params={"x": 1})
    assert run(act) is None  # params bound: evaluate decides
    evaluate_validation(compiled, activation=act)
    assert run(act) == ("pass", "")
