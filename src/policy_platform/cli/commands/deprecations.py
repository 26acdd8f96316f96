"""`policy-platform deprecations`: Pluto-compatible detection of deprecated and removed Kubernetes APIs."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from policy_platform.errors import UsageError

HELP = "detect deprecated and removed Kubernetes apiVersions (Pluto-compatible)"
DESCRIPTION = """\
Detect deprecated and removed Kubernetes API versions in manifests and Helm charts, as Pluto's `detect-files`/`detect`
do, with Pluto's data schema, columns, output formats and exit codes.

Inputs: files (any extension), folders (recursive; *.yaml, *.yml, *.json strictly, other files leniently), `-` for
standard input, multi-document YAML and JSON, `List` objects (items unpacked). A folder holding Chart.yaml is a Helm
chart: it is rendered with its default values (plus --values/--set) before detection; a file under a chart's
templates/ is rendered with its chart too.

Target versions: --target-versions beats platform.yaml (`kubernetes.version`, per environment with --env), which beats
the defaults in the data file (k8s v1.25.0, istio v1.11.0, cert-manager v1.5.3, as Pluto).

Exit codes (Pluto's; evaluated after filtering; the later one wins):
  0  nothing reported
  1  some input could not be read or parsed (reported on stderr; the run goes on) and nothing else was found
  2  a deprecated API was found           (not with --ignore-deprecations)
  3  a removed API was found              (not with --ignore-removals)
  4  a reported API's replacement is not available in the target, or the data names none
                                          (not with --ignore-unavailable-replacements)
Deviation from Pluto: invalid flags, an invalid --target-versions, a missing path or a malformed versions file exit 2
with a one-line message (Pluto exits 1), as every policy-platform command does.

Better than Pluto: every finding names its file and line (the FILEPATH column prints `file:line`; json and yaml
items carry `line`, and the output carries the data's `data-version`); chart findings name the rendered template
(`chart/templates/x.yaml:LINE`, the line in the rendered output). As in Pluto, the REPL AVAIL column prints `true`
when the data gives no `replacement-available-in`, while exit code 4 and json's `replacementAvailable` count such an
entry as unavailable. `--list-versions` prints the data (normal, wide, json or yaml).

Every flag can also be set with Pluto's environment variable PLUTO_<FLAG> (e.g. PLUTO_TARGET_VERSIONS); flags win.
"""

FORMATS = ("normal", "wide", "custom", "json", "yaml", "markdown", "csv")


def _env(name: str) -> str | None:
    value = os.environ.get(f"PLUTO_{name}")
    return value if value else None


def _env_bool(name: str) -> bool:
    value = _env(name)
    return value is not None and value.strip().lower() in ("1", "true", "yes", "on")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files, folders, charts or - for stdin (default: .)")
    parser.add_argument(
        "-t",
        "--target-versions",
        action="append",
        default=[],
        metavar="COMPONENT=VERSION,...",
        help="target version per component, e.g. k8s=v1.29.0,cert-manager=v1.15.0 (repeatable)",
    )
    parser.add_argument(
        "-f",
        "--additional-versions",
        action="append",
        default=[],
        metavar="FILE",
        help="versions file (Pluto's schema) whose entries add to or override the packaged data (repeatable)",
    )
    parser.add_argument("-o", "--output", choices=FORMATS, default=None, help="output format (default: normal)")
    parser.add_argument(
        "--columns", action="append", default=[], metavar="COL,...", help="columns for custom, markdown and csv"
    )
    parser.add_argument("-H", "--no-headers", action="store_true", help="omit headers (text, csv, markdown)")
    parser.add_argument("--ignore-deprecations", action="store_true", help="do not exit 2 for deprecated APIs")
    parser.add_argument("--ignore-removals", action="store_true", help="do not exit 3 for removed APIs")
    parser.add_argument(
        "--ignore-unavailable-replacements",
        action="store_true",
        help="do not exit 4 when a replacement is unavailable (nor 2 for such a deprecated API)",
    )
    parser.add_argument("-r", "--only-show-removed", action="store_true", help="report removed APIs only")
    parser.add_argument(
        "--components", action="append", default=[], metavar="NAME,...", help="only these components (e.g. k8s,istio)"
    )
    parser.add_argument("--values", action="append", default=[], metavar="FILE", help="values file for charts")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="value for charts")
    parser.add_argument(
        "--list-versions", action="store_true", help="print the versions data (normal, wide, json or yaml) and exit"
    )
    parser.add_argument("--config", metavar="FILE", help="platform.yaml for the default k8s target (default: ./)")
    parser.add_argument("--env", metavar="NAME", help="environment whose kubernetes.version is the k8s target")


def _split(values: Sequence[str]) -> list[str]:
    return [part.strip() for v in values for part in v.split(",") if part.strip()]


def _config_target(config: str | None, env: str | None) -> str | None:
    from policy_platform.config.load import load_config

    if config is None:
        if not Path("platform.yaml").is_file():
            if env:
                raise UsageError("--env needs a platform.yaml (none in the current folder; use --config FILE)")
            return None
        config = "platform.yaml"
    cfg = load_config(config)
    return cfg.kubernetes_version_for(env)


def _values(files: Sequence[str], sets: Sequence[str]) -> dict[str, Any]:
    from policy_platform._internal.yamlio import load_single
    from policy_platform.errors import InputFileError
    from policy_platform.render.values import merge_into, parse_set

    values: dict[str, Any] = {}
    for file in files:
        doc = load_single(file)
        if doc.data is None:
            continue
        if not isinstance(doc.data, dict):
            raise InputFileError("values file must hold a mapping", file=file)
        merge_into(values, doc.data)
    if sets:
        merge_into(values, parse_set(sets))
    return values


def run(args: argparse.Namespace) -> int:
    from policy_platform.engines.deprecations.exitcode import exit_code
    from policy_platform.engines.deprecations.output import OutputOptions, render
    from policy_platform.engines.deprecations.output.columns import parse_columns
    from policy_platform.engines.deprecations.scan import scan
    from policy_platform.engines.deprecations.versions import (
        load_versions,
        parse_target_versions,
        resolve_targets,
    )

    target_specs = list(args.target_versions) or ([_env("TARGET_VERSIONS")] if _env("TARGET_VERSIONS") else [])
    additional = list(args.additional_versions) or (
        _split([_env("ADDITIONAL_VERSIONS") or ""]) if _env("ADDITIONAL_VERSIONS") else []
    )
    fmt = args.output or _env("OUTPUT") or "normal"
    if fmt not in FORMATS:
        raise UsageError(f"unknown output format '{fmt}' (known: {', '.join(FORMATS)})")
    column_specs = list(args.columns) or ([_env("COLUMNS") or ""] if _env("COLUMNS") else [])
    component_specs = list(args.components) or ([_env("COMPONENTS") or ""] if _env("COMPONENTS") else [])
    no_headers = args.no_headers or _env_bool("NO_HEADERS")
    ignore_dep = args.ignore_deprecations or _env_bool("IGNORE_DEPRECATIONS")
    ignore_rem = args.ignore_removals or _env_bool("IGNORE_REMOVALS")
    ignore_unavail = args.ignore_unavailable_replacements or _env_bool("IGNORE_UNAVAILABLE_REPLACEMENTS")
    only_removed = args.only_show_removed or _env_bool("ONLY_SHOW_REMOVED")

    overrides = parse_target_versions(target_specs)
    columns = parse_columns(column_specs)
    components = _split(component_specs) or None
    table = load_versions(additional)
    if args.list_versions:
        from policy_platform.engines.deprecations.output.listing import render_versions

        entries = [e for e in table.entries if components is None or e.component in components]
        sys.stdout.write(render_versions(entries, fmt, data_version=table.data_version, no_headers=no_headers))
        return 0
    if "k8s" not in overrides:
        from_config = _config_target(args.config, args.env)
        if from_config:
            overrides = {"k8s": from_config, **overrides}
    targets = resolve_targets(table, overrides, components)
    values = _values(args.values, args.set)

    outcome = scan(
        list(args.paths) or ["."],
        table=table,
        targets=targets,
        components=components,
        only_removed=only_removed,
        stdin=sys.stdin,
        values=values,
    )
    for err in outcome.errors:
        print(f"policy-platform: error: {err.display()}", file=sys.stderr)
    options = OutputOptions(
        columns=columns, no_headers=no_headers, targets=outcome.targets, data_version=table.data_version
    )
    sys.stdout.write(render(fmt, outcome.reported, options, matched_any=bool(outcome.matches)))
    sys.stdout.flush()
    return exit_code(
        outcome.reported,
        ignore_deprecations=ignore_dep,
        ignore_removals=ignore_rem,
        ignore_unavailable_replacements=ignore_unavail,
        input_errors=bool(outcome.errors),
    )
