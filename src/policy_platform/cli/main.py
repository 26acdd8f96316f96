"""``main(argv) -> int``: parse arguments and dispatch to one command module."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from policy_platform import __version__
from policy_platform.cli.commands import COMMANDS, load
from policy_platform.cli.errors import PROG, run_guarded


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with a one-line message (its default), kept explicit for clarity."""


def _selected(argv: Sequence[str]) -> str | None:
    """The subcommand named on the command line: the first argument that is not an option."""
    for arg in argv:
        if not arg.startswith("-"):
            return arg if arg in COMMANDS else None
    return None


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The parser; only the selected command's module is imported (all of them only for the top-level --help)."""
    parser = _Parser(
        prog=PROG,
        description="Aggregate, render, package and enforce Kubernetes policy repositories.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    selected = _selected(argv)
    wants_overview = selected is None and (not argv or any(a in ("-h", "--help") for a in argv))
    for name in COMMANDS:
        if name != selected and not wants_overview:
            sub.add_parser(name)
            continue
        module = load(name)
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
    arglist = list(argv) if argv is not None else sys.argv[1:]
    parser = build_parser(arglist)
    args = parser.parse_args(arglist)
    if not getattr(args, "_run", None):
        parser.print_help(sys.stderr)
        return 2
    return run_guarded(lambda: int(args._run(args)))


def entry() -> None:
    sys.exit(main())
