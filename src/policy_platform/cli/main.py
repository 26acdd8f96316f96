"""``main(argv) -> int``: parse arguments and dispatch to one command module."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from policy_platform import __version__
from policy_platform.cli.commands import COMMANDS
from policy_platform.cli.errors import PROG, run_guarded


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with a one-line message (its default), kept explicit for clarity."""


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Aggregate, render, package and enforce Kubernetes policy repositories.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module in COMMANDS.items():
        cmd = sub.add_parser(
            name,
            help=module.HELP,
            description=getattr(module, "DESCRIPTION", module.HELP),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.configure(cmd)
        cmd.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(list(argv) if argv is not None else None)
    if not getattr(args, "_run", None):
        parser.print_help(sys.stderr)
        return 2
    return run_guarded(lambda: int(args._run(args)))


def entry() -> None:
    sys.exit(main())
