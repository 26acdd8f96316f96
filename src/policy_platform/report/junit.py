"""JUnit XML: one test suite per engine, one test case per (policy/rule, resource); fail and error are failures."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict

from policy_platform.model.findings import Finding, ScanResult, Status


def _case_name(f: Finding) -> str:
    res = (
        f.resource.display() if f.resource and f.resource.kind != "Values" else (f.location.file if f.location else "")
    )
    return f"{f.policy}/{f.rule} {res}".strip()


def render(result: ScanResult) -> str:
    suites = ET.Element("testsuites", name="policy-platform")
    by_engine: dict[str, list[Finding]] = defaultdict(list)
    for f in result.findings:
        by_engine[f.engine].append(f)
    total_fail = total_err = total = 0
    for engine in sorted(by_engine):
        items = by_engine[engine]
        fails = sum(1 for f in items if f.status is Status.FAIL)
        errors = sum(1 for f in items if f.status is Status.ERROR)
        skipped = sum(1 for f in items if f.status is Status.SKIP)
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=engine,
            tests=str(len(items)),
            failures=str(fails),
            errors=str(errors),
            skipped=str(skipped),
        )
        for f in items:
            case = ET.SubElement(suite, "testcase", name=_case_name(f), classname=f"{engine}.{f.policy}")
            where = f.location.display() if f.location else ""
            text = f"{f.message}\n{where}".strip()
            if f.status is Status.FAIL:
                ET.SubElement(case, "failure", message=f.message, type=str(f.severity)).text = text
            elif f.status is Status.ERROR:
                ET.SubElement(case, "error", message=f.message, type="error").text = text
            elif f.status is Status.SKIP:
                ET.SubElement(case, "skipped", message=f.message)
            elif f.status is Status.WARN:
                ET.SubElement(case, "system-out").text = f"warning: {text}"
        total += len(items)
        total_fail += fails
        total_err += errors
    suites.set("tests", str(total))
    suites.set("failures", str(total_fail))
    suites.set("errors", str(total_err))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
