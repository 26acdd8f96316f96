"""Detection: match each Kubernetes object against the versions table and judge it against the target versions.

Semantics follow Pluto (``pkg/api/versions.go``): an object matches the entry whose ``version`` equals its
``apiVersion`` exactly and whose ``kind`` equals its kind (or is ``""``); an object with a non-empty ``items`` list is
replaced by its items (one level, as Pluto's ``expandList``). Against the target of the entry's component:

* ``deprecated`` = ``deprecated-in`` is set and target >= ``deprecated-in``;
* ``removed`` = ``removed-in`` is set and target >= ``removed-in``;
* ``replacement_available`` = ``replacement-available-in`` is set and target >= it. An empty field counts as *not*
  available, which is what Pluto's exit code 4 uses (see pluto.md section 5); tables print Pluto's ``REPL AVAIL``
  column, which shows ``true`` for an empty field.

Only objects that are deprecated or removed at the target produce a :class:`Detection`. Documents that are not
Kubernetes objects (no string ``apiVersion`` and ``kind``) produce nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from policy_platform._internal.yamlio import Document
from policy_platform.engines.base import EngineContext, PolicyDocument, RuleOutcome
from policy_platform.engines.deprecations import semver
from policy_platform.engines.deprecations.versions import (
    VersionEntry,
    VersionTable,
    normalize_version,
    resolve_targets,
)
from policy_platform.errors import UsageError
from policy_platform.model.findings import Severity, Status

POLICY = "deprecated-apis"
RULE_REMOVED = "removed-api"
RULE_DEPRECATED = "deprecated-api"


@dataclass(frozen=True, slots=True)
class Assessment:
    """An entry judged against one target version."""

    deprecated: bool
    removed: bool
    replacement_available: bool


def assess(entry: VersionEntry, target: semver.Version) -> Assessment:
    """Pluto's three checks for ``entry`` at ``target``."""
    return Assessment(
        deprecated=semver.at_least(target, entry.deprecated_in),
        removed=semver.at_least(target, entry.removed_in),
        replacement_available=semver.at_least(target, entry.replacement_available_in),
    )


@dataclass(frozen=True, slots=True)
class Suggestion:
    """The replacement to recommend at a target. ``removed_in`` is set when even that replacement is removed at the
    target and names no successor (``extensions/v1beta1`` → ``policy/v1beta1`` PodSecurityPolicy)."""

    api: str = ""
    available_in: str = ""
    removed_in: str = ""


def suggest(table: VersionTable, entry: VersionEntry, target: semver.Version) -> Suggestion:
    """The entry's replacement, followed through the table while that replacement is itself deprecated or removed at
    the target and *its* replacement is available there (so ``flowcontrol.apiserver.k8s.io/v1beta1`` at v1.33 points
    to ``v1``, not to the removed ``v1beta3``). Empty when the entry names no replacement."""
    api, since = entry.replacement_api, entry.replacement_available_in
    seen = {entry.version}
    while api and api not in seen:
        seen.add(api)
        nxt = table.match(api, entry.kind)
        if nxt is None:
            break
        verdict = assess(nxt, target)
        if not nxt.replacement_api:
            return Suggestion(api, since, nxt.removed_in if verdict.removed else "")
        if not (verdict.deprecated or verdict.removed) or not verdict.replacement_available:
            break
        api, since = nxt.replacement_api, nxt.replacement_available_in
    return Suggestion(api, since)


@dataclass(frozen=True, slots=True)
class Detection:
    """One object that uses a deprecated or removed API at its component's target version.

    ``suggested_api``/``suggested_available_in`` is the replacement to recommend at the target (see :func:`suggest`);
    it differs from the data's ``replacement-api`` only when that replacement is itself outdated at the target.
    """

    entry: VersionEntry
    name: str
    namespace: str
    file: str
    line: int | None
    column: int | None
    doc_index: int
    path: tuple[str | int, ...]
    target: str
    deprecated: bool
    removed: bool
    replacement_available: bool
    suggested_api: str = ""
    suggested_available_in: str = ""
    suggested_removed_in: str = ""

    @property
    def location(self) -> str:
        """``file:line`` (or the file alone when the line is unknown)."""
        return self.file if self.line is None else f"{self.file}:{self.line}"


