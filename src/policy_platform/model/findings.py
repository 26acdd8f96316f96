"""Findings: the one result type every engine's outcomes are turned into.

Engines report *what* and *where inside the object* (:class:`~policy_platform.engines.base.RuleOutcome`); the runner
adds *who* (policy, rule, source, provenance) and *where in the file* (line and column). All classes are frozen and
slotted; reporters are pure functions of :class:`ScanResult`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from types import MappingProxyType
from typing import Any

_EMPTY: Mapping[str, str] = MappingProxyType({})


class Status(StrEnum):
    """Outcome of one rule on one resource (Kyverno's result vocabulary)."""

    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    ERROR = "error"
    SKIP = "skip"


class Severity(IntEnum):
    """How bad a finding is; ordered so that thresholds compare."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @classmethod
    def parse(cls, text: str | None, default: Severity | None = None) -> Severity:
        """Parse ``low``/``medium``/``high``/``critical``/``info`` (any case); ``default`` (MEDIUM) otherwise."""
        fallback = default if default is not None else cls.MEDIUM
        if not text:
            return fallback
        try:
            return cls[str(text).strip().upper()]
        except KeyError:
            return fallback

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class ResourceRef:
    """The Kubernetes object (or values document) a finding is about."""

    api_version: str = ""
    kind: str = ""
    namespace: str = ""
    name: str = ""

    @classmethod
    def of(cls, obj: Any) -> ResourceRef:
        """Build from a Kubernetes object dict; tolerate anything else."""
        if not isinstance(obj, dict):
            return cls()
        meta = obj.get("metadata")
        meta = meta if isinstance(meta, dict) else {}
        return cls(
            api_version=_text(obj.get("apiVersion")),
            kind=_text(obj.get("kind")),
            namespace=_text(meta.get("namespace")),
            name=_text(meta.get("name")) or _text(meta.get("generateName")),
        )

    def display(self) -> str:
        """``namespace/Kind/name`` (Kyverno's order), or ``Kind/name`` when cluster-scoped."""
        parts = [p for p in (self.namespace, self.kind, self.name) if p]
        return "/".join(parts)


@dataclass(frozen=True, slots=True)
class Location:
    """Where in an input file: 1-based line and column when known."""

    file: str
    doc_index: int = 0
    path: tuple[str | int, ...] = ()
    line: int | None = None
    column: int | None = None

    def display(self) -> str:
        if self.line is None:
            return self.file
        if self.column is None:
            return f"{self.file}:{self.line}"
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class Origin:
    """Provenance of the policy (or ruleset) that produced a finding."""

    source: str = ""
    version: str = ""
    template: str = ""
    digest: str = ""
    environment: str = ""


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule's outcome on one resource, fully attributed."""

    engine: str
    policy: str
    rule: str
    status: Status
    severity: Severity
    message: str
    resource: ResourceRef | None = None
    location: Location | None = None
    origin: Origin | None = None
    properties: Mapping[str, str] = field(default_factory=dict)

    def sort_key(self) -> tuple[Any, ...]:
        loc = self.location
        return (
            loc.file if loc else "",
            loc.doc_index if loc else -1,
            loc.line or 0 if loc else 0,
            loc.column or 0 if loc else 0,
            self.engine,
            self.policy,
            self.rule,
            self.resource.display() if self.resource else "",
            self.status.value,
            self.message,
        )


@dataclass(frozen=True, slots=True)
class InputError:
    """A file (or document) that could not be read, parsed or evaluated. Never dropped, never a pass."""

    file: str
    message: str
    line: int | None = None
    stage: str = ""

    def display(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class ScanResult:
    """Everything one run found, in a stable order."""

    findings: tuple[Finding, ...] = ()
    input_errors: tuple[InputError, ...] = ()
    engines: tuple[str, ...] = ()
    metadata: Mapping[str, str] = field(default_factory=dict)

    @staticmethod
    def build(
        findings: list[Finding] | tuple[Finding, ...],
        input_errors: list[InputError] | tuple[InputError, ...] = (),
        engines: tuple[str, ...] = (),
        metadata: Mapping[str, str] | None = None,
    ) -> ScanResult:
        return ScanResult(
            findings=tuple(sorted(findings, key=Finding.sort_key)),
            input_errors=tuple(sorted(input_errors, key=lambda e: (e.file, e.line or 0, e.message))),
            engines=engines,
            metadata=MappingProxyType(dict(metadata or {})),
        )

    def counts(self) -> dict[str, int]:
        """Number of findings per status, every status present (Kyverno's summary order)."""
        out = {s.value: 0 for s in Status}
        for f in self.findings:
            out[f.status.value] += 1
        return out


BLOCKING_STATUSES = frozenset({Status.FAIL, Status.ERROR})


def exit_code(result: ScanResult) -> int:
    """The gate's exit code: 2 for input errors, 1 for any blocking finding (fail or error), else 0."""
    if result.input_errors:
        return 2
    if any(f.status in BLOCKING_STATUSES for f in result.findings):
        return 1
    return 0


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))
