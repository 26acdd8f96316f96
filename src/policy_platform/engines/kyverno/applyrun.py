"""``kyverno apply`` offline: evaluate resources from files against loaded policies, in worker processes.

Work is split by resource file (each worker parses and evaluates its files), results come back in input order, so the
output is deterministic whatever ``--jobs`` is. Workers receive the compiled policies by ``fork`` (no pickling of
compiled CEL programs); where ``fork`` is unavailable evaluation runs in-process.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from policy_platform.engines.base import RuleOutcome
from policy_platform.engines.kyverno.engine import KyvernoEngine, LoadedPolicies
from policy_platform.engines.kyverno.inputs import expand_lists, expand_paths, read_documents
from policy_platform.model.findings import InputError, Status


@dataclass(frozen=True, slots=True)
class ResourceResult:
    """One resource and its rule outcomes."""

    file: str
    line: int
    api_version: str
    kind: str
    namespace: str
    name: str
    outcomes: tuple[RuleOutcome, ...]

    def display(self) -> str:
        return "/".join(p for p in (self.namespace, self.kind, self.name) if p)


@dataclass(slots=True)
class ApplyResult:
    resources: list[ResourceResult] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Job:
    engine: KyvernoEngine
    loaded: LoadedPolicies


_WORKER: list[_Job] = []  # the one job of a worker process, set by _init (per process, never shared)


def _init(job: _Job) -> None:
    _WORKER.clear()
    _WORKER.append(job)
    _ENCODER.clear()  # a fresh worker starts a fresh stream of table and outcome entries


# A worker's results travel back compactly: pickling ~80 frozen dataclass outcomes per resource (and rebuilding them
# through their __setstate__) cost the parent more than evaluating. Outcomes become tuples that point into a table
# of the (policy, rule, severity, origin, properties) they share, and a resource lists indexes into the outcomes.
# Both lists are kept per worker for the whole run and only their new entries travel: the engine shares one
# RuleOutcome object between equal outcomes, so after the first files almost every outcome is already known by
# identity, and the parent builds one RuleOutcome per distinct outcome of the run (RuleOutcome is frozen).
# A worker's files come back in the order it evaluated them (imap yields in task order, and a worker takes its tasks
# in that order), so the parent applies each worker's new entries in order.
_Encoded = tuple[int, bool, list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]
_STATUS = {s.value: s for s in Status}
_ENCODER_LIMIT = 200_000  # distinct outcomes a worker remembers before it starts over (bounds its memory)


class _Encoder:
    """A worker's side: the table and outcomes it has sent so far."""

    def __init__(self, worker: int | None = None) -> None:
        self.worker = os.getpid() if worker is None else worker  # created in the worker, after the fork
        self.reset()

    def reset(self) -> None:
        self.index: dict[tuple[Any, ...], int] = {}
        self.seen: dict[tuple[Any, ...], int] = {}
        self.by_id: dict[int, int] = {}
        self.alive: list[RuleOutcome] = []  # holds every outcome in by_id, so their ids stay unique
        self.tables = 0
        self.outcomes = 0

    def encode(self, results: list[ResourceResult]) -> _Encoded:
        fresh = self.outcomes > _ENCODER_LIMIT
        if fresh:
            self.reset()
        table: list[tuple[Any, ...]] = []
        outcomes: list[tuple[Any, ...]] = []
        rows: list[tuple[Any, ...]] = []
        by_id = self.by_id
        for res in results:
            encoded = []
            for o in res.outcomes:
                i = by_id.get(id(o))
                if i is None:
                    key = (o.policy, o.rule, o.severity, id(o.origin), id(o.properties))
                    t = self.index.get(key)
                    if t is None:
                        t = self.index[key] = self.tables
                        self.tables += 1
                        table.append((o.policy, o.rule, o.severity, o.origin, o.properties))
                    entry = (t, o.status.value, o.message, o.path)
                    i = self.seen.get(entry)
                    if i is None:
                        i = self.seen[entry] = self.outcomes
                        self.outcomes += 1
                        outcomes.append(entry)
                    by_id[id(o)] = i
                    self.alive.append(o)
                encoded.append(i)
            rows.append((res.file, res.line, res.api_version, res.kind, res.namespace, res.name, tuple(encoded)))
        return self.worker, fresh, table, outcomes, rows


