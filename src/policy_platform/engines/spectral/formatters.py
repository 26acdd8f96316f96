"""Output formats of ``policy-platform lint``, shaped like Spectral's formatters.

``json`` (0-based ranges, tab-indented), ``stylish`` (per-file table and a ``✖ N problems`` summary), ``text``
(``file:line:col severity code "message"``), ``github-actions`` (workflow commands), ``junit`` and ``sarif`` (2.1.0).
Human formats print 1-based ``line:col``. Every formatter takes the sorted results and the fail severity.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from policy_platform.engines.spectral.document import DEFAULT_RANGE
from policy_platform.engines.spectral.linter import SpectralResult
from policy_platform.engines.spectral.messages import dot_path

SEVERITY_LABELS = {0: "error", 1: "warning", 2: "information", 3: "hint"}
Formatter = Callable[[list[SpectralResult], int], str]


def _pos(result: SpectralResult) -> tuple[int, int, int, int]:
    (sl, sc), (el, ec) = result.range or DEFAULT_RANGE
    return sl + 1, sc + 1, el + 1, ec + 1


def format_json(results: list[SpectralResult], fail: int) -> str:
    del fail
    return json.dumps([r.to_json() for r in results], indent="\t", ensure_ascii=False)


def format_text(results: list[SpectralResult], fail: int) -> str:
    del fail
    lines = []
    for r in results:
        line, col, _, _ = _pos(r)
        lines.append(f'{r.source}:{line}:{col} {SEVERITY_LABELS[r.severity]} {r.code} "{r.message}"')
    return "\n".join(lines) + ("\n" if lines else "")


def _summary(results: list[SpectralResult]) -> str:
    counts = [sum(1 for r in results if r.severity == s) for s in range(4)]
    total = len(results)
    plural = "problem" if total == 1 else "problems"
    names = ("error", "warning", "info", "hint")
    parts = ", ".join(f"{c} {n}{'' if c == 1 else 's'}" for c, n in zip(counts, names, strict=True))
    return f"\u2716 {total} {plural} ({parts})"


def format_stylish(results: list[SpectralResult], fail: int) -> str:
    del fail
    if not results:
        return ""
    out: list[str] = []
    by_source: dict[str, list[SpectralResult]] = {}
    for r in results:
        by_source.setdefault(r.source or "", []).append(r)
    for source, group in by_source.items():
        out.append(source)
        rows = []
        for r in group:
            line, col, _, _ = _pos(r)
            rows.append((f"{line}:{col}", SEVERITY_LABELS[r.severity], r.code, r.message, dot_path(r.path)))
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        for row in rows:
            cells = [row[0].rjust(widths[0]), row[1].ljust(widths[1]), row[2].ljust(widths[2]),
                     row[3].ljust(widths[3]), row[4]]
            out.append(" " + "  ".join(cells).rstrip())
        out.append("")
    out.append(_summary(results))
    return "\n".join(out) + "\n"


def _gha_escape(text: str, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def format_github_actions(results: list[SpectralResult], fail: int) -> str:
    del fail
    kinds = {0: "error", 1: "warning", 2: "notice", 3: "notice"}
    lines = []
    for r in results:
        line, col, end_line, end_col = _pos(r)
        props = (f"title={_gha_escape(r.code, True)},file={_gha_escape(r.source or '', True)},col={col},"
                 f"endColumn={end_col},line={line},endLine={end_line}")
        lines.append(f"::{kinds[r.severity]} {props}::{_gha_escape(r.message)}")
    return "\n".join(lines) + ("\n" if lines else "")


def format_junit(results: list[SpectralResult], fail: int) -> str:
    shown = [r for r in results if r.severity <= fail]
    by_source: dict[str, list[SpectralResult]] = {}
    for r in shown:
        by_source.setdefault(r.source or "", []).append(r)
    out = ['<?xml version="1.0" encoding="utf-8"?>', "<testsuites>"]
    for source, group in by_source.items():
        out.append(f'<testsuite package="org.spectral" time="0" tests="{len(group)}" errors="0" '
                   f'failures="{len(group)}" name={quoteattr(source)}>')
        for r in group:
            line, col, _, _ = _pos(r)
            name = f"org.spectral.{r.code}({dot_path(r.path)})"
            detail = f"line {line}, col {col}, {SEVERITY_LABELS[r.severity]} - {r.message} ({r.code})"
            out.append(f"<testcase classname={quoteattr(source)} name={quoteattr(name)} time=\"0\">")
            out.append(f"<failure message={quoteattr(r.message)}><![CDATA[{escape(detail)}]]></failure>")
            out.append("</testcase>")
        out.append("</testsuite>")
    out.append("</testsuites>")
    return "\n".join(out) + "\n"


def format_sarif(results: list[SpectralResult], fail: int) -> str:
    del fail
    levels = {0: "error", 1: "warning", 2: "note", 3: "note"}
    rules: dict[str, dict[str, Any]] = {}
    sarif_results = []
    for r in results:
        rules.setdefault(r.code, {"id": r.code, "shortDescription": {"text": r.message}})
        line, col, end_line, end_col = _pos(r)
        sarif_results.append({
            "level": levels[r.severity],
            "message": {"text": r.message},
            "ruleId": r.code,
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": r.source or "", "index": 0},
                    "region": {"startLine": line, "startColumn": col, "endLine": end_line, "endColumn": end_col},
                },
            }],
        })
    doc = {
        "$schema": "http://json.schemastore.org/sarif-2.1.0-rtm.6",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "spectral", "version": "6.16.2",
                                "informationUri": "https://github.com/stoplightio/spectral",
                                "rules": list(rules.values())}},
            "results": sarif_results,
        }],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


FORMATTERS: dict[str, Formatter] = {
    "stylish": format_stylish,
    "json": format_json,
    "text": format_text,
    "junit": format_junit,
    "sarif": format_sarif,
    "github-actions": format_github_actions,
}
