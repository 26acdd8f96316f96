"""`policy-platform keygen`: create an ECDSA P-256 key pair for `sign` and `verify`."""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "create an ECDSA P-256 signing key pair"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-o", "--output", default="policy-platform", metavar="PREFIX",
                        help="write PREFIX.key (private, mode 0600) and PREFIX.pub (default: policy-platform)")
    parser.add_argument("--force", action="store_true", help="overwrite existing files")


def run(args: argparse.Namespace) -> int:
    from policy_platform.bundle.signing import generate_keypair

    priv, pub = Path(f"{args.output}.key"), Path(f"{args.output}.pub")
    kid = generate_keypair(priv, pub, force=args.force)
    print(f"wrote {priv} and {pub} (key id {kid})")
    return 0
