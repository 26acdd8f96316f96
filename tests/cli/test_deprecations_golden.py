"""Golden output of ``policy-platform deprecations`` for every format, on real fixtures (files, folders, a JSON file, a
``List``, a ``.txt`` file, a README, a values file and a Helm chart that is rendered).

Regenerate after an intended change with
``POLICY_PLATFORM_UPDATE_GOLDEN=1 pytest tests/cli/test_deprecations_golden.py`` and review the diff.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parent / "engines" / "deprecations" / "fixtures"
GOLDEN = HERE.parent / "engines" / "deprecations" / "golden"
TARGETS = "k8s=v1.29.0,cert-manager=v1.6.0"

CASES = {
    "normal": ["-o", "normal"],
    "wide": ["-o", "wide"],
    "custom": ["-o", "custom", "--columns", "name,namespace,kind,version,component,filepath"],
    "json": ["-o", "json"],
    "yaml": ["-o", "yaml"],
    "markdown": ["-o", "markdown"],
    "csv": ["-o", "csv"],
    "csv-columns-no-headers": ["-o", "csv", "--columns", "KIND,VERSION,FILEPATH", "--no-headers"],
    "normal-only-removed-k8s": ["--only-show-removed", "--components", "k8s"],
    "normal-no-headers": ["-H"],
}


@pytest.mark.parametrize("case", list(CASES))
def test_golden(case: str, cli: Callable[..., tuple[int, str, str]], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    code, out, err = cli("deprecations", "manifests", "-t", TARGETS, *CASES[case])
    assert err == ""
    assert code == 4  # policy/v1beta1 PodSecurityPolicy has no replacement (Pluto's exit code 4)
    golden = GOLDEN / f"{case}.txt"
    if os.environ.get("POLICY_PLATFORM_UPDATE_GOLDEN"):
        golden.write_text(out, encoding="utf-8")
    assert out == golden.read_text(encoding="utf-8")
