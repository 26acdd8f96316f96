"""Kubernetes PolicyReports (wgpolicyk8s.io/v1alpha2) as pure YAML: one PolicyReport per namespace and one
ClusterPolicyReport for cluster-scoped resources, each with a summary, as the seed's compliance evidence.

Severity and category come from the policy annotations; source, source version and environment are annotations.
Only findings about Kubernetes resources are included (values-lint findings have no resource).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from policy_platform._internal.yamlio import dump_all
from policy_platform.model.findings import Finding, ScanResult

API_VERSION = "wgpolicyk8s.io/v1alpha2"
SEVERITIES = {"critical", "high", "medium", "low", "info"}


def _result(f: Finding) -> dict[str, Any]:
    res = f.resource
    assert res is not None
    entry: dict[str, Any] = {
        "policy": f.policy,
        "rule": f.rule,
        "result": f.status.value,
        "source": f.engine,
        "scored": True,
        "message": f.message,
    }
    sev = str(f.severity)
    if sev in SEVERITIES:
        entry["severity"] = sev
    if f.properties.get("category"):
        entry["category"] = f.properties["category"]
    entry["resources"] = [
        {
            k: v
            for k, v in (
                ("apiVersion", res.api_version),
                ("kind", res.kind),
                ("name", res.name),
                ("namespace", res.namespace),
            )
            if v
        }
    ]
    props = {k: v for k, v in sorted(f.properties.items()) if k not in ("category",)}
    if f.origin is not None:
        props.update({"source": f.origin.source, "sourceVersion": f.origin.version, "template": f.origin.template})
    if props:
        entry["properties"] = {k: str(v) for k, v in props.items() if v != ""}
    return entry


def build(result: ScanResult, *, name: str, annotations: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    by_ns: dict[str, list[Finding]] = defaultdict(list)
    for f in result.findings:
        if f.resource is None or f.resource.kind in ("", "Values"):
            continue
        by_ns[f.resource.namespace].append(f)
    reports: list[dict[str, Any]] = []
    for ns in sorted(by_ns):
        items = by_ns[ns]
        summary = dict.fromkeys(("pass", "fail", "warn", "error", "skip"), 0)
        for f in items:
            summary[f.status.value] += 1
        meta: dict[str, Any] = {"name": f"polr-{name}" if ns else f"cpolr-{name}"}
        if ns:
            meta["namespace"] = ns
        if annotations:
            meta["annotations"] = dict(annotations)
        reports.append(
            {
                "apiVersion": API_VERSION,
                "kind": "PolicyReport" if ns else "ClusterPolicyReport",
                "metadata": meta,
                "summary": summary,
                "results": [_result(f) for f in items],
            }
        )
    return reports


def render(result: ScanResult, *, name: str, annotations: Mapping[str, str] | None = None) -> str:
    reports = build(result, name=name, annotations=annotations)
    return dump_all(reports) if reports else ""
