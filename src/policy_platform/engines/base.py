"""The engine contract.

An engine loads policy documents once (``load``) and evaluates one input document at a time (``evaluate``), yielding
one :class:`RuleOutcome` per (rule, document) that applied. "Not applicable" (no match) yields nothing, as Kyverno gives
no rule response. Engines report *what* and *where inside the object* (``path``); :mod:`policy_platform.engines.runner`
adds *where in the file* and turns outcomes into :class:`~policy_platform.model.findings.Finding` objects. Engines never
read configuration files or environment variables.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol, TypeVar

from policy_platform._internal.yamlio import Document
from policy_platform.model.findings import Origin, Severity, Status

_EMPTY: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class PolicyDocument:
    """A policy (or ruleset) document as handed to an engine, with its provenance."""

    document: Document
    origin: Origin | None = None


@dataclass(frozen=True, slots=True)
class RuleOutcome:
    """What an engine knows about one rule on one document.

    ``properties`` carries engine extras the runner and reporters use, e.g. for Kyverno ``action`` (Enforce/Audit),
    ``category`` and ``severity`` from the policy annotations; for deprecations ``replacement``.
    """

    policy: str
    rule: str
    status: Status
    message: str = ""
    path: tuple[str | int, ...] = ()
    severity: Severity | None = None
    origin: Origin | None = None
    properties: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class EngineContext:
    """Per-run inputs an engine may use; built by the caller, never read from the environment by an engine."""

    environment: str = ""
    kubernetes_version: str = ""
    values: Mapping[str, Any] = field(default_factory=dict)


L = TypeVar("L")


class Engine(Protocol[L]):
    """An engine: ``load`` raises :class:`~policy_platform.errors.PolicyLoadError`; ``evaluate`` is lazy and pure."""

    name: str

    def load(self, policies: Sequence[PolicyDocument]) -> L: ...

    def evaluate(self, loaded: L, document: Document, context: EngineContext) -> Iterator[RuleOutcome]: ...
