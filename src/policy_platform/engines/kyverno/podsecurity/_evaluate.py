"""Kyverno's ``validate.podSecurity`` handler (``handlers/validation/validate_pss.go`` and ``pkg/pss``, Kyverno 1.13).

1. The pod is taken from a Pod, from ``spec.template`` of a DaemonSet, Deployment, Job, StatefulSet, ReplicaSet or
   ReplicationController, or from ``spec.jobTemplate.spec.template`` of a CronJob (whose *metadata* Kyverno takes
   from ``spec.jobTemplate.metadata``, a quirk kept here).
2. Every check of the level runs (``baseline``: baseline checks; ``restricted``: all). For ``latest`` the newest
   version of each check runs; for ``v1.N`` every version with a minimum version ≤ 1.N runs (Kyverno quirk: a
   failing check may then be reported more than once).
3. Each ``exclude`` entry re-evaluates a reduced pod (a pod-level exclusion: the pod with one empty container; with
   ``images``: only the containers whose image matches) and removes the matching field errors of the checks mapped
   from ``controlName``, restricted to ``restrictedField`` and to bad values matching ``values`` when given.
4. Field paths in the message are rewritten for controllers (``spec`` → ``spec.template.spec``, CronJob
   ``spec.jobTemplate.spec.template.spec``) and ``metadata`` → ``spec.template.metadata`` for every kind, as Kyverno
   does, then formatted as ``(Forbidden reason: <reason>, field error list: [<errors>])`` per failing check, in
   registry order. (After an exclusion Kyverno rebuilds the list from a Go map, so its order is random there; ours
   stays stable.)
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import re2

from policy_platform.engines.kyverno.podsecurity._model import ABSENT, CheckResult, FieldError, mapping
from policy_platform.engines.kyverno.podsecurity.checks import CHECKS

__all__ = ["CONTROLS", "CheckFailure", "PodSecurityResult", "evaluate_pod_security"]

#: Kyverno's control names (``exclude[].controlName``) → check IDs.
CONTROLS: Mapping[str, tuple[str, ...]] = {
    "Capabilities": ("capabilities_baseline", "capabilities_restricted"),
    "Seccomp": ("seccompProfile_baseline", "seccompProfile_restricted"),
    "Privileged Containers": ("privileged",),
    "Host Ports": ("hostPorts",),
    "/proc Mount Type": ("procMount",),
    "procMount": ("procMount",),
    "HostProcess": ("windowsHostProcess",),
    "SELinux": ("seLinuxOptions",),
    "Host Namespaces": ("hostNamespaces",),
    "HostPath Volumes": ("hostPathVolumes",),
    "Sysctls": ("sysctls",),
    "AppArmor": ("appArmorProfile",),
    "Privilege Escalation": ("allowPrivilegeEscalation",),
    "Running as Non-root": ("runAsNonRoot",),
    "Running as Non-root user": ("runAsUser",),
    "Volume Types": ("restrictedVolumes",),
}

_LEVELS = ("privileged", "baseline", "restricted")
_VERSION = re2.compile(r"^v1\.(0|[1-9][0-9]*)$")
_CONTROLLERS = frozenset({"DaemonSet", "Deployment", "Job", "StatefulSet", "ReplicaSet", "ReplicationController"})
_DIGITS = re.compile(r"[0-9]+")  # RE2's \d: ASCII digits only
_WORDS = re.compile(r"[a-zA-Z]+")


@dataclass(frozen=True, slots=True)
class CheckFailure:
    """One failing check: its ID, forbidden reason and detail, and field errors (paths as in the message)."""

    id: str
    reason: str
    detail: str
    errors: tuple[FieldError, ...]


@dataclass(frozen=True, slots=True)
class PodSecurityResult:
    """The outcome of a ``validate.podSecurity`` rule; ``error`` when the resource holds no pod spec."""

    status: Literal["pass", "fail", "skip", "error"]
    message: str = ""
    checks: tuple[CheckFailure, ...] = ()


@dataclass(frozen=True, slots=True)
class _Exclude:
    control: str
    images: tuple[str, ...]
    field: str
    values: tuple[str, ...]


@dataclass(slots=True)
class _Failure:
    id: str
    result: CheckResult
    errors: list[FieldError]


# ------------------------------------------------------------------------------------------------ spec parsing


def _parse_spec(spec: Mapping[str, Any]) -> tuple[str, int | None, tuple[_Exclude, ...]]:
    if not isinstance(spec, Mapping):
        raise ValueError("podSecurity must be a mapping")
    level = spec.get("level")
    if level not in _LEVELS:
        raise ValueError(f"podSecurity.level must be one of {', '.join(_LEVELS)}, got {level!r}")
    version = spec.get("version") or "latest"
    minor: int | None = None
    if version != "latest":
        match = _VERSION.match(str(version))
        if match is None:
            raise ValueError(f"podSecurity.version must be 'latest' or 'v1.<minor>', got {version!r}")
        minor = int(match.group(1))
    excludes = []
    raw = spec.get("exclude") or []
    if not isinstance(raw, list):
        raise ValueError("podSecurity.exclude must be a list")
    for i, entry in enumerate(raw):
        if not isinstance(entry, Mapping):
            raise ValueError(f"podSecurity.exclude[{i}] must be a mapping")
        control = entry.get("controlName")
        if control not in CONTROLS:
            raise ValueError(f"podSecurity.exclude[{i}].controlName: unknown control {control!r}")
        excludes.append(
            _Exclude(
                control=str(control),
                images=_strings(entry.get("images"), f"podSecurity.exclude[{i}].images"),
                field=str(entry.get("restrictedField") or ""),
                values=_strings(entry.get("values"), f"podSecurity.exclude[{i}].values"),
            )
        )
    return str(level), minor, tuple(excludes)


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ValueError(f"{where} must be a list of strings")
    return tuple(str(v) for v in value)


def _pod_of(resource: Mapping[str, Any]) -> tuple[Mapping[str, Any], Mapping[str, Any]] | None:
    kind = resource.get("kind")
    spec = mapping(resource.get("spec"))
    if kind == "Pod":
        return mapping(resource.get("metadata")), spec
    if kind in _CONTROLLERS:
        template = mapping(spec.get("template"))
        return mapping(template.get("metadata")), mapping(template.get("spec"))
    if kind == "CronJob":
        job = mapping(spec.get("jobTemplate"))
        template = mapping(mapping(job.get("spec")).get("template"))
        return mapping(job.get("metadata")), mapping(template.get("spec"))
    return None


# ------------------------------------------------------------------------------------------------ evaluation


@lru_cache(maxsize=64)
def _plan(level: str, minor: int | None) -> tuple[tuple[str, Callable[..., CheckResult]], ...]:
    """The (check ID, check function) pairs that run for a level and version, in registry order."""
    plan: list[tuple[str, Callable[..., CheckResult]]] = []
    for check_id, module in CHECKS.items():
        if level == "baseline" and module.LEVEL != "baseline":
            continue
        versions = module.VERSIONS
        selected = [versions[-1]] if minor is None else [v for v in versions if v.minor <= minor]
        plan.extend((check_id, version.check) for version in selected)
    return tuple(plan)


def _evaluate(
    level: str,
    minor: int | None,
    metadata: Mapping[str, Any],
    spec: Mapping[str, Any],
    memo: dict[Any, Any] | None = None,
    key: Any = None,
    *,
    shared: bool = False,
    only: tuple[str, ...] | None = None,
) -> list[_Failure]:
    """The failing checks; ``memo`` (per resource) keeps the check results under ``key`` for later rules.

    ``only``: run just these check IDs (an exclusion looks only at the checks of its control).

    With ``shared``, results are also kept across resources under the content of the pod (its annotations, the only
    metadata a check reads, and its spec): meant for the small reduced pods exclusions evaluate, which repeat.
    """
    failed: list[tuple[str, CheckResult]] | None = None if memo is None else memo.get(key)
    content: Any = None
    if failed is None and shared:
        content = _content_key(level, minor, metadata, spec, only)
        if content is not None:
            failed = _SHARED.get(content)
    if failed is None:
        failed = []
        # a check function gives one answer per pod: levels and versions running the same function share it
        # (baseline's checks are among restricted's); the memo keeps every pod it has seen alive (reduced pods of
        # exclusions are temporary), so ids are not reused while it lives
        checks: dict[Any, CheckResult] | None = None
        pod = (id(metadata), id(spec))
        if memo is not None:
            checks = memo.setdefault("checks", {})
            memo.setdefault("pods", {})[pod] = (metadata, spec)
        for check_id, check in _plan(level, minor):
            if only is not None and check_id not in only:
                continue
            result: CheckResult | None = None if checks is None else checks.get((check, pod))
            if result is None:
                result = check(metadata, spec)
                if checks is not None:
                    checks[(check, pod)] = result
            if not result.allowed:
                failed.append((check_id, result))
        if content is not None and len(_SHARED) < _SHARED_MAX:
            _SHARED[content] = failed
    if memo is not None:
        memo[key] = failed
    return [_Failure(check_id, result, list(result.errors)) for check_id, result in failed]


_SHARED: dict[Any, list[tuple[str, CheckResult]]] = {}
_SHARED_MAX = 20_000


def _content_key(
    level: str, minor: int | None, metadata: Mapping[str, Any], spec: Mapping[str, Any], only: Any = None
) -> Any:
    """A key equal for pods every check treats alike, or None when the content has no canonical JSON form."""
    try:
        text = json.dumps([metadata.get("annotations"), spec], sort_keys=True, separators=(",", ":"), default=_no_json)
    except (TypeError, ValueError):
        return None
    return (level, minor, only, text)


def _no_json(value: Any) -> Any:
    raise TypeError(type(value).__name__)


@lru_cache(maxsize=1024)
def _wildcard_rx(pattern: str) -> Any:
    rx = "".join(".*" if c == "*" else "." if c == "?" else re2.escape(c) for c in pattern)
    return re2.compile(rx, options=_DOTALL)


@lru_cache(maxsize=4096)
def _wildcard(patterns: tuple[str, ...], value: str) -> bool:
    """Kyverno's wildcard match: ``*`` any run, ``?`` one character, nothing else special (memoized: the same
    images and values recur on every pod)."""
    return any(_wildcard_rx(pattern).fullmatch(value) is not None for pattern in patterns)


_DOTALL = re2.Options()
_DOTALL.dot_nl = True


def _bad_values(err: FieldError) -> list[str]:
    value = err.bad_value
    if isinstance(value, bool):
        return ["true" if value else "false"]
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, int):
        return [str(value)]
    if isinstance(value, list):
        return [str(v) for v in value]
    return []


def _parse_field(field: str) -> tuple[str, list[int], str]:
    indexes = [int(m) for m in _DIGITS.findall(field)]
    words = _WORDS.findall(field)
    return _DIGITS.sub("*", field), indexes, words[1] if len(words) > 1 else ""


def _container(spec: Mapping[str, Any], kind: str, index: int) -> Mapping[str, Any]:
    items = spec.get(kind)
    if isinstance(items, list) and 0 <= index < len(items):
        return mapping(items[index])
    return {}


_CONTAINER_KINDS = ("containers", "initContainers", "ephemeralContainers")


def _exempt(
    failures: list[_Failure],
    excluded: list[_Failure],
    exclude: _Exclude,
    spec: Mapping[str, Any],
    matching_spec: Mapping[str, Any],
    container_level: bool,
) -> list[_Failure]:
    by_id = {f.id: f for f in failures}
    for ex in excluded:
        if ex.id not in CONTROLS[exclude.control]:
            continue
        for ex_err in ex.errors:
            ex_name: str | None = None
            if container_level:
                ex_field, idx, kind = _parse_field(ex_err.field)
                if kind in _CONTAINER_KINDS and idx:
                    ex_name = str(_container(matching_spec, kind, idx[0]).get("name", ""))
            else:
                ex_field = _DIGITS.sub("*", ex_err.field)
            if exclude.field and ex_field != exclude.field:
                continue
            if exclude.values and not all(_wildcard(exclude.values, v) for v in _bad_values(ex_err)):
                continue
            target = by_id.get(ex.id)
            if target is None:
                continue
            for i, err in enumerate(target.errors):
                if container_level:
                    field, idx, kind = _parse_field(err.field)
                    if kind in _CONTAINER_KINDS and idx:
                        name = str(_container(spec, kind, idx[0]).get("name", ""))
                        if field == ex_field and name == ex_name:
                            _swap_remove(target.errors, i)
                            break
                        continue
                else:
                    field = _DIGITS.sub("*", err.field)
                if field == ex_field:
                    _swap_remove(target.errors, i)
                    break
            if not target.errors:
                del by_id[ex.id]
    return [f for f in failures if f.id in by_id]


def _swap_remove(items: list[FieldError], index: int) -> None:
    """Go's ``remove``: move the last element into ``index`` and shorten (order changes, as in Kyverno)."""
    items[index] = items[-1]
    items.pop()


