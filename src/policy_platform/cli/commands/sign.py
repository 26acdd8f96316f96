"""`policy-platform sign REF --key KEY`: sign a pushed manifest; the signature is stored as an OCI referrer."""

from __future__ import annotations

import argparse
from pathlib import Path

from policy_platform.cli.commands.push import add_registry_args, registry_options
from policy_platform.oci.ref import parse_reference

HELP = "sign a pushed bundle or image (ECDSA P-256, stored as an OCI referrer)"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("ref", metavar="REF", help="registry/repository[:tag|@digest]")
    parser.add_argument("--key", required=True, metavar="KEY", help="private key written by keygen")
    add_registry_args(parser)


def run(args: argparse.Namespace) -> int:
    from policy_platform.bundle.signing import sign_reference

    ref = parse_reference(args.ref)
    result = sign_reference(ref, Path(args.key), options=registry_options(args))
    where = f" (referrers fallback tag {result.fallback_tag})" if result.fallback_tag else ""
    print(f"signed {ref.name}@{result.subject}: signature {result.signature_digest}{where}")
    return 0
