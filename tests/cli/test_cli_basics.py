"""CLI surface: --version, --help for every subcommand, python -m, the console script, and the public API."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

import pytest

import policy_platform
from policy_platform.cli.commands import COMMANDS

Cli = Callable[..., tuple[int, str, str]]


def test_version(cli: Cli) -> None:
    code, out, _ = cli("--version")
    assert (code, out.strip()) == (0, f"policy-platform {policy_platform.__version__}")


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_help_for_every_subcommand(cli: Cli, command: str) -> None:
    code, out, _ = cli(command, "--help")
    assert code == 0
    assert out.startswith(f"usage: policy-platform {command}")


def test_core_commands_registered() -> None:
    assert {"check", "render", "env"} <= set(COMMANDS)


def test_no_command_prints_usage(cli: Cli) -> None:
    code, _, err = cli()
    assert code == 2
    assert "usage: policy-platform" in err


def test_python_dash_m() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "policy_platform", "--version"], capture_output=True, text=True, check=False
    )
    assert (proc.returncode, proc.stdout.strip()) == (0, f"policy-platform {policy_platform.__version__}")


def test_public_api_is_pinned() -> None:
    assert sorted(policy_platform.__all__) == [
        "Finding",
        "InputError",
        "Location",
        "Origin",
        "PolicyPlatformError",
        "ResourceRef",
        "ScanResult",
        "Severity",
        "Status",
        "__version__",
        "exit_code",
    ]
