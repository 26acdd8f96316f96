"""``policy-platform render``: render every policy source for one environment."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from policy_platform import api
from policy_platform.cli.commands._common import add_config, add_set
from policy_platform.errors import UsageError
from policy_platform.report.artifacts import write_rendered

HELP = "render every policy source for one environment (one file per source and an index)"


def configure(parser: argparse.ArgumentParser) -> None:
    add_config(parser)
    parser.add_argument("-e", "--env", help="environment name (default: detected from CI variables)")
    parser.add_argument(
        "-o", "--output-dir", metavar="DIR", default="rendered", help="output directory (default: rendered)"
    )
    add_set(parser)


def run(args: argparse.Namespace) -> int:
    det = api.detect_environment(config=args.config, env=args.env, environ=os.environ)
    if not det.environment:
        raise UsageError(f"{det.reason}; pass --env")
    result = api.render(config=args.config, env=det.environment, set_values=args.set_values)
    out = Path(args.output_dir)
    written = write_rendered(result, out)
    for notice in result.notices:
        print(f"notice: {notice}", file=sys.stderr)
    for src in result.sources:
        print(
            f"{src.name} {src.version or '(folder)'}: {len(src.documents)} document(s) -> {out / (src.name + '.yaml')}"
        )
    print(f"index: {written[-1]}")
    return 0
