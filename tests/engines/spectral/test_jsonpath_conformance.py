"""Spectral's JSONPath machinery, recorded: 227 expressions x 6 documents (1,362 cases) must give the same paths.

Kinds: ``given`` (nimma), ``given-alias`` (``#Alias…`` with ``spectral:oas``'s aliases and format-scoped targets),
``field-lodash`` / ``field-key`` / ``field-jsonpath`` (Spectral's lint targets for every match of the rule contexts).
Paths compare as multisets; a recorded engine error must be an error here too.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from policy_platform.engines.spectral.formats import detect_formats
from policy_platform.engines.spectral.jsexpr import JsRuntimeError
from policy_platform.engines.spectral.jsonpath import JsonPathSyntaxError, compile_path
from policy_platform.engines.spectral.jsvalue import UNDEFINED
from policy_platform.engines.spectral.linter import lint_targets
from policy_platform.engines.spectral.ruleset import Rule, RulesetError, load_ruleset_data


def shared_dir() -> Path:
    env = os.environ.get("POLICY_PLATFORM_SHARED")
    return Path(env) if env else (Path(__file__).resolve().parents[3] / ".." / "shared").resolve()


SUITE = shared_dir() / "conformance" / "jsonpath"
CASES: list[dict[str, Any]] = json.loads((SUITE / "cases.json").read_text(encoding="utf-8")) if SUITE.is_dir() else []


@cache
def _document(name: str) -> Any:
    return json.loads((SUITE / name).read_text(encoding="utf-8"))


@cache
def _rule(given: tuple[str, ...], field: str | None) -> Rule:
    then: dict[str, Any] = {"function": "truthy"}
    if field is not None:
        then["field"] = field
    ruleset = load_ruleset_data({"extends": "spectral:oas", "rules": {"r": {"given": list(given), "then": then}}})
    return ruleset.rules["r"]


def _given_paths(rule: Rule, doc: Any) -> list[tuple[tuple[str | int, ...], Any]]:
    formats = detect_formats(doc)
    out: list[tuple[tuple[str | int, ...], Any]] = []
    for given in rule.given:
        if given.formats is not None and not (given.formats & formats):
            continue
        out.extend(given.path.evaluate(doc))
    return out


def _actual(case: dict[str, Any]) -> list[list[str | int]] | None:
    doc = _document(case["document"])
    kind = case["kind"]
    expr = case["expression"]
    try:
        if kind == "given":
            return [list(p) for p, _ in compile_path(expr).evaluate(doc)]
        if kind == "given-alias":
            return [list(p) for p, _ in _given_paths(_rule((expr,), None), doc)]
        rule = _rule(tuple(case["context_given"]), expr)
        paths: list[list[str | int]] = []
        for given_path, value in _given_paths(rule, doc):
            for target_path, target_value in lint_targets(value, rule.then[0]):
                if target_value is not UNDEFINED and (target_path or kind == "field-jsonpath"):
                    paths.append([*given_path, *target_path])
        return paths
    except (JsonPathSyntaxError, JsRuntimeError, RulesetError):
        return None


def _ids() -> list[str]:
    return [f"{i}-{c['kind']}-{Path(c['document']).stem}-{c['expression'][:60]}" for i, c in enumerate(CASES)]


@pytest.mark.parametrize("case", CASES, ids=_ids())
def test_jsonpath_case(case: dict[str, Any]) -> None:
    actual = _actual(case)
    expected = case["paths"]
    if expected is None:
        assert actual is None, f"expected engine error {case.get('error')!r}, got {actual}"
        return
    assert actual is not None, "engine raised, Spectral did not"
    assert sorted(map(json.dumps, actual)) == sorted(map(json.dumps, expected))
