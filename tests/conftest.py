"""Shared fixtures: the example platform copied to a temp dir, an in-process CLI runner, the registry fixtures of
tests/oci_registry.py, and a source cache isolated per test (no test ever touches the user's cache)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from policy_platform.cli.main import main

pytest_plugins = ("tests.oci_registry",)

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "platform"


@pytest.fixture(autouse=True)
def _isolated_cache(request: pytest.FixtureRequest) -> None:
    request.getfixturevalue("isolated_cache")


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
