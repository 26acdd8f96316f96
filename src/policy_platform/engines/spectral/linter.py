"""Running a :class:`~.ruleset.Ruleset` over documents and producing Spectral's results.

For each enabled rule whose ``formats`` fit the document, each ``given`` match and each ``then``: the lint targets are
computed (``field`` absent → the match; ``@key`` → each own key; ``$…`` → jsonpath-plus matches, or one ``undefined``
target; lodash path → the member, maybe ``undefined``), the function runs, and every function result becomes a
:class:`SpectralResult` whose path is the **closest existing** path, message templated (rule ``message``, else rule
``description``, else the function's), range from the document's position tree. Then parser diagnostics and the
``unrecognized-format`` warning are added, pointer overrides applied, results de-duplicated and sorted like Spectral.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from policy_platform.engines.spectral.document import DEFAULT_RANGE, ParsedDocument, Range
from policy_platform.engines.spectral.formats import FORMAT_NAMES, detect_formats
from policy_platform.engines.spectral.functions import FunctionContext
from policy_platform.engines.spectral.jsexpr import JsRuntimeError
from policy_platform.engines.spectral.jsvalue import UNDEFINED, js_keys
from policy_platform.engines.spectral.messages import MessageVars, dot_path, pointer, render
from policy_platform.engines.spectral.ruleset import Rule, Ruleset, Then, glob_matches
from policy_platform.errors import PolicyLoadError

Path = tuple[str | int, ...]
_DIGIT_RUNS = re.compile(r"(\d+)")


@dataclass(frozen=True, slots=True)
class SpectralResult:
    """One Spectral result. ``severity``: 0 error, 1 warn, 2 info, 3 hint. ``range`` is 0-based
    ``((start_line, start_char), (end_line, end_char))`` when the text is known (None from :func:`lint_data`)."""

    code: str
    message: str
    path: Path
    severity: int
    range: Range | None = None
    source: str | None = None
    documentation_url: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Spectral's JSON shape (path segments as strings, 0-based range)."""
        rng = self.range or DEFAULT_RANGE
        out: dict[str, Any] = {
            "code": self.code,
            "path": [str(p) for p in self.path],
            "message": self.message,
            "severity": self.severity,
            "range": {
                "start": {"line": rng[0][0], "character": rng[0][1]},
                "end": {"line": rng[1][0], "character": rng[1][1]},
            },
        }
        if self.source is not None:
            out["source"] = self.source
        if self.documentation_url:
            out["documentationUrl"] = self.documentation_url
        return out

    def with_severity(self, severity: int) -> SpectralResult:
        return SpectralResult(self.code, self.message, self.path, severity, self.range, self.source,
                              self.documentation_url)


class LintRuntimeError(PolicyLoadError):
    """A rule failed while running (e.g. a filter read a member of null); Spectral aborts the run on these."""


def _get(data: Any, segment: str | int) -> Any:
    if isinstance(data, dict):
        key = segment if isinstance(segment, str) else str(segment)
        return data.get(key, UNDEFINED)
    if isinstance(data, list):
        try:
            index = int(segment)
        except (TypeError, ValueError):
            return UNDEFINED
        if 0 <= index < len(data) and (not isinstance(segment, str) or segment == str(index)):
            return data[index]
        return UNDEFINED
    return UNDEFINED


def closest(data: Any, path: Path) -> tuple[Path, Any]:
    """The longest existing prefix of ``path`` and its value."""
    value = data
    for i, segment in enumerate(path):
        nxt = _get(value, segment)
        if nxt is UNDEFINED:
            return path[:i], value
        value = nxt
    return path, value


def _normalise(data: Any, path: Path) -> Path:
    """Array indexes as ints, object keys as strings (function paths may carry either)."""
    out: list[str | int] = []
    value = data
    for segment in path:
        if isinstance(value, list):
            try:
                seg: str | int = int(segment)
            except (TypeError, ValueError):
                seg = segment
        else:
            seg = str(segment) if not isinstance(segment, str) else segment
        out.append(seg)
        value = _get(value, seg)
    return tuple(out)


