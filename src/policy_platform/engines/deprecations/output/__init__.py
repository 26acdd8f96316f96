"""Output formats of the ``deprecations`` command, as Pluto prints them (``pkg/api/output.go``).

``render(fmt, detections, ...)`` dispatches through :data:`FORMATS`, an explicit registry. ``normal`` and ``wide`` use
fixed column sets; ``custom`` needs ``columns``; ``markdown`` and ``csv`` use the wide set unless ``columns`` are given.
An empty list prints Pluto's messages: nothing matched at all → "There were no resources found with known deprecated
apiVersions."; matches that were all filtered away → "No output to display".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from policy_platform.engines.deprecations.detect import Detection
from policy_platform.engines.deprecations.output.columns import NORMAL, WIDE
from policy_platform.engines.deprecations.output.csvout import render_csv
from policy_platform.engines.deprecations.output.markdown import render_markdown
from policy_platform.engines.deprecations.output.structured import render_json, render_yaml
from policy_platform.engines.deprecations.output.text import render_text
from policy_platform.errors import UsageError

NOTHING_FOUND = "There were no resources found with known deprecated apiVersions.\n"
NOTHING_LEFT = "No output to display\n"


@dataclass(frozen=True, slots=True)
class OutputOptions:
    columns: tuple[str, ...] = ()
    no_headers: bool = False
    targets: Mapping[str, str] = field(default_factory=dict)
    padchar: str = " "
    data_version: str = ""


def _normal(ds: Sequence[Detection], o: OutputOptions) -> str:
    return render_text(ds, NORMAL, no_headers=o.no_headers, padchar=o.padchar)


def _wide(ds: Sequence[Detection], o: OutputOptions) -> str:
    return render_text(ds, WIDE, no_headers=o.no_headers, padchar=o.padchar)


def _custom(ds: Sequence[Detection], o: OutputOptions) -> str:
    if not o.columns:
        raise UsageError("-o custom needs --columns (e.g. --columns NAME,KIND,VERSION,FILEPATH)")
    return render_text(ds, o.columns, no_headers=o.no_headers, padchar=o.padchar)


def _markdown(ds: Sequence[Detection], o: OutputOptions) -> str:
    return render_markdown(ds, o.columns or WIDE, no_headers=o.no_headers)


def _csv(ds: Sequence[Detection], o: OutputOptions) -> str:
    return render_csv(ds, o.columns or WIDE, no_headers=o.no_headers)


def _json(ds: Sequence[Detection], o: OutputOptions) -> str:
    return render_json(ds, o.targets, data_version=o.data_version)


def _yaml(ds: Sequence[Detection], o: OutputOptions) -> str:
    return render_yaml(ds, o.targets, data_version=o.data_version)


FORMATS: Mapping[str, Callable[[Sequence[Detection], OutputOptions], str]] = MappingProxyType(
    {
        "normal": _normal,
        "wide": _wide,
        "custom": _custom,
        "json": _json,
        "yaml": _yaml,
        "markdown": _markdown,
        "csv": _csv,
    }
)

#: Formats that print Pluto's messages instead of an empty table.
_TEXTUAL = frozenset({"normal", "wide", "custom", "markdown", "csv"})


def render(fmt: str, detections: Sequence[Detection], options: OutputOptions, *, matched_any: bool) -> str:
    """The output of ``fmt`` for the (already filtered) ``detections``; ``matched_any``: whether anything matched the
    table before filtering (chooses Pluto's empty-output message)."""
    try:
        func = FORMATS[fmt]
    except KeyError:
        raise UsageError(f"unknown output format '{fmt}' (known: {', '.join(FORMATS)})") from None
    if fmt == "custom" and not options.columns:
        return func(detections, options)
    if not detections and fmt in _TEXTUAL:
        return NOTHING_LEFT if matched_any else NOTHING_FOUND
    return func(detections, options)
