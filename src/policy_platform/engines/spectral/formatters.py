"""Output formats of ``policy-platform lint``, shaped like Spectral's formatters.

``json`` (0-based ranges, tab-indented), ``stylish`` (per-file table and a ``✖ N problems`` summary), ``text``
(``file:line:col severity code "message"``), ``github-actions`` (workflow commands), ``junit``, ``sarif`` (2.1.0),
``code-climate``/``gitlab`` (0-based positions) and ``teamcity`` (service messages).
Human formats print 1-based ``line:col``. Every formatter takes the sorted results and the fail severity; ``sarif``
also takes the ruleset's rules (its ``tool.driver.rules``), like Spectral's (driver ``spectral`` 6.16.2, as printed by
Spectral 6.16.3).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Sequence
from typing import Any

from policy_platform.engines.spectral.document import DEFAULT_RANGE
from policy_platform.engines.spectral.jsvalue import utf16_len
from policy_platform.engines.spectral.linter import SpectralResult
from policy_platform.engines.spectral.messages import dot_path, pointer
from policy_platform.engines.spectral.ruleset import Rule

SEVERITY_LABELS = {0: "error", 1: "warning", 2: "information", 3: "hint"}
Formatter = Callable[..., str]


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
        url = f" {r.documentation_url}" if r.documentation_url else ""
        lines.append(f'{r.source}:{line}:{col} {SEVERITY_LABELS[r.severity]} {r.code} "{r.message}"{url}')
    return "\n".join(lines)


def _plural(word: str, count: int) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary(results: list[SpectralResult]) -> str | None:
    """``N problems (E errors, W warnings, I infos, H hints)``, or None without results."""
    counts = [sum(1 for r in results if r.severity == s) for s in range(4)]
    if not results:
        return None
    return (f"{_plural('problem', len(results))} ({_plural('error', counts[0])}, {_plural('warning', counts[1])}, "
            f"{_plural('info', counts[2])}, {_plural('hint', counts[3])})")


def _table(rows: list[list[str]]) -> list[str]:
    """A text-table: first column centred, second right-aligned, the rest left; two-space gaps; no trailing spaces."""
    widths = [max(utf16_len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            pad = widths[i] - utf16_len(cell)  # JavaScript string length, as text-table measures
            if i == 0:
                cells.append(" " * ((pad + 1) // 2) + cell + " " * (pad // 2))
            elif i == 1:
                cells.append(" " * pad + cell)
            else:
                cells.append(cell + " " * pad)
        lines.append("  ".join(cells).rstrip())
    return lines


_DIGITS_GAP = re.compile(r"(\d+)\s+(\d+)")


def format_stylish(results: list[SpectralResult], fail: int) -> str:
    del fail
    text = summary(results)
    if text is None:
        return ""
    out = ["\n"]
    by_source: dict[str, list[SpectralResult]] = {}
    for r in results:
        by_source.setdefault(r.source or "", []).append(r)
    for source, group in by_source.items():
        rows = []
        for r in group:
            line, col, _, _ = _pos(r)
            rows.append([f" {line}:{col}", SEVERITY_LABELS[r.severity], r.code, r.message, dot_path(r.path)])
        table = [_DIGITS_GAP.sub(r"\1:\2", row, count=1) for row in _table(rows)]
        out.append(f"{source}\n" + "\n".join(table) + "\n\n")
    out.append(f"\u2716 {text}\n")
    return "".join(out)


def format_github_actions(results: list[SpectralResult], fail: int) -> str:
    del fail
    kinds = {0: "error", 1: "warning", 2: "notice", 3: "notice"}
    lines = []
    for r in results:
        line, col, end_line, end_col = _pos(r)
        file = os.path.relpath(r.source) if r.source else ""
        props = f"title={r.code},file={file},col={col},endColumn={end_col},line={line},endLine={end_line}"
        lines.append(f"::{kinds[r.severity]} {props}::{r.message.replace(chr(10), '%0A')}")
    return "\n".join(lines)


def _xml(text: str) -> str:
    out = []
    for ch in text:
        code = ord(ch)
        if ch in _XML_ENTITIES:
            out.append(_XML_ENTITIES[ch])
        elif code < 0x20 or code == 0x7F or 0x80 <= code <= 0xFFFF:
            out.append(f"&#{code};")
        else:
            out.append(ch)
    return "".join(out)


_XML_ENTITIES = {"<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;"}


def format_junit(results: list[SpectralResult], fail: int) -> str:
    out = ['<?xml version="1.0" encoding="utf-8"?>\n', "<testsuites>\n"]
    by_source: dict[str, list[SpectralResult]] = {}
    for r in results:
        by_source.setdefault(r.source or "", []).append(r)
    for source, group in by_source.items():
        classname = os.path.splitext(source)[0]
        failing = [r for r in group if r.severity <= fail]
        out.append(f'<testsuite package="org.spectral" time="0" tests="{len(failing)}" errors="0" '
                   f'failures="{len(failing)}" name="{source}">\n')
        for r in failing:
            line, col, _, _ = _pos(r)
            path = pointer(r.path)
            out.append(f'<testcase time="0" name="org.spectral.{r.code}({_xml(path)})" classname="{classname}">')
            out.append(f'<failure message="{_xml(r.message)}">')
            cdata = f"line {line}, col {col}, {r.message} ({r.code}) at path {path}"
            if r.documentation_url:
                cdata += f", {r.documentation_url}"
            cdata = cdata.replace("]]>", "]]]]><![CDATA[>")
            out.append(f"<![CDATA[{cdata}]]></failure></testcase>\n")
        out.append("</testsuite>\n")
    out.append("</testsuites>\n")
    return "".join(out)


def format_sarif(results: list[SpectralResult], fail: int, rules: Sequence[Rule] = ()) -> str:
    """SARIF 2.1.0 as Spectral's formatter builds it: every ruleset rule (description or ``No description.``,
    ``helpUri``), results with cwd-relative file URIs and 1-based regions, the files as artifacts."""
    del fail
    levels = {0: "error", 1: "warning", 2: "note", 3: "note"}
    rule_entries: list[dict[str, Any]] = []
    rule_index: dict[str, int] = {}
    for rule in rules:
        entry: dict[str, Any] = {"id": rule.name, "shortDescription": {"text": rule.description or "No description."}}
        if rule.documentation_url:
            entry["helpUri"] = rule.documentation_url
        rule_index[rule.name] = len(rule_entries)
        rule_entries.append(entry)
    artifacts: list[dict[str, Any]] = []
    artifact_index: dict[str, int] = {}
    sarif_results = []
    for r in results:
        uri = os.path.relpath(r.source).replace(os.sep, "/") if r.source and not r.source.startswith("<") else (
            r.source or "")
        if uri not in artifact_index:
            artifact_index[uri] = len(artifacts)
            artifacts.append({"location": {"uri": uri}})
        line, col, end_line, end_col = _pos(r)
        text = f"{r.message} -- {r.documentation_url}" if r.documentation_url else r.message
        item: dict[str, Any] = {
            "level": levels[r.severity],
            "message": {"text": text},
            "ruleId": r.code,
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": uri, "index": artifact_index[uri]},
                    "region": {"startLine": line, "startColumn": col, "endLine": end_line, "endColumn": end_col},
                },
            }],
        }
        if r.code in rule_index:
            item["ruleIndex"] = rule_index[r.code]
        sarif_results.append(item)
    doc = {
        "$schema": "http://json.schemastore.org/sarif-2.1.0-rtm.6.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "spectral", "version": "6.16.2",
                                "informationUri": "https://github.com/stoplightio/spectral",
                                "rules": rule_entries}},
            "artifacts": artifacts,
            "results": sarif_results,
        }],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False)


def format_code_climate(results: list[SpectralResult], fail: int) -> str:
    """Code Climate issues (also ``gitlab``): 0-based positions, cwd-relative paths, ``file:path:code`` fingerprints."""
    del fail
    severities = {0: "critical", 1: "major", 2: "minor", 3: "info"}
    issues = []
    for r in results:
        rel = os.path.relpath(r.source).replace(os.sep, "/") if r.source and not r.source.startswith("<") else (
            r.source or "")
        (sl, sc), (el, ec) = r.range or DEFAULT_RANGE
        issues.append({
            "type": "issue",
            "check_name": r.code,
            "description": r.message,
            "categories": ["Style"],
            "location": {"path": rel, "positions": {"begin": {"line": sl, "column": sc},
                                                    "end": {"line": el, "column": ec}}},
            "severity": severities[r.severity],
            "fingerprint": f"{rel}:{'.'.join(str(p) for p in r.path)}:{r.code}",
        })
    return json.dumps(issues, indent="\t", ensure_ascii=False)


def _teamcity_escape(text: str) -> str:
    out = text.replace("|", "||").replace("'", "|'").replace("\n", "|n").replace("\r", "|r")
    out = out.replace("\u0085", "|x").replace("\u2028", "|l").replace("\u2029", "|p")
    return out.replace("[", "|[").replace("]", "|]")


def format_teamcity(results: list[SpectralResult], fail: int) -> str:
    """TeamCity service messages: an ``inspectionType`` and an ``inspection`` per result."""
    del fail
    names = {0: "ERROR", 1: "WARNING", 2: "INFO", 3: "HINT"}
    lines = []
    for r in results:
        if r.source is None:
            continue
        code = _teamcity_escape(r.code)
        label = SEVERITY_LABELS[r.severity]
        message = _teamcity_escape(r.message)
        url = f" -- {_teamcity_escape(r.documentation_url)}" if r.documentation_url else ""
        lines.append(f"##teamcity[inspectionType category='openapi' id='{code}' name='{code}' "
                     f"description='{label} -- {message}{url}']")
        line, _, _, _ = _pos(r)
        lines.append(f"##teamcity[inspection typeId='{code}' file='{r.source}' line='{line}' "
                     f"message='{label} -- {message}' SEVERITY='{names[r.severity]}']")
    return "\n".join(lines)


FORMATTERS: dict[str, Formatter] = {
    "stylish": format_stylish,
    "json": format_json,
    "text": format_text,
    "junit": format_junit,
    "sarif": format_sarif,
    "github-actions": format_github_actions,
    "code-climate": format_code_climate,
    "gitlab": format_code_climate,
    "teamcity": format_teamcity,
}
