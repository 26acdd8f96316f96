"""``object`` field chains read from bound variables give the same answers as the expression as written."""

from __future__ import annotations

import pytest

from policy_platform.engines.kyverno.cel import ResourceActivation, compile_validation, evaluate_validation
from policy_platform.engines.kyverno.cel._syntax import bind_object_paths

POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "p", "labels": {"app": "x"}},
    "spec": {"hostNetwork": False, "containers": [{"name": "c", "image": "nginx"}, {"name": "d"}]},
}


def test_chains_become_variables() -> None:
    text, found = bind_object_paths("has(object.spec.hostNetwork) && object.spec.containers.all(c, has(c.image))")
    assert "object" not in text
    assert sorted(found.values()) == [(("spec", "containers"), False), (("spec", "hostNetwork"), True)]


def test_shadowed_object_is_left_alone() -> None:
    assert bind_object_paths("[1].all(object, object.x == 1)") == ("[1].all(object, object.x == 1)", {})


@pytest.mark.parametrize(
    ("expression", "status"),
    [
        ("object.spec.containers.all(c, has(c.image))", "fail"),
        ("object.spec.containers.exists(c, has(c.image))", "pass"),
        ("!has(object.spec.hostNetwork) || object.spec.hostNetwork == false", "pass"),
        ("has(object.spec.template) ? object.spec.template.spec.hostNetwork : true", "pass"),
        ("object.spec.template.spec.hostNetwork", "fail"),  # missing key: the slow path decides, as written
        ("object.metadata.labels['app'] == 'x' && object.kind == 'Pod'", "pass"),
        ("has(object.metadata) && !has(object.status)", "pass"),
    ],
)
def test_same_result_as_written(expression: str, status: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # path binding serves the Rust engine, which runs only what the compiler does not cover: simulate that
    from policy_platform.engines.kyverno.cel import _program

    monkeypatch.setattr(_program, "compile_expression", lambda *args: None)
    compiled = compile_validation({"expressions": [{"expression": expression}]}, location="t")
    assert compiled.validations[0].expr.compiled is None
    assert compiled.validations[0].expr.fast is not None
    result = evaluate_validation(compiled, activation=ResourceActivation(obj=POD))
    assert result.status == status
    if status == "fail" and "template" in expression:
        assert "no such key" in result.message
