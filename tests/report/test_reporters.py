"""Reporters are pure functions of a ScanResult: assert their structure and content on a fixed result."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import yaml

from policy_platform.model.findings import Finding, Location, Origin, ResourceRef, ScanResult, Severity, Status
from policy_platform.report import junit, policyreport, sarif

DEPLOY = ResourceRef("apps/v1", "Deployment", "backend", "backend-app")
NS = ResourceRef("v1", "Namespace", "", "backend")
ORIGIN = Origin(source="security-policy", version="2.1.2", template="charts/security-policy/templates/x.yaml")

RESULT = ScanResult.build(
    [
        Finding(
            "kyverno",
            "require-resource-limits",
            "check-cpu-memory",
            Status.FAIL,
            Severity.MEDIUM,
            "limits required",
            DEPLOY,
            Location("out/backend-app.yaml", 0, ("spec",), 12, 3),
            ORIGIN,
            {"action": "Enforce", "category": "Security"},
        ),
        Finding(
            "kyverno",
            "require-probes",
            "validate-probes",
            Status.PASS,
            Severity.MEDIUM,
            "",
            DEPLOY,
            Location("out/backend-app.yaml", 0, (), 2),
            ORIGIN,
            {"action": "Enforce"},
        ),
        Finding(
            "kyverno",
            "require-labels",
            "check-labels",
            Status.WARN,
            Severity.LOW,
            "labels missing",
            NS,
            Location("out/backend-app.yaml", 1, (), 40),
            None,
            {"action": "Audit"},
        ),
        Finding(
            "spectral",
            "backend-applications/.spectral.yaml",
            "replica-count",
            Status.WARN,
            Severity.MEDIUM,
            '"replicas" property must be <= 10',
            ResourceRef(kind="Values", name="cd/values.prd.yaml"),
            Location("cd/values.prd.yaml", 0, ("replicas",), 4, 1),
        ),
        Finding(
            "kyverno",
            "broken",
            "r",
            Status.ERROR,
            Severity.HIGH,
            "Unknown key",
            DEPLOY,
            Location("out/backend-app.yaml", 0, (), 2),
        ),
    ]
)


def test_sarif() -> None:
    doc = json.loads(sarif.render(RESULT))
    assert doc["version"] == "2.1.0"
    results = doc["runs"][0]["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [
        ("spectral/backend-applications/.spectral.yaml/replica-count", "warning"),
        ("kyverno/broken/r", "error"),
        ("kyverno/require-resource-limits/check-cpu-memory", "error"),
        ("kyverno/require-labels/check-labels", "warning"),
    ]
    first_fail = results[2]
    assert first_fail["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "out/backend-app.yaml"},
        "region": {"startLine": 12, "startColumn": 3},
    }
    assert first_fail["properties"]["resource"] == "backend/Deployment/backend-app"
    assert first_fail["properties"]["origin"] == "security-policy@2.1.2:charts/security-policy/templates/x.yaml"
    rule_ids = [r["id"] for r in doc["runs"][0]["tool"]["driver"]["rules"]]
    assert rule_ids == sorted(rule_ids) and "kyverno/require-probes/validate-probes" not in rule_ids


def test_junit() -> None:
    root = ET.fromstring(junit.render(RESULT).split("\n", 1)[1])
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("5", "1", "1")
    suites = {s.get("name"): s for s in root}
    assert set(suites) == {"kyverno", "spectral"}
    cases = {c.get("name"): c for c in suites["kyverno"]}
    fail = cases["require-resource-limits/check-cpu-memory backend/Deployment/backend-app"]
    assert fail.find("failure") is not None and fail.find("failure").get("message") == "limits required"  # type: ignore[union-attr]
    assert cases["broken/r backend/Deployment/backend-app"].find("error") is not None
    assert cases["require-probes/validate-probes backend/Deployment/backend-app"].find("failure") is None


def test_policy_reports_per_namespace() -> None:
    docs = list(yaml.safe_load_all(policyreport.render(RESULT, name="backend-app", annotations={"a": "b"})))
    assert [(d["kind"], d["metadata"]["name"], d["metadata"].get("namespace")) for d in docs] == [
        ("ClusterPolicyReport", "cpolr-backend-app", None),
        ("PolicyReport", "polr-backend-app", "backend"),
    ]
    ns_report = docs[1]
    assert ns_report["summary"] == {"pass": 1, "fail": 1, "warn": 0, "error": 1, "skip": 0}
    fail = next(r for r in ns_report["results"] if r["result"] == "fail")
    assert fail["policy"] == "require-resource-limits" and fail["rule"] == "check-cpu-memory"
    assert fail["severity"] == "medium" and fail["category"] == "Security"
    assert fail["resources"] == [
        {"apiVersion": "apps/v1", "kind": "Deployment", "name": "backend-app", "namespace": "backend"}
    ]
    assert fail["properties"]["sourceVersion"] == "2.1.2"
    assert docs[0]["results"][0]["resources"] == [{"apiVersion": "v1", "kind": "Namespace", "name": "backend"}]
    assert all(r["source"] != "spectral" for d in docs for r in d["results"])
