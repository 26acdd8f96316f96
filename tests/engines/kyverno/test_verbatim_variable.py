"""``{{- x}}``: substitute without re-scanning the result for further ``{{ }}`` (kyverno.md section 7)."""

from __future__ import annotations

from typing import Any

import pytest
from tests.engines.kyverno.test_engine import _run, pod

from policy_platform.engines.kyverno.variables import SubstitutionError, substitute_all

CTX = {
    "tpl": "{{ w }}",
    "w": "W",
    "n": 3,
    "m": {"a": 1},
    "esc": "\\{{w}}",
    "ab": "ab",
    "request": {"operation": "CREATE", "object": {}},
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a-{{- tpl}}", "a-{{ w }}"),  # verbatim
        ("a-{{ tpl}}", "a-W"),  # re-scanned
        ("a-{{-tpl}}", "a-{{ w }}"),
        ("{{- tpl}}", "{{ w }}"),  # whole string: the typed value
        ("{{- n}}", 3),
        ("{{- m}}", {"a": 1}),
        ("x{{- n}}", "x3"),
        ("x{{- m}}", 'x{"a":1}'),
        ("{{- tpl}}-{{ w }}", "{{ w }}-W"),  # only the {{- }} result is frozen
        ("{{ tpl }}-{{- tpl}}", "W-{{ w }}"),
        ("x{{- esc}}", "x\\{{w}}"),  # not unescaped either
        ("x{{ esc}}", "x{{w}}"),
        ("\\{{- tpl}}", "{{- tpl}}"),  # escaped: not a variable
        ("{{ to_upper('{{- ab}}') }}", "AB"),  # nested: the result feeds the outer expression
        ("{{- to_upper('{{- tpl}}') }}", "{{ W }}"),
    ],
)
def test_verbatim(text: str, expected: Any) -> None:
    assert substitute_all(text, CTX) == expected


@pytest.mark.parametrize(
    ("text", "error"),
    [
        # the outer variable is an ordinary one, so its result is re-scanned
        ("{{ to_upper('{{- tpl}}') }}", 'failed to substitute variable {{W}}: Unknown key "W" in path'),
        ("x-{{- request.object.nope }}", 'failed to substitute variable {{request.object.nope}}: Unknown key "nope"'),
    ],
)
def test_verbatim_errors(text: str, error: str) -> None:
    with pytest.raises(SubstitutionError) as info:
        substitute_all(text, CTX)
    assert str(info.value).startswith(error)


POLICY = """
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: verbatim}
spec:
  rules:
  - name: no-tpl
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      message: "MESSAGE"
      deny:
        conditions:
          any:
          - key: "{{ request.object.metadata.annotations.tpl || '' }}"
            operator: NotEquals
            value: ""
"""


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            "template {{- request.object.metadata.annotations.tpl }} is set",
            "template {{ request.object.metadata.name }} is set",
        ),
        ("template {{ request.object.metadata.annotations.tpl }} is set", "template web is set"),
    ],
)
def test_verbatim_in_deny_message(message: str, expected: str) -> None:
    p = pod()
    p["metadata"]["annotations"] = {"tpl": "{{ request.object.metadata.name }}"}
    assert _run(POLICY.replace("MESSAGE", message), p) == [("no-tpl", "fail", expected)]
