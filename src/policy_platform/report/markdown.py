"""Markdown summary of a check (for pull-request comments and job summaries)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from policy_platform.model.findings import BLOCKING_STATUSES, Status

if TYPE_CHECKING:
    from policy_platform.api import CheckReport

ICON = {Status.FAIL: "❌", Status.ERROR: "⛔", Status.WARN: "⚠️", Status.SKIP: "⏭️", Status.PASS: "✅"}


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def render_check(report: CheckReport) -> str:
    if report.skipped:
        return f"**policy-platform check skipped**: {_cell(report.skipped)}\n"
    c = report.result.counts()
    blocking = sum(1 for f in report.result.findings if f.status in BLOCKING_STATUSES)
    verdict = "❌ **blocked**" if report.exit_code else "✅ **passed**"
    lines = [
        f"## policy-platform check: `{report.detection.environment}` — {verdict}",
        "",
        f"{report.config.name} {report.config.version}, Kubernetes {report.kubernetes_version}. "
        f"pass {c['pass']}, fail {c['fail']}, warn {c['warn']}, error {c['error']}, skip {c['skip']}; "
        f"{blocking} blocking.",
        "",
    ]
    rows = [f for f in report.result.findings if f.status not in (Status.PASS, Status.SKIP)]
    if rows:
        lines += ["| | engine | policy | rule | resource | location | message |", "|---|---|---|---|---|---|---|"]
        for f in rows:
            res = "" if f.resource is None else ("values" if f.resource.kind == "Values" else f.resource.display())
            loc = f.location.display() if f.location else ""
            lines.append(
                f"| {ICON[f.status]} {f.status.value} | {f.engine} | {_cell(f.policy)} | {_cell(f.rule)} | "
                f"{_cell(res)} | `{_cell(loc)}` | {_cell(f.message)} |"
            )
    else:
        lines.append("No findings.")
    return "\n".join(lines) + "\n"
