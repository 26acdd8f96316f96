"""Arguments shared by several commands."""

from __future__ import annotations

import argparse

DEFAULT_CONFIG = "platform.yaml"


def add_config(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-c",
        "--config",
        default=DEFAULT_CONFIG,
        metavar="FILE",
        help="platform configuration (default: ./platform.yaml; a directory means DIR/platform.yaml)",
    )


def add_set(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--set",
        dest="set_values",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a values key (Helm --set syntax; for local experiments, recorded in the output)",
    )
