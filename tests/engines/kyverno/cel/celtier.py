"""The conformance suite's cel tier, read at run time from ``../shared`` (or ``$POLICY_PLATFORM_SHARED``): every
cel rule of every test folder with the resources of its test, for the differential tests of the CEL evaluators."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

SHARED = Path(os.environ.get("POLICY_PLATFORM_SHARED", Path(__file__).resolve().parents[4] / ".." / "shared"))
SUITE = SHARED / "conformance" / "kyverno-policies"


def cel_folders() -> list[str]:
    """The test folders of the cel tier (none when the suite is absent)."""
    tsv = SUITE / "TESTS.tsv"
    if not tsv.is_file():
        return []
    return [line.split("\t")[0] for line in tsv.read_text().splitlines()[1:] if line.split("\t")[1] == "cel"]


def _docs(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if isinstance(d, dict)]


def cel_rules() -> Iterator[tuple[str, dict[str, Any], list[dict[str, Any]]]]:
    """(folder, rule, resources of its test) for every rule with ``validate.cel`` in the cel tier."""
    for folder in cel_folders():
        base = SUITE / folder
        test = yaml.safe_load((base / "kyverno-test.yaml").read_text())
        rules = [r for p in test.get("policies", []) for d in _docs(base / p) for r in d["spec"]["rules"]
                 if "cel" in r.get("validate", {})]
        objects = [d for r in test.get("resources", []) for d in _docs(base / r)]
        for rule in rules:
            yield folder, rule, objects