class _Decoder:
    """The parent's side: per worker, the table entries and RuleOutcomes received so far; across workers, equal
    outcomes are one object (table entries canonicalized by value, then outcomes by (entry, status, message,
    path))."""

    def __init__(self) -> None:
        self.shared: dict[Any, Any] = {}
        self.workers: dict[int, tuple[list[Any], list[RuleOutcome]]] = {}

    def decode(self, encoded: _Encoded) -> list[ResourceResult]:
        worker, fresh, table, outcomes, rows = encoded
        state = self.workers.get(worker)
        if state is None or fresh:
            state = self.workers[worker] = ([], [])
        entries, built = state
        shared = self.shared
        for entry in table:
            key = (*entry[:4], tuple(entry[4].items()))
            found = shared.get(key)
            if found is None:
                found = shared[key] = (key, entry)
            entries.append(found)
        status = _STATUS
        for t, st, message, path in outcomes:
            entry_key, entry = entries[t]
            key = (entry_key, st, message, path)
            outcome = shared.get(key)
            if outcome is None:
                policy, rule, severity, origin, properties = entry
                outcome = shared[key] = RuleOutcome(
                    policy, rule, status[st], message, path, severity, origin, properties
                )
            built.append(outcome)
        get = built.__getitem__
        return [
            ResourceResult(file, line, api_version, kind, namespace, name, tuple(map(get, indexes)))
            for file, line, api_version, kind, namespace, name, indexes in rows
        ]


_ENCODER: list[_Encoder] = []


def _evaluate_file(path: str) -> tuple[_Encoded, list[InputError], float, float]:
    job = _WORKER[0]
    results, errors, parse, evaluate = evaluate_file(job.engine, job.loaded, path)
    if not _ENCODER:
        _ENCODER.append(_Encoder())
    return _ENCODER[0].encode(results), errors, parse, evaluate


def evaluate_file(
    engine: KyvernoEngine, loaded: LoadedPolicies, path: str
) -> tuple[list[ResourceResult], list[InputError], float, float]:
    """(results, input errors, parse CPU seconds, evaluate CPU seconds) of one resource file."""
    t0 = time.process_time()
    docs, errors = read_documents(path)
    t1 = time.process_time()
    results: list[ResourceResult] = []
    for doc in docs:
        for _d, data in expand_lists(doc):
            meta = data.get("metadata")
            meta = meta if isinstance(meta, dict) else {}
            outcomes = engine.evaluate_resource(loaded, data)
            results.append(
                ResourceResult(
                    file=doc.file,
                    line=doc.start_line + 1,
                    api_version=str(data.get("apiVersion") or ""),
                    kind=str(data.get("kind") or ""),
                    namespace=str(meta.get("namespace") or engine.options.default_namespace or ""),
                    name=str(meta.get("name") or meta.get("generateName") or ""),
                    outcomes=tuple(outcomes),
                )
            )
    t2 = time.process_time()
    return results, errors, t1 - t0, t2 - t1


