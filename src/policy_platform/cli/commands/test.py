"""`policy-platform test`: run kyverno-test.yaml files strictly."""

from __future__ import annotations

import argparse
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from policy_platform.engines.kyverno.testreport import render_json, render_junit, render_text
from policy_platform.engines.kyverno.testrunner import TEST_FILE, Selector, TestReport, discover, run_test_file
from policy_platform.errors import UsageError

HELP = "run Kyverno CLI tests (kyverno-test.yaml) strictly"
DESCRIPTION = """\
Run kyverno-test.yaml files (cli.kyverno.io/v1alpha1 Test) found under PATH... and compare every expected result
strictly: an expected `fail` must be a `fail` of that rule on that resource; an expected result without any rule
response is shown as "no result" and disagrees; a test file, policy or resource that cannot be loaded is an error.

Exit codes (as `kyverno test`): 0 when every case agrees, 1 when any case disagrees or a test has errors;
2 for bad arguments or when no test file is found (kyverno 1.13 exits 0 there).
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="test file or folder to search for test files")
    parser.add_argument("--file-name", default=TEST_FILE, help=f"test file name to look for (default {TEST_FILE})")
    parser.add_argument("--format", choices=("table", "json", "junit"), default="table", help="output format")
    parser.add_argument("--fail-only", action="store_true", help="show only the cases that disagree")
    parser.add_argument(
        "--test-case-selector", default="", help='run only matching cases, e.g. "policy=require-*,rule=*,resource=*"'
    )
    parser.add_argument("--detailed-results", action="store_true", help="add the rule message to the table")
    parser.add_argument("--remove-color", action="store_true", help="no ANSI colours")
    parser.add_argument("--jobs", type=int, default=0, help="worker processes (default: number of cores)")
    parser.add_argument("-o", "--output", default="", help="write the report to this file instead of stdout")
    parser.add_argument(
        "--compat",
        choices=("strict", "kyverno-1.13"),
        default="strict",
        help="kyverno-1.13: the loose oracle of kyverno test 1.13 (an expected fail agrees with any rule response; "
        "a policy with no rule response on the resource agrees with anything), for migrating suites",
    )


def run_tests(
    paths: list[str], *, file_name: str, selector: Selector, jobs: int, compat: bool = False
) -> list[TestReport]:
    """Discover and run every test file; reports in discovery order."""
    files = discover(paths, file_name)
    if not files:
        raise UsageError(f"no {file_name} found under {', '.join(paths)}")
    workers = jobs if jobs > 0 else (os.cpu_count() or 1)
    if workers <= 1 or len(files) < 4:
        return [run_test_file(f, selector, compat) for f in files]
    with ProcessPoolExecutor(max_workers=min(workers, len(files))) as pool:
        n = len(files)
        return list(pool.map(run_test_file, files, [selector] * n, [compat] * n, chunksize=max(1, n // 32)))


def run(args: argparse.Namespace) -> int:
    selector = Selector.parse(args.test_case_selector)
    reports = run_tests(
        [str(Path(p)) for p in args.paths],
        file_name=args.file_name,
        selector=selector,
        jobs=args.jobs,
        compat=args.compat == "kyverno-1.13",
    )
    if args.format == "json":
        text = render_json(reports, fail_only=args.fail_only)
    elif args.format == "junit":
        text = render_junit(reports, fail_only=args.fail_only)
    else:
        color = sys.stdout.isatty() and not args.remove_color and not args.output
        text = render_text(reports, fail_only=args.fail_only, detailed=args.detailed_results, color=color)
    if args.output:
        from policy_platform._internal.fs import atomic_write_text

        atomic_write_text(Path(args.output), text)
    else:
        sys.stdout.write(text)
    return 0 if all(r.ok for r in reports) else 1
