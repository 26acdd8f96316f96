"""`policy-platform push BUNDLE REF`: publish a built bundle as an OCI artifact (or, with --image, as an image)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from policy_platform.errors import UsageError
from policy_platform.oci.options import RegistryOptions, options_from_env
from policy_platform.oci.ref import parse_reference

HELP = "push a bundle to an OCI registry"
DESCRIPTION = """\
Push BUNDLE (a .tar.gz written by `build`, or a bundle directory) to REF as one OCI manifest with artifactType
application/vnd.policy-platform.bundle.v1, config media type application/vnd.policy-platform.bundle.config.v1+json
and one tar+gzip layer. With --image it is pushed as an ordinary linux/amd64 image instead, so a Dockerfile can
`COPY --from=REF /repos/ /repos/`.

Tags: REF's tag and every --tag; with neither, the seed's defaults vX.Y.Z (bundle version), sha-<7 chars> (commit of
the current git checkout or $GITHUB_SHA/$CI_COMMIT_SHA/$BITBUCKET_COMMIT) and latest. An existing version tag is never
moved to a different digest without --force.

Credentials: --username/--password-stdin, else ~/.docker/config.json (auths, credHelpers, credsStore), else anonymous.
TLS is verified (--ca-file to trust a private CA); plain HTTP only for hosts given with --insecure-registry.
"""


def add_registry_args(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("registry access")
    g.add_argument("--username", default="", help="registry user name")
    g.add_argument("--password-stdin", action="store_true", help="read the password (or token) from stdin")
    g.add_argument("--insecure-registry", action="append", default=[], metavar="HOST[:PORT]",
                   help="use plain HTTP for this registry host (repeatable); also $POLICY_PLATFORM_INSECURE_REGISTRIES")
    g.add_argument("--ca-file", default="", metavar="PEM",
                   help="trust this CA bundle for TLS (or $POLICY_PLATFORM_CA_FILE)")


def registry_options(args: argparse.Namespace) -> RegistryOptions:
    password = ""
    if args.password_stdin:
        if not args.username:
            raise UsageError("--password-stdin needs --username")
        password = sys.stdin.readline().rstrip("\r\n")
    return options_from_env(
        os.environ,
        insecure=tuple(args.insecure_registry),
        username=args.username,
        password=password,
        ca_file=args.ca_file,
    )


def current_commit() -> str:
    for var in ("GITHUB_SHA", "CI_COMMIT_SHA", "BITBUCKET_COMMIT", "GIT_COMMIT"):
        if os.environ.get(var):
            return os.environ[var]
    try:
        proc = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return proc.stdout.decode().strip() if proc.returncode == 0 else ""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("bundle", metavar="BUNDLE", help="bundle .tar.gz or directory written by `build`")
    parser.add_argument("ref", metavar="REF", help="registry/repository[:tag]")
    parser.add_argument("--tag", "-t", action="append", default=[], help="additional tag (repeatable)")
    parser.add_argument("--image", action="store_true", help="push as an ordinary image (layer holds /repos/...)")
    parser.add_argument("--force", action="store_true", help="allow moving an existing version tag")
    add_registry_args(parser)


def read_bundle_bytes(path: Path) -> bytes:
    from policy_platform.bundle.build import read_tree
    from policy_platform.bundle.tarball import tar_gz

    if path.is_dir():
        files, execs = read_tree(path)
        return tar_gz(files, frozenset(execs))[0]
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read bundle {path}: {exc.strerror}") from exc


def run(args: argparse.Namespace) -> int:
    from policy_platform.bundle.oci import default_tags, push_bundle, read_bundle_manifest

    data = read_bundle_bytes(Path(args.bundle))
    ref = parse_reference(args.ref)
    if ref.digest:
        raise UsageError("push REF must not contain a digest")
    manifest = read_bundle_manifest(data, args.bundle)  # a bad file is named before any network access
    tags = list(args.tag)
    commit = current_commit()
    if not ref.tag and not tags:
        tags = default_tags(str(manifest.get("version") or ""), commit)
    result = push_bundle(data, ref, tags=tags, options=registry_options(args), image=args.image, revision=commit,
                         force=args.force)
    print(f"pushed {ref.name}@{result.digest} ({result.size} bytes)")
    for tag in result.tags:
        print(f"  tagged {ref.name}:{tag}")
    return 0