def _apply_excludes(
    level: str,
    minor: int | None,
    excludes: Sequence[_Exclude],
    failures: list[_Failure],
    metadata: Mapping[str, Any],
    spec: Mapping[str, Any],
    memo: dict[Any, Any] | None = None,
) -> list[_Failure]:
    for exclude in excludes:
        if not exclude.images:
            reduced = {k: v for k, v in spec.items() if k not in ("initContainers", "ephemeralContainers")}
            reduced["containers"] = [{"name": "fake"}]
            only = CONTROLS[exclude.control]  # _exempt reads only the failures of the control's checks
            excluded = _evaluate(
                level, minor, metadata, reduced, memo, ("pod", level, minor, only), shared=True, only=only
            )
            failures = _exempt(failures, excluded, exclude, spec, reduced, container_level=False)
        else:
            matching: dict[str, Any] = {}
            for kind in _CONTAINER_KINDS:
                items = spec.get(kind)
                kept = [c for c in (items if isinstance(items, list) else [])
                        if _wildcard(exclude.images, str(mapping(c).get("image", "")))]
                if kept:
                    matching[kind] = kept
            meta = {k: metadata[k] for k in ("name", "namespace") if k in metadata}
            # shared across resources only when no container matches: matching containers are as varied as the pods
            # (keying them costs more than it saves)
            only = CONTROLS[exclude.control]
            excluded = _evaluate(
                level,
                minor,
                meta,
                matching,
                memo,
                ("images", level, minor, exclude.images, only),
                shared=not matching,
                only=only,
            )
            failures = _exempt(failures, excluded, exclude, spec, matching, container_level=True)
    return failures