def kube_objects(data: Any) -> Iterator[tuple[dict[str, Any], tuple[str | int, ...]]]:
    """The Kubernetes objects in one document and the path of each: the document itself, or its ``items``."""
    if not isinstance(data, dict):
        return
    items = data.get("items")
    if isinstance(items, list) and items:
        for i, item in enumerate(items):
            if _is_object(item):
                yield item, ("items", i)
        return
    if _is_object(data):
        yield data, ()


def _is_object(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("apiVersion"), str)
        and isinstance(value.get("kind"), str)
        and bool(value["apiVersion"])
        and bool(value["kind"])
    )


def _meta(obj: dict[str, Any], key: str) -> str:
    meta = obj.get("metadata")
    value = meta.get(key) if isinstance(meta, dict) else None
    return value if isinstance(value, str) else ("" if value is None else str(value))


def detect(
    table: VersionTable,
    targets: Mapping[str, semver.Version],
    document: Document,
    *,
    components: Sequence[str] | None = None,
    only_removed: bool = False,
    all_matches: bool = False,
) -> Iterator[Detection]:
    """Every deprecated or removed object in ``document`` of a selected component (``only_removed``: removed ones
    only). ``all_matches`` yields every object that matches the table, whatever its status and component (the
    ``deprecations`` command filters afterwards, to tell "nothing matched" from "all filtered away", as Pluto does)."""
    for obj, prefix in kube_objects(document.data):
        entry = table.match(obj["apiVersion"], obj["kind"])
        if entry is None:
            continue
        target = targets.get(entry.component)
        verdict = assess(entry, target) if target is not None else Assessment(False, False, False)
        if not all_matches and (
            target is None
            or (components is not None and entry.component not in components)
            or not (verdict.removed or (verdict.deprecated and not only_removed))
        ):
            continue
        hint = suggest(table, entry, target) if target is not None else Suggestion()
        path = (*prefix, "apiVersion")
        pos = document.locate(path)
        line, column = (pos[0], pos[1]) if pos else (document.start_line + 1 if document.text else None, None)
        yield Detection(
            entry=entry,
            name=_meta(obj, "name"),
            namespace=_meta(obj, "namespace"),
            file=document.file,
            line=line,
            column=column,
            doc_index=document.index,
            path=path,
            target=target.text if target is not None else "",
            deprecated=verdict.deprecated,
            removed=verdict.removed,
            replacement_available=verdict.replacement_available,
            suggested_api=hint.api,
            suggested_available_in=hint.available_in,
            suggested_removed_in=hint.removed_in,
        )


def keep(
    detection: Detection, *, components: Sequence[str] | None = None, only_removed: bool = False
) -> bool:
    """Pluto's ``FilterOutput``: deprecated or removed (removed only with ``only_removed``) and of a selected
    component."""
    if components is not None and detection.entry.component not in components:
        return False
    return detection.removed or (detection.deprecated and not only_removed)


