"""Output of ``policy-platform test``: Kyverno-style tables, JSON (one object per case) and JUnit XML."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any

from policy_platform.engines.kyverno.testrunner import Case, TestReport

_GREEN, _RED, _RESET = "\033[32m", "\033[31m", "\033[0m"


def table(rows: list[list[str]], headers: list[str]) -> list[str]:
    """Box-drawn table lines (the shape of the Kyverno CLI tables)."""
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    line = "│ " + " │ ".join(h.ljust(widths[i]) for i, h in enumerate(headers)) + " │"
    sep = "├" + "┼".join("─" * (w + 2) for w in widths) + "┤"
    out = ["┌" + "┬".join("─" * (w + 2) for w in widths) + "┐", line, sep]
    for row in rows:
        out.append("│ " + " │ ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) + " │")
    out.append("└" + "┴".join("─" * (w + 2) for w in widths) + "┘")
    return out


def reason(case: Case) -> str:
    if case.ok:
        return "Ok"
    if case.actual == "no result":
        return f"Want {case.expected}, got no result"
    return f"Want {case.expected}, got {case.actual}"


def render_text(
    reports: Sequence[TestReport], *, fail_only: bool = False, detailed: bool = False, color: bool = False
) -> str:
    """Kyverno-like text: one table per test, the summary line, then the failed cases."""
    lines: list[str] = []
    for report in reports:
        lines.append(f"Loading test  ( {report.file} ) ...")
        for err in report.errors:
            lines.append(f"  Error: {err}")
        cases = [c for c in report.cases if not (fail_only and c.ok)]
        if cases:
            headers = ["ID", "POLICY", "RULE", "RESOURCE", "RESULT", "REASON"] + (["MESSAGE"] if detailed else [])
            rows = []
            for i, c in enumerate(cases, 1):
                result = "Pass" if c.ok else "Fail"
                if color:
                    result = (_GREEN if c.ok else _RED) + result + _RESET
                row = [str(i), c.policy, c.rule, f"{c.kind}/{c.resource}", result, reason(c)]
                if detailed:
                    row.append(" ".join(c.message.split()))
                rows.append(row)
            lines.extend(table(rows, headers))
        lines.append("")
    passed = sum(1 for r in reports for c in r.cases if c.ok)
    failed = sum(1 for r in reports for c in r.cases if not c.ok)
    errors = sum(len(r.errors) for r in reports)
    summary = f"Test Summary: {passed} tests passed and {failed} tests failed"
    if errors:
        summary += f"; {errors} test loading errors"
    lines.append(summary)
    bad = [(r, c) for r in reports for c in r.cases if not c.ok]
    if bad:
        lines.append("")
        lines.append("Aggregated Failed Test Cases :")
        rows = [
            [str(i), r.name, c.policy, c.rule, f"{c.kind}/{c.resource}", reason(c)] for i, (r, c) in enumerate(bad, 1)
        ]
        lines.extend(table(rows, ["ID", "TEST", "POLICY", "RULE", "RESOURCE", "REASON"]))
    return "\n".join(lines) + "\n"


def render_json(reports: Sequence[TestReport], *, fail_only: bool = False) -> str:
    """A JSON list with every case (and one ``error`` case per test loading error)."""
    items: list[dict[str, Any]] = []
    for report in reports:
        for err in report.errors:
            items.append(
                {
                    "test": report.name,
                    "policy": "",
                    "rule": "",
                    "resource": "",
                    "kind": "",
                    "expected": "",
                    "actual": "error",
                    "ok": False,
                    "message": err,
                }
            )
        items.extend(c.as_json() for c in report.cases if not (fail_only and c.ok))
    return json.dumps(items, indent=2) + "\n"


def render_junit(reports: Sequence[TestReport], *, fail_only: bool = False) -> str:
    """Valid JUnit XML: one testsuite per test file, one testcase per case; load errors are ``<error>`` cases."""
    root = ET.Element("testsuites", name="policy-platform test")
    total = fails = errs = 0
    for report in reports:
        cases = [c for c in report.cases if not (fail_only and c.ok)]
        suite = ET.SubElement(root, "testsuite", name=report.name, file=report.file)
        s_fail = s_err = 0
        for err in report.errors:
            tc = ET.SubElement(suite, "testcase", classname=report.name, name="load")
            ET.SubElement(tc, "error", message=err).text = err
            s_err += 1
        for c in cases:
            tc = ET.SubElement(
                suite, "testcase", classname=f"{report.name}.{c.policy}", name=f"{c.rule} {c.kind}/{c.resource}"
            )
            if not c.ok:
                ET.SubElement(tc, "failure", message=reason(c), type=c.actual).text = c.message
                s_fail += 1
        suite.set("tests", str(len(cases) + len(report.errors)))
        suite.set("failures", str(s_fail))
        suite.set("errors", str(s_err))
        total += len(cases) + len(report.errors)
        fails += s_fail
        errs += s_err
    root.set("tests", str(total))
    root.set("failures", str(fails))
    root.set("errors", str(errs))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
