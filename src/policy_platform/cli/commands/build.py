"""`policy-platform build`: rendered policies per environment + source trees + manifest.json, as a directory or a
reproducible .tar.gz."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from policy_platform.cli.commands._common import add_config
from policy_platform.cli.commands.push import add_registry_args, registry_options

HELP = "build the policy bundle (directory or reproducible .tar.gz)"
DESCRIPTION = """\
Materialize every source (through platform.lock and the cache when they apply), render the policy sources for the
chosen environments, resolve name conflicts (per-source prefix, then precedence; otherwise an error naming both
origins) and write:

  manifest.json                    bundle name and version, sources (type, ref, pin, version), policies (name, kind,
                                   source, template, sha256, per-environment failure action and enabled state),
                                   sha256 of every file
  policies/<env>/<source>/*.yaml   rendered policies with provenance annotations
  repos/<source>/...               each source tree (the seed's layout)

The same inputs give a byte-identical .tar.gz (sorted entries, fixed mode/uid/gid/mtime, gzip mtime 0).
"""


def add_cache_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cache-dir", type=Path, default=None, metavar="DIR",
                        help="source cache (default $POLICY_PLATFORM_CACHE or $XDG_CACHE_HOME/policy-platform)")
    parser.add_argument("--offline", action="store_true", help="use only platform.lock and the cache; no network")


def configure(parser: argparse.ArgumentParser) -> None:
    add_config(parser)
    envs = parser.add_mutually_exclusive_group()
    envs.add_argument("--env", action="append", default=[], metavar="ENV", help="environment to render (repeatable)")
    envs.add_argument("--all-envs", action="store_true", help="render every configured environment (the default)")
    parser.add_argument("-o", "--output", required=True, metavar="DIR|FILE.tar.gz", help="output directory or tarball")
    add_cache_args(parser)
    add_registry_args(parser)


def run(args: argparse.Namespace) -> int:
    from policy_platform.bundle.build import build_bundle, environments_for, write_bundle
    from policy_platform.config import load_config
    from policy_platform.sources import materialize_all

    config = load_config(args.config)
    envs = environments_for(config, args.env, args.all_envs)
    roots = materialize_all(config, cache_dir=args.cache_dir, offline=args.offline, registry=registry_options(args))
    for src in roots.values():
        for notice in src.notices:
            print(f"warning: {notice}", file=sys.stderr)
    bundle = build_bundle(config, environments=envs, materialized=roots)
    out = write_bundle(bundle, Path(args.output))
    policies = bundle.manifest.get("policies") or []
    print(f"built {config.name} {config.version} ({len(policies)} policies, {len(envs)} environment(s), "
          f"{len(bundle.files)} files) -> {out}")
    return 0
