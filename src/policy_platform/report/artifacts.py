"""Write the artifacts of a ``check`` run into ``--output-dir`` (each file atomically)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from policy_platform._internal.fs import atomic_write_text
from policy_platform._internal.yamlio import dump, dump_all
from policy_platform.model.findings import ScanResult
from policy_platform.report import json as json_report
from policy_platform.report import junit, markdown, policyreport, sarif, table

if TYPE_CHECKING:
    from policy_platform.api import CheckReport, RenderResult


def write_rendered(result: RenderResult, out: Path) -> list[Path]:
    """One file per source (``<source>.yaml``) and ``index.json`` listing what was rendered."""
    written: list[Path] = []
    index = {"environment": result.environment, "sources": [], "notices": list(result.notices)}
    kept = {id(p.document) for p in result.policies}
    for src in result.sources:
        docs = [p for p in src.documents if id(p.document) in kept]
        path = out / f"{src.name}.yaml"
        atomic_write_text(path, dump_all([p.document.data for p in docs]) if docs else "")
        written.append(path)
        index["sources"].append(  # type: ignore[attr-defined]
            {
                "name": src.name,
                "version": src.version,
                "chart": src.chart,
                "file": path.name,
                "valuesLayers": list(src.values_layers),
                "policies": [
                    {"kind": p.kind, "name": p.name, "namespace": p.namespace, "template": p.origin.template}
                    for p in docs
                ],
            }
        )
    idx = out / "index.json"
    atomic_write_text(idx, json_report.dumps(index))
    written.append(idx)
    return written


def write_check(report: CheckReport, out: Path) -> list[Path]:
    written: list[Path] = []
    if report.skipped:
        return written
    if report.rendered is not None:
        written += write_rendered(report.rendered, out)
    if report.app is not None:
        p = out / f"{report.app.release}.yaml"
        atomic_write_text(p, report.app.text)
        written.append(p)
    if report.lint_values is not None:
        p = out / "values.merged.yaml"
        atomic_write_text(p, dump(dict(report.lint_values)))
        written.append(p)
    p = out / "environment.sh"
    atomic_write_text(p, f"export ENVIRONMENT={report.detection.environment}\n")
    written.append(p)
    p = out / "check.json"
    atomic_write_text(p, json_report.render_check(report))
    written.append(p)
    p = out / "check.txt"
    atomic_write_text(p, table.render_check(report))
    written.append(p)
    for name, text in (
        ("check.sarif", sarif.render(report.result)),
        ("check.junit.xml", junit.render(report.result)),
        ("check.md", markdown.render_check(report)),
        ("policy-report.yaml", policy_reports(report)),
    ):
        atomic_write_text(out / name, text)
        written.append(out / name)
    for source in sorted({f.origin.source for f in report.result.findings if f.origin and f.origin.source}):
        subset = ScanResult.build([f for f in report.result.findings if f.origin and f.origin.source == source])
        p = out / f"policy-report-{source}.yaml"
        atomic_write_text(p, policy_reports(report, subset, suffix=source))
        written.append(p)
    return written


def policy_reports(report: CheckReport, result: ScanResult | None = None, *, suffix: str = "") -> str:
    """PolicyReports for the app's resources, annotated with the platform version and environment."""
    app = report.app.release if report.app else report.config.name
    annotations = {
        "policy-platform.io/platform": f"{report.config.name}@{report.config.version}",
        "policy-platform.io/environment": report.detection.environment,
    }
    if suffix:
        annotations["policy-platform.io/source"] = suffix
    name = f"{app}-{suffix}" if suffix else app
    return policyreport.render(result or report.result, name=name, annotations=annotations)
