"""Spectral-compatible values linting: rulesets, core functions, JSONPath, results and formatters.

Public API (used by ``check`` and ``lint``)::

    ruleset = load_ruleset(".spectral.yaml")             # RulesetError (a PolicyLoadError) on a bad ruleset
    ruleset.notices                                        # loader diagnostics, e.g. severity 'warning' read as 'warn'
    results = lint_data(ruleset, values, source="values")  # list[SpectralResult]: code, message, path, severity
    results = lint_text(ruleset, text, source="values.yaml")  # the same with 0-based ranges and parser results
    results = lint_layers(ruleset, [parse_document(t, f) for f, t in files], merged)  # ranges in each source file
"""

from __future__ import annotations

from policy_platform.engines.spectral.document import ParsedDocument, parse_document
from policy_platform.engines.spectral.layers import lint_layers
from policy_platform.engines.spectral.linter import SpectralResult, lint_data, lint_parsed
from policy_platform.engines.spectral.ruleset import Rule, Ruleset, RulesetError, find_ruleset, load_ruleset


def lint_text(ruleset: Ruleset, text: str, source: str, *, abs_path: str | None = None,
              ignore_unknown_format: bool = False) -> list[SpectralResult]:
    """Parse ``text`` (YAML or JSON) and lint it; results have ranges; YAML problems are ``parser`` results."""
    return lint_parsed(ruleset, parse_document(text, source), abs_path=abs_path,
                       ignore_unknown_format=ignore_unknown_format)


__all__ = [
    "ParsedDocument",
    "Rule",
    "Ruleset",
    "RulesetError",
    "SpectralResult",
    "find_ruleset",
    "lint_data",
    "lint_layers",
    "lint_parsed",
    "lint_text",
    "load_ruleset",
    "parse_document",
]
