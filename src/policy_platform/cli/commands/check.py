"""``policy-platform check``: the whole CI gate in one process."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from policy_platform import api
from policy_platform.cli.commands._common import add_config, add_set
from policy_platform.report import json as json_report
from policy_platform.report import junit, markdown, sarif, table
from policy_platform.report.artifacts import policy_reports, write_check

HELP = "run the CI gate: lint values, build manifests, validate against every source, detect deprecated APIs"
DESCRIPTION = """\
Run the seed's CI gate for one environment in one process:
  (a) lint the app's layered values with its .spectral.yaml ruleset,
  (b) render the app chart with that environment's values,
  (c) validate the manifests against the rendered policies of every source (Audit failures are warnings),
  (d) detect deprecated and removed Kubernetes APIs for the configured Kubernetes version.

Without --env the environment comes from the CI target branch through the config's branch map:
Bitbucket BITBUCKET_PR_DESTINATION_BRANCH, BITBUCKET_BRANCH; GitHub GITHUB_BASE_REF, GITHUB_REF_NAME;
GitLab CI_MERGE_REQUEST_TARGET_BRANCH_NAME, CI_COMMIT_BRANCH. An unknown branch skips the run (exit 0).

exit codes: 0 nothing blocks; 1 an Enforce-mode failure, an evaluation error, a lint error or a removed API;
            2 usage, configuration or input error.
"""


def configure(parser: argparse.ArgumentParser) -> None:
    add_config(parser)
    parser.add_argument("-e", "--env", help="environment name (default: detected from CI variables)")
    parser.add_argument(
        "-f",
        "--format",
        choices=("table", "json", "sarif", "junit", "markdown", "policyreport"),
        default="table",
        help="stdout format (default: table); --output-dir writes every format",
    )
    parser.add_argument("-o", "--output-dir", metavar="DIR", help="write every artifact and report into DIR")
    parser.add_argument("--show-passed", action="store_true", help="list passing and skipped results in the table")
    parser.add_argument(
        "--unknown-branch",
        choices=("skip", "fail"),
        help="what to do when the CI branch maps to no environment (default: config check.unknownBranch, skip)",
    )
    parser.add_argument(
        "--cache-dir", metavar="DIR", help="source cache (default: $POLICY_PLATFORM_CACHE or XDG cache)"
    )
    parser.add_argument("--offline", action="store_true", help="use only cached sources; name any that is missing")
    add_set(parser)


def run(args: argparse.Namespace) -> int:
    report = api.check(
        config=args.config,
        env=args.env,
        set_values=args.set_values,
        output_dir=args.output_dir,
        unknown_branch=args.unknown_branch,
        cache_dir=args.cache_dir,
        offline=args.offline,
    )
    if args.output_dir:
        write_check(report, Path(args.output_dir))
    renderers = {
        "json": lambda: json_report.render_check(report),
        "sarif": lambda: sarif.render(report.result),
        "junit": lambda: junit.render(report.result),
        "markdown": lambda: markdown.render_check(report),
        "policyreport": lambda: policy_reports(report),
        "table": lambda: table.render_check(report, show_passed=args.show_passed),
    }
    sys.stdout.write(renderers[args.format]())
    return report.exit_code
