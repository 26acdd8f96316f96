"""Values layering with Helm ``-f`` semantics.

Maps merge recursively; lists and scalars replace; later layers win; ``null`` is kept (Helm then deletes the chart
default, yq keeps a null), exactly as ``yq eval-all '. as $item ireduce ({}; . * $item)'`` and ``helm -f a -f b`` do.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from policy_platform._internal.yamlio import Document
from policy_platform.errors import InputFileError, UsageError


@dataclass(slots=True)
class LayeredValues:
    """The merged values and the display names of the layers, in order (``--set`` last when given)."""

    data: dict[str, Any] = field(default_factory=dict)
    layers: list[str] = field(default_factory=list)


def merge_into(base: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge ``overlay`` onto ``base`` in place (maps merge, everything else replaces) and return ``base``."""
    for key, value in overlay.items():
        current = base.get(key)
        if isinstance(current, dict) and isinstance(value, dict):
            merge_into(current, value)
        else:
            base[key] = copy.deepcopy(value)
    return base


def layer(values: LayeredValues, doc: Document) -> None:
    """Merge one values document onto ``values``."""
    if doc.data is not None:
        if not isinstance(doc.data, dict):
            raise InputFileError(
                "a values file must hold a mapping at the top level", file=doc.file, line=doc.start_line + 1
            )
        merge_into(values.data, doc.data)
    values.layers.append(doc.file)


def parse_set(expressions: Sequence[str]) -> dict[str, Any]:
    """Parse ``--set key.path=value`` expressions (Helm's typing: ints, booleans, null, ``{a,b}`` lists)."""
    out: dict[str, Any] = {}
    for expr in expressions:
        for part in _split_unescaped(expr, ","):
            if "=" not in part:
                raise UsageError(f"--set {expr!r}: expected key=value")
            key, _, raw = part.partition("=")
            keys = [k.replace("\\.", ".") for k in _split_unescaped(key, ".")]
            if not all(keys):
                raise UsageError(f"--set {expr!r}: empty key segment")
            node = out
            for k in keys[:-1]:
                nxt = node.get(k)
                if not isinstance(nxt, dict):
                    nxt = node[k] = {}
                node = nxt
            node[keys[-1]] = _typed(raw.replace("\\,", ","))
    return out


def _split_unescaped(text: str, sep: str) -> list[str]:
    parts, buf, depth, i = [], "", 0, 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            buf += ch + text[i + 1]
            i += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        if ch == sep and depth == 0:
            parts.append(buf)
            buf = ""
        else:
            buf += ch
        i += 1
    parts.append(buf)
    return parts


def _typed(raw: str) -> Any:
    if raw.startswith("{") and raw.endswith("}"):
        inner = raw[1:-1]
        return [_typed(x) for x in inner.split(",")] if inner else []
    if raw in ("true", "false"):
        return raw == "true"
    if raw == "null":
        return None
    try:
        return int(raw) if not (len(raw) > 1 and raw.startswith("0")) else raw
    except ValueError:
        return raw
