"""Findings model: ordering, counts and the gate's exit code."""

from __future__ import annotations

import pytest

from policy_platform.model.findings import (
    Finding,
    InputError,
    Location,
    ResourceRef,
    ScanResult,
    Severity,
    Status,
    exit_code,
)


def finding(status: Status, file: str = "a.yaml", line: int = 1, rule: str = "r") -> Finding:
    return Finding(
        engine="kyverno",
        policy="p",
        rule=rule,
        status=status,
        severity=Severity.HIGH,
        message="m",
        resource=ResourceRef("v1", "Pod", "ns", "web"),
        location=Location(file=file, line=line),
    )


@pytest.mark.parametrize(
    ("statuses", "errors", "code"),
    [
        ([], [], 0),
        ([Status.PASS, Status.SKIP, Status.WARN], [], 0),
        ([Status.PASS, Status.FAIL], [], 1),
        ([Status.ERROR], [], 1),
        ([Status.FAIL], [InputError("x.yaml", "bad")], 2),
    ],
)
def test_exit_code(statuses: list[Status], errors: list[InputError], code: int) -> None:
    assert exit_code(ScanResult.build([finding(s) for s in statuses], errors)) == code


def test_stable_order_by_file_line_rule() -> None:
    result = ScanResult.build(
        [
            finding(Status.FAIL, "b.yaml", 1),
            finding(Status.WARN, "a.yaml", 9, "z"),
            finding(Status.PASS, "a.yaml", 9, "a"),
        ]
    )
    assert [(f.location.file, f.rule) for f in result.findings if f.location] == [
        ("a.yaml", "a"),
        ("a.yaml", "z"),
        ("b.yaml", "r"),
    ]


def test_counts_has_every_status() -> None:
    c = ScanResult.build([finding(Status.FAIL), finding(Status.FAIL), finding(Status.PASS)]).counts()
    assert c == {"pass": 1, "fail": 2, "warn": 0, "error": 0, "skip": 0}


@pytest.mark.parametrize(
    ("obj", "display"),
    [
        (
            {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "prod"}},
            "prod/Deployment/web",
        ),
        ({"kind": "Namespace", "metadata": {"name": "prod"}}, "Namespace/prod"),
        ({"kind": "Pod", "metadata": {"generateName": "job-"}}, "Pod/job-"),
        ("not a mapping", ""),
    ],
)
def test_resource_ref(obj: object, display: str) -> None:
    assert ResourceRef.of(obj).display() == display


@pytest.mark.parametrize(
    ("text", "sev"),
    [("high", Severity.HIGH), ("Critical", Severity.CRITICAL), ("bogus", Severity.MEDIUM), (None, Severity.MEDIUM)],
)
def test_severity_parse(text: str | None, sev: Severity) -> None:
    assert Severity.parse(text) is sev