def apply(
    engine: KyvernoEngine, loaded: LoadedPolicies, resource_paths: Sequence[str], *, jobs: int = 0
) -> ApplyResult:
    """Evaluate every resource of ``resource_paths`` (files, folders, ``-``)."""
    files = (
        [str(p) for p in resource_paths]
        if any(str(p) == "-" for p in resource_paths)
        else [str(p) for p in expand_paths([Path(p) for p in resource_paths])]
    )
    out = ApplyResult()
    workers = jobs if jobs > 0 else (os.cpu_count() or 1)
    parse = evaluate = 0.0
    use_pool = workers > 1 and len(files) > 1 and "-" not in files and "fork" in multiprocessing.get_all_start_methods()
    if use_pool:
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(min(workers, len(files)), initializer=_init, initargs=(_Job(engine, loaded),)) as pool:
            # small tasks (one file each for up to 64 files per worker): no long tail with one worker idle, and a
            # worker never holds several files' results at once
            chunks = pool.imap(_evaluate_file, files, chunksize=max(1, len(files) // (workers * 32)))
            decoder = _Decoder()
            for encoded, errors, p, e in chunks:
                out.resources.extend(decoder.decode(encoded))
                out.errors.extend(errors)
                parse += p
                evaluate += e
    else:
        for f in files:
            results, errors, p, e = evaluate_file(engine, loaded, f)
            out.resources.extend(results)
            out.errors.extend(errors)
            parse += p
            evaluate += e
    out.timings = {"parse_cpu": parse, "evaluate_cpu": evaluate}
    return out


def counts(result: ApplyResult, *, audit_warn: bool) -> dict[str, int]:
    """``pass/fail/warn/error/skip`` per rule response, as ``kyverno apply`` counts them."""
    c = {"pass": 0, "fail": 0, "warn": 0, "error": 0, "skip": 0}
    status_of = status_memo(audit_warn=audit_warn)
    for res in result.resources:
        for o in res.outcomes:
            c[status_of(o)] += 1
    return c


def status_memo(*, audit_warn: bool) -> Callable[[RuleOutcome], str]:
    """:func:`effective_status`, computed once per outcome object (equal outcomes are shared objects, so a run has
    far fewer distinct ones than rule responses). The memo holds the outcomes, so their ids stay unique."""
    memo: dict[int, tuple[RuleOutcome, str]] = {}
    get = memo.get

    def status_of(outcome: RuleOutcome) -> str:
        found = get(id(outcome))
        if found is None:
            found = memo[id(outcome)] = (outcome, effective_status(outcome, audit_warn=audit_warn))
        return found[1]

    return status_of


def effective_status(outcome: RuleOutcome, *, audit_warn: bool) -> str:
    status = outcome.status.value
    if audit_warn and status == "fail" and outcome.properties.get("action") != "Enforce":
        return "warn"
    return status


def exit_code(c: dict[str, int], *, warn_exit_code: int, warn_no_pass: bool) -> int:
    """``kyverno apply``: fail → 1; else error → 1; else warn with --warn-exit-code → N; --warn-no-pass; else 0."""
    if c["fail"] > 0 or c["error"] > 0:
        return 1
    if warn_exit_code and c["warn"] > 0:
        return warn_exit_code
    if warn_no_pass and c["pass"] == 0:
        return warn_exit_code
    return 0


def policy_report(result: ApplyResult, *, audit_warn: bool) -> dict[str, Any]:
    """A ``ClusterPolicyReport`` named ``merged`` (wgpolicyk8s.io/v1alpha2) with every result and a summary."""
    results: list[dict[str, Any]] = []
    for res in result.resources:
        for o in res.outcomes:
            status = effective_status(o, audit_warn=audit_warn)
            entry: dict[str, Any] = {
                "policy": o.policy,
                "rule": o.rule,
                "result": status,
                "message": o.message,
                "scored": True,
                "source": "kyverno",
                "resources": [
                    {
                        "apiVersion": res.api_version,
                        "kind": res.kind,
                        "name": res.name,
                        "namespace": res.namespace,
                    }
                ],
            }
            if o.properties.get("category"):
                entry["category"] = o.properties["category"]
            if o.severity is not None:
                entry["severity"] = str(o.severity)
            results.append(entry)
    c = counts(result, audit_warn=audit_warn)
    return {
        "apiVersion": "wgpolicyk8s.io/v1alpha2",
        "kind": "ClusterPolicyReport",
        "metadata": {"name": "merged"},
        "results": results,
        "summary": c,
    }
