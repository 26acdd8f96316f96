"""SARIF 2.1.0 report of a scan: one run, one rule per (engine, policy, rule), one result per non-passing finding."""

from __future__ import annotations

from typing import Any

from policy_platform import __version__
from policy_platform.model.findings import Finding, ScanResult, Severity, Status
from policy_platform.report.json import dumps

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {Status.FAIL: "error", Status.ERROR: "error", Status.WARN: "warning", Status.SKIP: "note", Status.PASS: "none"}


def rule_id(f: Finding) -> str:
    return f"{f.engine}/{f.policy}/{f.rule}"


def render(result: ScanResult, *, include_passed: bool = False) -> str:
    rules: dict[str, dict[str, Any]] = {}
    results: list[dict[str, Any]] = []
    for f in result.findings:
        if f.status is Status.PASS and not include_passed:
            continue
        rid = rule_id(f)
        if rid not in rules:
            rules[rid] = {
                "id": rid,
                "name": f.rule,
                "shortDescription": {"text": f"{f.policy}: {f.rule}"},
                "properties": {
                    "engine": f.engine,
                    "policy": f.policy,
                    "severity": str(f.severity),
                    "security-severity": _security_severity(f.severity),
                },
            }
        entry: dict[str, Any] = {
            "ruleId": rid,
            "level": LEVEL[f.status],
            "message": {"text": f.message or f"{f.policy}/{f.rule}: {f.status.value}"},
            "properties": {"status": f.status.value, **dict(sorted(f.properties.items()))},
        }
        if f.location is not None:
            region: dict[str, int] = {}
            if f.location.line:
                region["startLine"] = f.location.line
            if f.location.column:
                region["startColumn"] = f.location.column
            phys: dict[str, Any] = {"artifactLocation": {"uri": f.location.file}}
            if region:
                phys["region"] = region
            entry["locations"] = [{"physicalLocation": phys}]
        if f.resource is not None and f.resource.kind:
            entry["properties"]["resource"] = f.resource.display()
        if f.origin is not None and f.origin.source:
            entry["properties"]["origin"] = f"{f.origin.source}@{f.origin.version}:{f.origin.template}"
        results.append(entry)
    doc = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "policy-platform",
                        "version": __version__,
                        "rules": [rules[k] for k in sorted(rules)],
                    }
                },
                "results": results,
            }
        ],
    }
    return dumps(doc)


def _security_severity(sev: Severity) -> str:
    return {
        Severity.CRITICAL: "9.5",
        Severity.HIGH: "8.0",
        Severity.MEDIUM: "5.5",
        Severity.LOW: "3.0",
        Severity.INFO: "0.0",
    }[sev]