def lint_targets(value: Any, then: Then) -> list[tuple[Path, Any]]:
    """Spectral's ``getLintTargets``."""
    targets: list[tuple[Path, Any]] = []
    if isinstance(value, dict | list) and then.field_kind != "none":
        if then.field_kind == "key":
            keys: Iterable[str | int] = js_keys(value) if isinstance(value, dict) else range(len(value))
            targets = [((k,), k if isinstance(k, str) else str(k)) for k in keys]
        elif then.field_kind == "jsonpath":
            targets = list(then.field_path.evaluate(value))
        else:
            path: Path = then.field_path
            current = value
            for segment in path:
                current = _get(current, segment)
                if current is UNDEFINED:
                    break
            targets = [(path, current)]
    else:
        targets = [((), value)]
    if not targets:
        targets = [((), UNDEFINED)]
    return targets


def _make_result(rule: Rule, data: Any, template: str, result_path: Path,
                 ranger: ParsedDocument | None, source: str | None) -> SpectralResult:
    normalised = _normalise(data, result_path)
    path, value = closest(data, normalised)
    if len(normalised) > len(path):
        tail = normalised[len(path) - 1 :] if path else normalised[-1:]
        prop: str | int = dot_path(tail)
    else:
        prop = path[-1] if path else ""
    variables = MessageVars(property=prop, error=template, path=pointer(path), description=rule.description,
                            value=value)
    error = render(template, variables)
    variables = MessageVars(property=prop, error=error, path=variables.path, description=rule.description,
                            value=value)
    if rule.message is not None:
        message = render(rule.message, variables)
    elif rule.description is not None:
        message = rule.description
    else:
        message = error
    rng = ranger.range_for(path) if ranger is not None else None
    return SpectralResult(rule.name, message.strip(), path, rule.severity, rng, source, rule.documentation_url)


def run_rule(rule: Rule, data: Any, formats: frozenset[str], ranger: ParsedDocument | None,
             source: str | None) -> list[SpectralResult]:
    """All results of one rule on one document's data."""
    out: list[SpectralResult] = []
    for given in rule.given:
        if given.formats is not None and not (given.formats & formats):
            continue
        try:
            matches = given.path.evaluate(data)
        except JsRuntimeError as exc:
            raise LintRuntimeError(f"{exc} (rule {rule.name}, given {given.source})", file=source) from None
        for given_path, given_value in matches:
            for then in rule.then:
                for target_path, target_value in lint_targets(given_value, then):
                    full = (*given_path, *target_path)
                    context = FunctionContext(full, given_path, full if then.field_kind != "none" else None, data)
                    for result in then.function.run(target_value, then.options, context):
                        out.append(_make_result(rule, data, result.message,
                                                result.path if result.path is not None else full, ranger, source))
    return out


def _applies(rule: Rule, formats: frozenset[str]) -> bool:
    if rule.severity < 0:
        return False
    return rule.formats is None or bool(rule.formats & formats)


def _compare_code(a: str, b: str) -> int:
    ka, kb = _natural(a), _natural(b)
    return (ka > kb) - (ka < kb)


def _natural(text: str) -> tuple[tuple[int, Any], ...]:
    """``localeCompare`` with ``numeric: true``, approximately: digit runs compare as numbers, the rest folded."""
    parts = _DIGIT_RUNS.split(text.casefold())
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts if p != "")


def sort_results(results: list[SpectralResult]) -> list[SpectralResult]:
    """De-duplicate on (code, path, source, message) and sort by source, start, code, path — as Spectral does."""
    seen: set[tuple[Any, ...]] = set()
    unique: list[SpectralResult] = []
    for r in results:
        key = (r.code, tuple(str(p) for p in r.path), r.source, r.message, r.range)
        if key in seen:
            continue
        seen.add(key)
        unique.append(r)

    def cmp(a: SpectralResult, b: SpectralResult) -> int:
        if (a.source or "") != (b.source or ""):
            return -1 if (a.source or "") < (b.source or "") else 1
        ra, rb = a.range or DEFAULT_RANGE, b.range or DEFAULT_RANGE
        if ra[0] != rb[0]:
            return -1 if ra[0] < rb[0] else 1
        code = _compare_code(a.code, b.code)
        if code:
            return code
        pa, pb = ",".join(str(p) for p in a.path), ",".join(str(p) for p in b.path)
        return (pa > pb) - (pa < pb)

    return sorted(unique, key=functools.cmp_to_key(cmp))


@dataclass(frozen=True, slots=True)
class _Effective:
    rules: tuple[Rule, ...]
    formats: tuple[str, ...]
    parser_options: dict[str, int]


