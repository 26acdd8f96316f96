"""Shared fixtures: the example platform copied to a temp dir, and a CLI runner in a subprocess-free form."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from policy_platform.cli.main import main

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "platform"


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A private copy of the example platform (tests may modify it)."""
    dest = tmp_path / "platform"
    shutil.copytree(EXAMPLE, dest)
    return dest


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """Run ``policy-platform ARGS`` in-process and return (exit code, stdout, stderr)."""

    def run(*args: str) -> tuple[int, str, str]:
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse usage errors
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return run
