"""Human-readable table of ``check``: one row per non-passing finding, then a summary and the verdict."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from policy_platform.model.findings import BLOCKING_STATUSES, Finding, Status

if TYPE_CHECKING:
    from policy_platform.api import CheckReport

COLUMNS = ("STATUS", "ENGINE", "POLICY", "RULE", "RESOURCE", "LOCATION", "MESSAGE")
MAX_MESSAGE = 100


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    lines = []
    for row in (headers, *rows):
        cells = [c.ljust(widths[i]) if i < len(row) - 1 else c for i, c in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def _row(f: Finding) -> list[str]:
    res = f.resource
    resource = "" if res is None else ("values" if res.kind == "Values" else res.display())
    msg = " ".join(f.message.split())
    if len(msg) > MAX_MESSAGE:
        msg = msg[: MAX_MESSAGE - 1] + "…"
    return [
        f.status.value,
        f.engine,
        f.policy,
        f.rule,
        resource,
        f.location.display() if f.location else "",
        msg,
    ]


def render_check(report: CheckReport, *, show_passed: bool = False) -> str:
    out: list[str] = []
    det = report.detection
    if report.skipped:
        return f"policy-platform check: skipped: {report.skipped}\n"
    out.append(
        f"{report.config.name} {report.config.version}: {det.describe()}, Kubernetes {report.kubernetes_version}"
    )
    srcs = ", ".join(f"{s['name']} {s['version']}".strip() for s in report.sources)
    out.append(f"sources: {srcs}")
    for notice in report.notices:
        out.append(f"notice: {notice}")
    out.append("")
    shown = [f for f in report.result.findings if show_passed or f.status not in (Status.PASS, Status.SKIP)]
    if shown:
        out.append(format_table(COLUMNS, [_row(f) for f in shown]))
    else:
        out.append("no failures, errors or warnings")
    for stage, state in report.stages.items():
        if state.startswith("skipped"):
            out.append(f"{stage}: {state}")
    c = report.result.counts()
    blocking = sum(1 for f in report.result.findings if f.status in BLOCKING_STATUSES)
    out.append("")
    out.append(f"pass: {c['pass']}, fail: {c['fail']}, warn: {c['warn']}, error: {c['error']}, skip: {c['skip']}")
    verdict = (
        f"BLOCKED: {blocking} blocking finding(s) (exit 1)"
        if report.exit_code == 1
        else ("PASSED with warnings (exit 0)" if c["warn"] else "PASSED (exit 0)")
    )
    out.append(verdict)
    return "\n".join(out) + "\n"
