"""`policy-platform verify REF --key PUB`: exit 0 when REF carries a valid signature by the key, else 2."""

from __future__ import annotations

import argparse
from pathlib import Path

from policy_platform.cli.commands.push import add_registry_args, registry_options
from policy_platform.oci.ref import parse_reference

HELP = "verify the signature of a pushed bundle or image"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("ref", metavar="REF", help="registry/repository[:tag|@digest]")
    parser.add_argument("--key", required=True, metavar="PUB", help="public key written by keygen")
    add_registry_args(parser)


def run(args: argparse.Namespace) -> int:
    from policy_platform.bundle.signing import verify_reference

    ref = parse_reference(args.ref)
    digest = verify_reference(ref, Path(args.key), options=registry_options(args))
    print(f"verified {ref.name}@{digest}")
    return 0
