"""JSON report of ``check`` (schema documented in docs/output.md; ``schemaVersion`` bumps on breaking changes)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from policy_platform import __version__
from policy_platform.model.findings import BLOCKING_STATUSES, Finding, InputError

if TYPE_CHECKING:
    from policy_platform.api import CheckReport

SCHEMA_VERSION = 1


def finding_dict(f: Finding) -> dict[str, Any]:
    res = f.resource
    loc = f.location
    org = f.origin
    return {
        "engine": f.engine,
        "policy": f.policy,
        "rule": f.rule,
        "status": f.status.value,
        "severity": str(f.severity),
        "blocking": f.status in BLOCKING_STATUSES,
        "message": f.message,
        "resource": {
            "apiVersion": res.api_version,
            "kind": res.kind,
            "namespace": res.namespace,
            "name": res.name,
        }
        if res
        else None,
        "location": {
            "file": loc.file,
            "line": loc.line,
            "column": loc.column,
            "path": list(loc.path),
            "document": loc.doc_index,
        }
        if loc
        else None,
        "origin": {"source": org.source, "version": org.version, "template": org.template} if org else None,
        "properties": dict(sorted(f.properties.items())),
    }


def input_error_dict(e: InputError) -> dict[str, Any]:
    return {"file": e.file, "line": e.line, "message": e.message, "stage": e.stage}


def check_dict(report: CheckReport) -> dict[str, Any]:
    counts = report.result.counts()
    det = report.detection
    out: dict[str, Any] = {
        "schemaVersion": SCHEMA_VERSION,
        "tool": {"name": "policy-platform", "version": __version__},
        "platform": {"name": report.config.name, "version": report.config.version},
        "environment": {
            "name": det.environment,
            "detectedFrom": det.source,
            "branch": det.branch,
        },
        "kubernetesVersion": report.kubernetes_version,
        "metadata": dict(sorted(report.result.metadata.items())),
        "skipped": report.skipped or None,
        "sources": [dict(s) for s in report.sources],
        "stages": dict(report.stages),
        "summary": {
            **counts,
            "blocking": sum(1 for f in report.result.findings if f.status in BLOCKING_STATUSES),
        },
        "exitCode": report.exit_code,
        "notices": list(report.notices),
        "findings": [finding_dict(f) for f in report.result.findings],
        "inputErrors": [input_error_dict(e) for e in report.result.input_errors],
    }
    return out


def render_check(report: CheckReport) -> str:
    return dumps(check_dict(report))


def dumps(data: Mapping[str, Any] | list[Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
