"""`policy-platform lock`: pin every non-local source in platform.lock (commit SHA, manifest digest, sha256)."""

from __future__ import annotations

import argparse

from policy_platform.cli.commands._common import add_config
from policy_platform.cli.commands.push import add_registry_args, registry_options

HELP = "pin every source in platform.lock"
DESCRIPTION = """\
Resolve each git, oci, image and archive source to an immutable pin (commit SHA; manifest digest and, for a
multi-platform image, the chosen platform and its digest; archive sha256), fetch it into the cache and record its
content hash in platform.lock next to platform.yaml. Entries that still match platform.yaml are kept; use
`policy-platform update` to move them. `build` and `check` then use the lock and refuse content that does not match.
"""


def configure(parser: argparse.ArgumentParser) -> None:
    from policy_platform.cli.commands.build import add_cache_args

    add_config(parser)
    add_cache_args(parser)
    add_registry_args(parser)


def run(args: argparse.Namespace, update: list[str] | None = None) -> int:
    from policy_platform.config import load_config
    from policy_platform.errors import UsageError
    from policy_platform.sources import lock_sources
    from policy_platform.sources.lockfile import lock_path

    if getattr(args, "offline", False):
        raise UsageError("lock/update need the network; --offline is not possible here")
    config = load_config(args.config)
    entries, changes = lock_sources(config, update=update, cache_dir=args.cache_dir, registry=registry_options(args))
    for change in changes:
        print(change)
    print(f"{lock_path(config)}: {len(entries)} source(s) locked, {len(changes)} changed")
    return 0
