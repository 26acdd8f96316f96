"""Spectral 6.16.3 golden cases: run the real ``policy-platform lint`` CLI in each case folder and compare.

Stdout JSON is compared result by result as a multiset of (code, message, path, severity, range, source); ``source``
is compared relative to the case folder. The exit code must match; exit-2 cases must print nothing on stdout.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest


def shared_dir() -> Path:
    env = os.environ.get("POLICY_PLATFORM_SHARED")
    return Path(env) if env else (Path(__file__).resolve().parents[3] / ".." / "shared").resolve()


CASES_DIR = shared_dir() / "conformance" / "spectral" / "cases"
OWN_CASES_DIR = Path(__file__).resolve().parent / "cases"
CASES = sorted(p for p in CASES_DIR.iterdir() if p.is_dir()) if CASES_DIR.is_dir() else []
OWN_CASES = sorted(p for p in OWN_CASES_DIR.iterdir() if p.is_dir()) if OWN_CASES_DIR.is_dir() else []


def _key(result: dict[str, Any], case_dir: Path) -> str:
    source = result.get("source")
    if isinstance(source, str) and os.path.isabs(source):
        source = os.path.relpath(source, case_dir)
    rng = result["range"]
    return json.dumps(
        [result["code"], result["message"], result["path"], result["severity"],
         [rng["start"]["line"], rng["start"]["character"], rng["end"]["line"], rng["end"]["character"]], source],
        ensure_ascii=False,
    )


def _run(case_dir: Path) -> None:
    argv = shlex.split((case_dir / "cmd").read_text(encoding="utf-8"))
    proc = subprocess.run(
        [sys.executable, "-m", "policy_platform", *argv], cwd=case_dir, capture_output=True, text=True, check=False,
        timeout=60,
    )
    expected_code = int((case_dir / "expected-exit-code").read_text().strip())
    assert proc.returncode == expected_code, f"exit {proc.returncode} != {expected_code}\nstderr: {proc.stderr}"
    expected_file = case_dir / "expected.json"
    if not expected_file.exists():
        assert proc.stdout == ""
        return
    got = sorted(_key(r, case_dir) for r in json.loads(proc.stdout))
    want = sorted(_key(r, case_dir) for r in json.loads(expected_file.read_text(encoding="utf-8")))
    assert got == want


@pytest.mark.parametrize("case_dir", CASES, ids=[p.name for p in CASES])
def test_spectral_conformance_case(case_dir: Path) -> None:
    _run(case_dir)


@pytest.mark.parametrize("case_dir", OWN_CASES, ids=[p.name for p in OWN_CASES])
def test_own_case(case_dir: Path) -> None:
    _run(case_dir)