# ------------------------------------------------------------------------------------------------ message


def _go_value(value: Any) -> str:
    """Go's ``%+v`` for the bad values checks produce."""
    if value is ABSENT or value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + " ".join(_go_value(v) for v in value) + "]"
    return str(value)


def _format_error(err: FieldError) -> str:
    if err.kind == "Required":
        return f"{err.field}: Required value"
    if err.bad_value == "":
        return f"{err.field}: Forbidden"
    return f"{err.field} is forbidden, forbidden values found: {_go_value(err.bad_value)}"


def _convert_field(field: str, kind: str) -> str:
    if kind in _CONTROLLERS:
        field = field.replace("spec", "spec.template.spec")
    elif kind == "CronJob":
        field = field.replace("spec", "spec.jobTemplate.spec.template.spec")
    return field.replace("metadata", "spec.template.metadata")


# rule specs parsed once (policies are loaded once and not modified): id → (spec, parsed)
_PARSED: dict[int, tuple[Mapping[str, Any], tuple[str, int | None, tuple[_Exclude, ...]]]] = {}


def evaluate_pod_security(
    spec: Mapping[str, Any], resource: Mapping[str, Any], *, rule_name: str, memo: dict[Any, Any] | None = None
) -> PodSecurityResult:
    """Evaluate a rule's ``validate.podSecurity`` on a Pod or pod controller; raises ``ValueError`` for a bad spec.

    ``memo``: an empty dict per resource, passed to every call for that same (unchanged) resource, lets rules share
    the check results of a level and version.
    """
    parsed = _PARSED.get(id(spec))
    if parsed is None or parsed[0] is not spec:
        parsed = (spec, _parse_spec(spec))
        if len(_PARSED) < 10_000:
            _PARSED[id(spec)] = parsed  # holds the spec, so its id is not reused while cached
    level, minor, excludes = parsed[1]
    version = str(spec.get("version") or "")
    pod = _pod_of(resource)
    if pod is None:
        return PodSecurityResult("error", "Error while getting new resource: could not find correct resource type")
    metadata, pod_spec = pod
    failures = (
        [] if level == "privileged" else _evaluate(level, minor, metadata, pod_spec, memo, ("main", level, minor))
    )
    if failures and excludes:
        failures = _apply_excludes(level, minor, excludes, failures, metadata, pod_spec, memo)
    if not failures:
        return PodSecurityResult("pass", f"Validation rule '{rule_name}' passed.")
    kind = str(resource.get("kind") or "")
    # a failure no exclusion changed (exclusions only remove errors) is formatted once per resource: rules of the
    # same level share the check results, so they share the text too
    formatted: dict[Any, Any] = {} if memo is None else memo.setdefault("formatted", {})
    checks: list[CheckFailure] = []
    chunks: list[str] = []
    for f in failures:
        if len(f.errors) == len(f.result.errors):
            key = (f.id, id(f.result), kind)
            hit = formatted.get(key)
            if hit is None or hit[0] is not f.result:
                hit = formatted[key] = (f.result, *_format_failure(f, kind))
            check, chunk = hit[1], hit[2]
        else:
            check, chunk = _format_failure(f, kind)
        checks.append(check)
        chunks.append(chunk)
    text = "".join(chunks)
    message = f"Validation rule '{rule_name}' failed. It violates PodSecurity \"{spec.get('level')}:{version}\": {text}"
    return PodSecurityResult("fail", message, tuple(checks))


def _format_failure(f: _Failure, kind: str) -> tuple[CheckFailure, str]:
    """A failing check with its field paths rewritten for ``kind``, and its ``(Forbidden reason: …)`` text."""
    check = CheckFailure(
        f.id,
        f.result.reason,
        f.result.detail,
        tuple(e.with_field(_convert_field(e.field, kind)) for e in f.errors),
    )
    errors = ", ".join(_format_error(e) for e in check.errors)
    return check, f"(Forbidden reason: {check.reason}, field error list: [{errors}])"
