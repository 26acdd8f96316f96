"""``--list-versions``: the data table, as Pluto's ``list-versions`` prints it (``PrintVersionList``).

``normal`` and ``wide`` print KIND, NAME (the apiVersion), DEPRECATED IN, REMOVED IN, REPLACEMENT, REPL AVAIL IN and
COMPONENT with ``n/a`` for empty fields; ``json`` and ``yaml`` print ``{"deprecated-versions": [...]}``, followed by
our ``data-version`` when the table has one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from policy_platform.engines.deprecations.output.structured import _scalar
from policy_platform.engines.deprecations.output.tabwriter import tabwrite
from policy_platform.engines.deprecations.output.text import pluto_line
from policy_platform.engines.deprecations.versions import VersionEntry
from policy_platform.errors import UsageError

HEADERS = ("KIND", "NAME", "DEPRECATED IN", "REMOVED IN", "REPLACEMENT", "REPL AVAIL IN", "COMPONENT")
LIST_FORMATS = ("normal", "wide", "json", "yaml")


def render_versions(
    entries: Sequence[VersionEntry], fmt: str, *, data_version: str = "", no_headers: bool = False, padchar: str = " "
) -> str:
    if fmt in ("normal", "wide"):
        rows = [] if no_headers else [list(HEADERS)]
        for e in entries:
            rows.append(
                [
                    e.kind,
                    e.version,
                    e.deprecated_in or "n/a",
                    e.removed_in or "n/a",
                    e.replacement_api or "n/a",
                    e.replacement_available_in or "n/a",
                    e.component,
                ]
            )
        text = "".join(pluto_line(r) + "\n" for r in rows)
        return tabwrite(text, padding=2, padchar=padchar)
    if fmt == "json":
        doc: dict[str, object] = {"deprecated-versions": [e.as_dict() for e in entries]}
        if data_version:
            doc["data-version"] = data_version
        return json.dumps(doc, separators=(",", ":"), ensure_ascii=False) + "\n"
    if fmt == "yaml":
        out = ["deprecated-versions:"] if entries else ["deprecated-versions: []"]
        for e in entries:
            for i, (key, value) in enumerate(e.as_dict().items()):
                out.append(f"{'    - ' if i == 0 else '      '}{key}: {_scalar(value)}")
        if data_version:
            out.append(f"data-version: {_scalar(data_version)}")
        return "".join(line + "\n" for line in out)
    raise UsageError(f"--list-versions: the output format must be one of ({'|'.join(LIST_FORMATS)})")
