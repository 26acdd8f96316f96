"""Linting layered values (chart defaults → ``cd/values.yaml`` → ``cd/values.<env>.yaml``) as one document, with
every result pointing at the file and range its value came from.

The caller merges the layers (Helm ``-f`` semantics) and passes the merged data with the parsed layers in order.
A result path is attributed to the **last** layer that defines that exact path (later layers win, as in the merge);
when no layer defines it (a missing property's closest existing parent, or the root), to the last layer defining
the longest prefix. Parser diagnostics of each layer (duplicate keys…) are reported against that layer.

Example::

    layers = [parse_document(base_text, "charts/app/values.yaml"), parse_document(env_text, "cd/values.prd.yaml")]
    results = lint_layers(ruleset, layers, merged_values)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from policy_platform.engines.spectral.document import ParsedDocument
from policy_platform.engines.spectral.linter import SpectralResult, lint_data, sort_results
from policy_platform.engines.spectral.ruleset import Ruleset


def _depth(data: Any, path: Sequence[str | int]) -> int:
    """How many leading segments of ``path`` exist in ``data``."""
    value = data
    for depth, segment in enumerate(path):
        if isinstance(value, dict) and str(segment) in value:
            value = value[str(segment)]
        elif isinstance(value, list) and isinstance(segment, int) and 0 <= segment < len(value):
            value = value[segment]
        else:
            return depth
    return len(path)


def origin(path: Sequence[str | int], layers: Sequence[ParsedDocument]) -> ParsedDocument | None:
    """The layer a merged value at ``path`` came from (see the module docstring)."""
    best: ParsedDocument | None = None
    best_depth = -1
    for layer in layers:
        if layer.data is None or layer.fatal:
            continue
        depth = _depth(layer.data, path)
        if depth >= best_depth:
            best, best_depth = layer, depth
    return best


def lint_layers(ruleset: Ruleset, layers: Sequence[ParsedDocument], merged: Any, *,
                ignore_unknown_format: bool = False) -> list[SpectralResult]:
    """Lint ``merged`` and attribute each result to its source layer (``source`` and ``range`` of that file)."""
    out: list[SpectralResult] = []
    for layer in layers:
        severity_of = ruleset.parser_options
        for diag in layer.diagnostics:
            severity = 0 if diag.kind == "error" else severity_of.get(diag.kind, 0)
            if severity >= 0:
                out.append(SpectralResult("parser", diag.message, diag.path, severity, diag.range, layer.source))
    source = layers[-1].source if layers else "<values>"
    for result in lint_data(ruleset, merged, source,
                            ignore_unknown_format=ignore_unknown_format):
        found = origin(result.path, layers)
        if found is None:
            out.append(result)
            continue
        out.append(SpectralResult(result.code, result.message, result.path, result.severity,
                                  found.range_for(result.path), found.source, result.documentation_url))
    return sort_results(out)
