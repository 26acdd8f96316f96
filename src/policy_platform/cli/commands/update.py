"""`policy-platform update [SOURCE...]`: re-resolve sources (all by default) and rewrite platform.lock."""

from __future__ import annotations

import argparse

from policy_platform.cli.commands import lock

HELP = "re-resolve sources and update platform.lock"
DESCRIPTION = (
    "Re-resolve the named sources (default: every non-local source) to their current pins and rewrite platform.lock."
)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("sources", nargs="*", metavar="SOURCE", help="sources to update (default: all)")
    lock.configure(parser)


def run(args: argparse.Namespace) -> int:
    from policy_platform.config import load_config

    names = list(args.sources) or [s.name for s in load_config(args.config).sources if s.type != "local"]
    return lock.run(args, update=names)
