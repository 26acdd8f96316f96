"""``json`` and ``yaml`` output: Pluto's ``{"items": [...], "target-versions": {...}}`` document.

Each item is ``name``, ``filePath``, ``namespace`` (each omitted when empty, as Go's ``omitempty``), then our ``line``
(the 1-based line of ``apiVersion``; an addition to Pluto's shape), ``api`` (the data entry in Pluto's key names),
``deprecated``, ``removed`` and ``replacementAvailable`` (the value Pluto's exit code 4 uses: false when the data does
not say when the replacement became available). JSON is compact with ``<``, ``>`` and ``&`` escaped as Go does; YAML
uses yaml.v3's layout (4-space indentation, sequence items at the parent's indentation + 4). Our ``data-version`` (the
version of the packaged data) follows ``target-versions`` when known.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from policy_platform.engines.deprecations.detect import Detection


def document(detections: Sequence[Detection], targets: Mapping[str, str], data_version: str = "") -> dict[str, Any]:
    items: list[dict[str, Any]] = []
    for d in detections:
        item: dict[str, Any] = {}
        if d.name:
            item["name"] = d.name
        if d.file:
            item["filePath"] = d.file
        if d.namespace:
            item["namespace"] = d.namespace
        if d.line is not None:
            item["line"] = d.line
        item["api"] = d.entry.as_dict()
        item["deprecated"] = d.deprecated
        item["removed"] = d.removed
        item["replacementAvailable"] = d.replacement_available
        items.append(item)
    doc: dict[str, Any] = {"items": items, "target-versions": dict(sorted(targets.items()))}
    if data_version:
        doc["data-version"] = data_version
    return doc


def render_json(detections: Sequence[Detection], targets: Mapping[str, str], *, data_version: str = "") -> str:
    text = json.dumps(document(detections, targets, data_version), separators=(",", ":"), ensure_ascii=False)
    for ch, esc in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return text + "\n"


def render_yaml(detections: Sequence[Detection], targets: Mapping[str, str], *, data_version: str = "") -> str:
    doc = document(detections, targets, data_version)
    out: list[str] = []
    if doc["items"]:
        out.append("items:")
        for item in doc["items"]:
            first = True
            for key, value in item.items():
                prefix = "    - " if first else "      "
                first = False
                if isinstance(value, dict):
                    out.append(f"{prefix}{key}:")
                    out.extend(f"        {k}: {_scalar(v)}" for k, v in value.items())
                else:
                    out.append(f"{prefix}{key}: {_scalar(value)}")
    else:
        out.append("items: []")
    if doc["target-versions"]:
        out.append("target-versions:")
        out.extend(f"    {k}: {_scalar(v)}" for k, v in doc["target-versions"].items())
    else:
        out.append("target-versions: {}")
    if "data-version" in doc:
        out.append(f"data-version: {_scalar(doc['data-version'])}")
    return "".join(line + "\n" for line in out)


_PLAIN_SAFE = re.compile(r"^[A-Za-z0-9_./<>()][A-Za-z0-9_./<>() -]*$")


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if text and _PLAIN_SAFE.match(text) and not text.endswith(" ") and yaml.safe_load(text) == text:
        return text
    return json.dumps(text, ensure_ascii=False)
