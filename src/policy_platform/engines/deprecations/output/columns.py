"""Pluto's output columns (``pkg/api/columns.go``): header name → value of one detection, and the column sets."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType

from policy_platform.engines.deprecations.detect import Detection
from policy_platform.errors import UsageError

UNKNOWN = "<UNKNOWN>"


def _bool(value: bool) -> str:
    return "true" if value else "false"


def repl_avail_shown(d: Detection) -> bool:
    """Pluto's REPL AVAIL column: ``true`` when the replacement is available at the target *or* the data does not say
    when it became available (its golden output prints ``true`` for an empty ``replacement-available-in``)."""
    return d.replacement_available or not d.entry.replacement_available_in


#: Every column Pluto knows, in its order (the order ``custom`` lists them in ``--help``).
COLUMNS: Mapping[str, Callable[[Detection], str]] = MappingProxyType(
    {
        "NAME": lambda d: d.name,
        "FILEPATH": lambda d: d.location if d.file else UNKNOWN,
        "NAMESPACE": lambda d: d.namespace or UNKNOWN,
        "KIND": lambda d: d.entry.kind,
        "VERSION": lambda d: d.entry.version,
        "REPLACEMENT": lambda d: d.entry.replacement_api,
        "DEPRECATED": lambda d: _bool(d.deprecated),
        "DEPRECATED IN": lambda d: d.entry.deprecated_in,
        "REMOVED": lambda d: _bool(d.removed),
        "REMOVED IN": lambda d: d.entry.removed_in,
        "COMPONENT": lambda d: d.entry.component,
        "REPL AVAIL": lambda d: _bool(repl_avail_shown(d)),
        "REPL AVAIL IN": lambda d: d.entry.replacement_available_in,
    }
)

NORMAL = ("NAME", "KIND", "VERSION", "REPLACEMENT", "REMOVED", "DEPRECATED", "REPL AVAIL")
WIDE = (
    "NAME",
    "NAMESPACE",
    "KIND",
    "VERSION",
    "REPLACEMENT",
    "DEPRECATED",
    "DEPRECATED IN",
    "REMOVED",
    "REMOVED IN",
    "REPL AVAIL",
    "REPL AVAIL IN",
)


def parse_columns(specs: Sequence[str]) -> tuple[str, ...]:
    """``--columns`` values (comma-separated, repeatable, any case) → known column names; raise on an unknown one."""
    out: list[str] = []
    for spec in specs:
        for raw in spec.split(","):
            name = " ".join(raw.split()).upper()
            if not name:
                continue
            if name not in COLUMNS:
                raise UsageError(f"--columns: unknown column '{raw.strip()}' (known: {', '.join(COLUMNS)})")
            out.append(name)
    return tuple(out)


def row(d: Detection, columns: Sequence[str]) -> list[str]:
    return [COLUMNS[c](d) for c in columns]
