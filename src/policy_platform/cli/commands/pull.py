"""`policy-platform pull REF -o DIR`: download a bundle and verify every digest and every file hash."""

from __future__ import annotations

import argparse
from pathlib import Path

from policy_platform.cli.commands.push import add_registry_args, registry_options
from policy_platform.oci.ref import parse_reference

HELP = "pull a bundle from an OCI registry (every digest verified)"
DESCRIPTION = """\
Download the bundle at REF (tag or digest), verify the manifest (when REF has a digest), config and layer digests,
the uncompressed layer digest and every file against the sha256 index in manifest.json, then write it to DIR (which
must be absent or empty), or keep the layer as is when -o ends in .tar.gz. With --key PUB the signature is verified
first.
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("ref", metavar="REF", help="registry/repository[:tag|@digest]")
    parser.add_argument("-o", "--output", required=True, metavar="DIR|FILE.tar.gz", help="where to write the bundle")
    parser.add_argument("--key", default="", metavar="PUB", help="require a valid signature by this public key")
    add_registry_args(parser)


def run(args: argparse.Namespace) -> int:
    from policy_platform.bundle.oci import fetch_bundle, write_pulled
    from policy_platform.bundle.signing import verify_reference

    ref = parse_reference(args.ref)
    options = registry_options(args)
    if args.key:
        ref = ref.with_digest(verify_reference(ref, Path(args.key), options=options))
    pulled = fetch_bundle(ref, options=options)
    out = write_pulled(pulled, Path(args.output))
    name = pulled.manifest.get("name", "")
    version = pulled.manifest.get("version", "")
    print(f"pulled {ref.name}@{pulled.digest} ({name} {version}) -> {out}")
    return 0