def message(
    entry: VersionEntry,
    target: str,
    *,
    removed: bool,
    replacement_available: bool,
    suggestion: Suggestion | None = None,
) -> str:
    """One line for a finding, e.g. ``extensions/v1beta1 Ingress is removed in k8s v1.22.0 (target v1.29.0); use
    networking.k8s.io/v1 (available since v1.19.0)``. ``suggestion`` (from :func:`suggest`) replaces the data's
    replacement when it differs."""
    what = f"{entry.version} {entry.kind}".strip()
    comp = entry.component
    if removed:
        head = f"{what} is removed in {comp} {entry.removed_in} (target {target})"
    elif entry.removed_in:
        head = (
            f"{what} is deprecated in {comp} {entry.deprecated_in} and removed in {entry.removed_in} (target {target})"
        )
    else:
        head = f"{what} is deprecated in {comp} {entry.deprecated_in} (target {target})"
    if not entry.replacement_api:
        return f"{head}; no replacement API"
    if suggestion is not None and suggestion.removed_in:
        return (
            f"{head}; its replacement {suggestion.api} is removed in {comp} {suggestion.removed_in} too, "
            "with no replacement API"
        )
    if suggestion is not None and suggestion.api and suggestion.api != entry.replacement_api:
        api, since = suggestion.api, suggestion.available_in
        return f"{head}; use {api} (available since {since})" if since else f"{head}; use {api}"
    if not entry.replacement_available_in:
        return f"{head}; use {entry.replacement_api}"
    if replacement_available:
        return f"{head}; use {entry.replacement_api} (available since {entry.replacement_available_in})"
    return (
        f"{head}; use {entry.replacement_api} (available from {entry.replacement_available_in}, "
        f"not yet in the target)"
    )


def properties(detection: Detection) -> dict[str, str]:
    """The finding properties the check gate and reporters use."""
    e = detection.entry
    return {
        "apiVersion": e.version,
        "kind": e.kind,
        "deprecatedIn": e.deprecated_in,
        "removedIn": e.removed_in,
        "replacementApi": e.replacement_api,
        "replacementAvailableIn": e.replacement_available_in,
        "component": e.component,
        "replacementAvailable": "true" if detection.replacement_available else "false",
        "targetVersion": detection.target,
        "suggestedApi": detection.suggested_api,
    }


class DeprecationsEngine:
    """The deprecated-API stage of ``check``: one outcome per deprecated or removed object.

    ``targets`` override the table's default target versions per component (``{"k8s": "v1.29.0"}``); removed APIs
    yield ``Status.FAIL`` (rule ``removed-api``, severity high); APIs that are only deprecated yield
    ``deprecated_status`` (rule ``deprecated-api``, severity medium). An ``EngineContext`` with a
    ``kubernetes_version`` overrides the ``k8s`` target for that call.
    """

    name = "deprecations"

    def __init__(
        self,
        table: VersionTable,
        targets: Mapping[str, str] | None = None,
        deprecated_status: Status = Status.WARN,
        *,
        components: Sequence[str] | None = None,
    ) -> None:
        self.table = table
        self.components = tuple(components) if components is not None else None
        self.targets = resolve_targets(table, targets, self.components)
        self.deprecated_status = deprecated_status

    def load(self, policies: Sequence[PolicyDocument] = ()) -> VersionTable:
        """The table is data, not policies: returns it unchanged."""
        del policies
        return self.table

    def _targets_for(self, context: EngineContext | None) -> Mapping[str, semver.Version]:
        if context is None or not context.kubernetes_version:
            return self.targets
        normalized = normalize_version(context.kubernetes_version)
        parsed = semver.parse(normalized) if normalized else None
        if parsed is None:
            raise UsageError(f"invalid Kubernetes version '{context.kubernetes_version}' (expected e.g. v1.29.0)")
        return {**self.targets, "k8s": parsed}

    def detect(self, document: Document, context: EngineContext | None = None) -> Iterator[Detection]:
        """The :class:`Detection` records of ``document``."""
        return detect(self.table, self._targets_for(context), document, components=self.components)

    def evaluate(self, document: Document, context: EngineContext | None = None) -> Iterator[RuleOutcome]:
        """One :class:`RuleOutcome` per deprecated or removed object in ``document``."""
        for d in self.detect(document, context):
            yield RuleOutcome(
                policy=POLICY,
                rule=RULE_REMOVED if d.removed else RULE_DEPRECATED,
                status=Status.FAIL if d.removed else self.deprecated_status,
                message=message(
                    d.entry,
                    d.target,
                    removed=d.removed,
                    replacement_available=d.replacement_available,
                    suggestion=Suggestion(d.suggested_api, d.suggested_available_in, d.suggested_removed_in),
                ),
                path=d.path,
                severity=Severity.HIGH if d.removed else Severity.MEDIUM,
                properties=properties(d),
            )
