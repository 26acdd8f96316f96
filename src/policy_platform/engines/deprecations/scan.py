"""One ``deprecations`` run as a library call: read inputs, match them against the table, filter as Pluto does."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from policy_platform.engines.deprecations import semver
from policy_platform.engines.deprecations.detect import Detection, detect, keep
from policy_platform.engines.deprecations.inputs import Renderer, collect, default_renderer
from policy_platform.engines.deprecations.versions import VersionTable
from policy_platform.model.findings import InputError


@dataclass(frozen=True, slots=True)
class ScanOutcome:
    """``matches``: every object that matched the table; ``reported``: those left after filtering."""

    matches: tuple[Detection, ...]
    reported: tuple[Detection, ...]
    errors: tuple[InputError, ...]
    targets: Mapping[str, str]


def scan(
    paths: Sequence[str],
    *,
    table: VersionTable,
    targets: Mapping[str, semver.Version],
    components: Sequence[str] | None = None,
    only_removed: bool = False,
    stdin: TextIO | None = None,
    values: Mapping[str, Any] | None = None,
    renderer: Renderer = default_renderer,
) -> ScanOutcome:
    """Scan ``paths`` (``-`` = ``stdin``); Helm charts are rendered with ``values`` for the ``k8s`` target."""
    k8s = targets.get("k8s")
    inputs = collect(
        paths, stdin=stdin, values=values, kube_version=k8s.canonical() if k8s else None, renderer=renderer
    )
    matches: list[Detection] = []
    for document in inputs.documents:
        matches.extend(detect(table, targets, document, all_matches=True))
    reported = tuple(m for m in matches if keep(m, components=components, only_removed=only_removed))
    return ScanOutcome(
        matches=tuple(matches),
        reported=reported,
        errors=inputs.errors,
        targets={c: v.text for c, v in sorted(targets.items())},
    )
