"""Turn engine outcomes into findings: add the resource, the file/line and the failure-action semantics."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from policy_platform._internal.yamlio import Document
from policy_platform.engines.base import RuleOutcome
from policy_platform.model.findings import Finding, Location, ResourceRef, Severity, Status

DEFAULT_SEVERITY = {
    Status.FAIL: Severity.HIGH,
    Status.ERROR: Severity.HIGH,
    Status.WARN: Severity.MEDIUM,
    Status.PASS: Severity.INFO,
    Status.SKIP: Severity.INFO,
}


def locate(document: Document, path: tuple[str | int, ...]) -> Location:
    """The location of ``path`` inside ``document`` (its closest existing node; the resource's first key for ``()``)."""
    pos = document.locate(path)
    if pos is None:
        return Location(file=document.file, doc_index=document.index, path=path, line=document.start_line + 1)
    line, column, _exact = pos
    return Location(file=document.file, doc_index=document.index, path=path, line=line, column=column)


def _item_resource(document: Document, path: tuple[str | int, ...]) -> ResourceRef | None:
    """For an outcome about ``items[i]`` of a ``List`` document, the item is the resource."""
    data = document.data
    if len(path) >= 2 and path[0] == "items" and isinstance(path[1], int) and isinstance(data, dict):
        items = data.get("items")
        if isinstance(items, list) and 0 <= path[1] < len(items):
            return ResourceRef.of(items[path[1]])
    return None


def to_findings(
    engine: str,
    outcomes: Iterable[RuleOutcome],
    document: Document,
    *,
    audit_warn: bool = True,
    extra_properties: Mapping[str, str] | None = None,
) -> list[Finding]:
    """Attribute ``outcomes`` of ``engine`` on ``document``.

    With ``audit_warn`` (the seed's ``kyverno apply --audit-warn``), a ``fail`` whose ``action`` property is not
    ``Enforce`` becomes ``warn``; an ``error`` keeps its status whatever the action.
    """
    whole = ResourceRef.of(document.data)
    findings: list[Finding] = []
    for out in outcomes:
        resource = _item_resource(document, out.path) or whole
        status = out.status
        props = dict(out.properties)
        if extra_properties:
            props.update(extra_properties)
        if audit_warn and status is Status.FAIL and props.get("action", "Enforce") != "Enforce":
            status = Status.WARN
        severity = out.severity if out.severity is not None else DEFAULT_SEVERITY[status]
        findings.append(
            Finding(
                engine=engine,
                policy=out.policy,
                rule=out.rule,
                status=status,
                severity=severity,
                message=out.message,
                resource=resource,
                location=locate(document, out.path),
                origin=out.origin,
                properties=props,
            )
        )
    return findings