def _effective(ruleset: Ruleset, relative: str | None) -> _Effective:
    rules = dict(ruleset.rules)
    formats = list(ruleset.formats)
    parser_options = dict(ruleset.parser_options)
    if relative is not None:
        for override in ruleset.file_overrides:
            if any(glob_matches(g, relative) for g in override.files):
                for name, rule in override.rules:
                    rules[name] = rule
                for f in override.formats:
                    if f not in formats:
                        formats.append(f)
                parser_options.update(dict(override.parser_options))
    for rule in rules.values():
        for f in sorted(rule.formats or ()):
            if f not in formats:
                formats.append(f)
    return _Effective(tuple(rules.values()), tuple(formats), parser_options)


def _pointer_severity(ruleset: Ruleset, relative: str | None, result: SpectralResult) -> int:
    if relative is None or not ruleset.pointer_overrides:
        return result.severity
    target = pointer(result.path)
    best: tuple[int, int] | None = None
    for override in ruleset.pointer_overrides:
        if not any(glob_matches(g, relative) for g in override.files):
            continue
        if not (target == override.pointer or target.startswith(override.pointer.rstrip("/") + "/")
                or override.pointer in ("#", "#/")):
            continue
        for name, severity in override.rules:
            if name == result.code and (best is None or len(override.pointer) >= best[0]):
                best = (len(override.pointer), severity)
    return result.severity if best is None else best[1]


def _relative(ruleset: Ruleset, abs_path: str | None) -> str | None:
    if abs_path is None:
        return None
    return os.path.relpath(abs_path, ruleset.directory).replace(os.sep, "/")


def lint_parsed(ruleset: Ruleset, document: ParsedDocument, *, abs_path: str | None = None,
                ignore_unknown_format: bool = False) -> list[SpectralResult]:
    """Lint one parsed document (with ranges); ``abs_path`` places it for ``overrides`` globs."""
    relative = _relative(ruleset, abs_path)
    effective = _effective(ruleset, relative)
    results: list[SpectralResult] = []
    for diag in document.diagnostics:
        severity = 0 if diag.kind == "error" else effective.parser_options.get(diag.kind, 0)
        if severity >= 0:
            results.append(SpectralResult("parser", diag.message, diag.path, severity, diag.range, document.source))
    if not document.fatal:
        results.extend(_run_all(effective, document.data, document, document.source, ignore_unknown_format))
    adjusted: list[SpectralResult] = []
    for r in results:
        severity = _pointer_severity(ruleset, relative, r) if r.code != "parser" else r.severity
        if severity < 0:
            continue
        adjusted.append(r if severity == r.severity else r.with_severity(severity))
    return sort_results(adjusted)


def _run_all(effective: _Effective, data: Any, ranger: ParsedDocument | None, source: str | None,
             ignore_unknown_format: bool) -> list[SpectralResult]:
    formats = detect_formats(data)
    results: list[SpectralResult] = []
    if effective.formats and not (formats & frozenset(effective.formats)) and not ignore_unknown_format:
        names = ", ".join(FORMAT_NAMES[f] for f in effective.formats)
        rng = ranger.range_for(()) if ranger is not None else None
        results.append(SpectralResult(
            "unrecognized-format",
            f"The provided document does not match any of the registered formats [{names}]",
            (), 1, rng, source,
        ))
    for rule in effective.rules:
        if _applies(rule, formats):
            results.extend(run_rule(rule, data, formats, ranger, source))
    return results


def lint_data(ruleset: Ruleset, data: Any, source: str = "<values>", *,
              ignore_unknown_format: bool = False) -> list[SpectralResult]:
    """Lint an already-parsed document (e.g. merged Helm values). Results carry paths, no ranges.

    ``overrides`` file globs are matched against ``source`` taken relative to the ruleset's directory.
    """
    abs_path = os.path.abspath(source) if not source.startswith("<") else None
    relative = _relative(ruleset, abs_path)
    effective = _effective(ruleset, relative)
    results = _run_all(effective, data, None, source, ignore_unknown_format)
    adjusted: list[SpectralResult] = []
    for r in results:
        severity = _pointer_severity(ruleset, relative, r)
        if severity >= 0:
            adjusted.append(r if severity == r.severity else r.with_severity(severity))
    return sort_results(adjusted)
