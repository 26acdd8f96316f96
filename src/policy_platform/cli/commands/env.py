"""``policy-platform env``: print the environment detected from --env or the CI variables, and from where."""

from __future__ import annotations

import argparse
import os

from policy_platform import api
from policy_platform.cli.commands._common import add_config
from policy_platform.render.environments import CI_BRANCH_VARIABLES

HELP = "print the environment detected from CI variables (and which variable it came from)"


def configure(parser: argparse.ArgumentParser) -> None:
    add_config(parser)
    parser.add_argument("-e", "--env", help="an explicit environment (validated against the config)")
    parser.add_argument(
        "--shell", action="store_true", help="print `export ENVIRONMENT=<env>` (the seed's environment.sh)"
    )


def run(args: argparse.Namespace) -> int:
    det = api.detect_environment(config=args.config, env=args.env, environ=os.environ)
    if args.shell:
        print(f"export ENVIRONMENT={det.environment}")
        return 0
    if det.environment:
        print(det.describe())
    else:
        print(f"no environment: {det.reason}")
    for _system, var in CI_BRANCH_VARIABLES:
        if os.environ.get(var):
            print(f"  {var}={os.environ[var]}")
    return 0
