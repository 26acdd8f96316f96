"""`policy-platform env` (being written: foundation issue)."""

from __future__ import annotations

import argparse

HELP = "env"


def configure(parser: argparse.ArgumentParser) -> None:
    del parser


def run(args: argparse.Namespace) -> int:
    del args
    return 0
