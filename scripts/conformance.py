"""Conformance on Kyverno's policy library: run every test folder strictly and print agreement per tier.

Usage: ``python scripts/conformance.py ../shared/conformance/kyverno-policies [--threshold FILE] [--json OUT]
[--show-failures] [--jobs N]``. Tiers come from ``TESTS.tsv``. Exits 1 when a tier's agreement (agreeing cases) falls
below its threshold in ``conformance-threshold.json`` (thresholds only ever rise), 0 otherwise; when the suite folder is
absent it says so and exits 0.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

from policy_platform.cli.commands.test import run_tests
from policy_platform.engines.kyverno.testrunner import Selector

ROOT = Path(__file__).resolve().parents[1]
TIERS = ("core", "cel", "podsecurity", "cluster-or-generate", "mutate")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("suite", nargs="?", default=str(ROOT / ".." / "shared" / "conformance" / "kyverno-policies"))
    parser.add_argument("--threshold", default=str(ROOT / "conformance-threshold.json"))
    parser.add_argument("--json", default="", help="write every case as JSON to this file")
    parser.add_argument("--show-failures", action="store_true", help="list every disagreeing case")
    parser.add_argument("--jobs", type=int, default=0)
    args = parser.parse_args(argv)
    suite = Path(args.suite)
    if not (suite / "TESTS.tsv").is_file():
        print(f"conformance suite not found at {suite}; nothing to do")
        return 0
    tiers: dict[str, str] = {}
    for line in (suite / "TESTS.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        if line.strip():
            path, tier, _cases = line.split("\t")
            tiers[path] = tier
    start = time.perf_counter()
    reports = run_tests([str(suite)], file_name="kyverno-test.yaml", selector=Selector(), jobs=args.jobs)
    elapsed = time.perf_counter() - start
    agree: Counter[str] = Counter()
    total: Counter[str] = Counter()
    failures: list[str] = []
    cases_json = []
    for report in reports:
        rel = str(Path(report.file).parent.resolve().relative_to(suite.resolve()))
        tier = tiers.get(rel, "unlisted")
        for err in report.errors:
            total[tier] += 1
            failures.append(f"[{tier}] {rel}: error: {err}")
        for c in report.cases:
            total[tier] += 1
            if c.ok:
                agree[tier] += 1
            else:
                failures.append(
                    f"[{tier}] {rel}: {c.policy}/{c.rule} {c.kind}/{c.resource}: want {c.expected}, got {c.actual}"
                    f" ({' '.join(c.message.split())[:160]})"
                )
            cases_json.append({"tier": tier, "folder": rel, **c.as_json()})
    thresholds: dict[str, int] = {}
    tp = Path(args.threshold)
    if tp.is_file():
        thresholds = {k: int(v) for k, v in json.loads(tp.read_text(encoding="utf-8")).items()}
    code = 0
    print(f"Kyverno policy library conformance ({len(reports)} test files, {elapsed:.1f} s)")
    print(f"{'tier':<22}{'agree':>7}{'cases':>7}{'rate':>9}{'threshold':>11}")
    for tier in [*TIERS, *sorted(set(total) - set(TIERS))]:
        if tier not in total:
            continue
        rate = 100.0 * agree[tier] / total[tier] if total[tier] else 100.0
        need = thresholds.get(tier, 0)
        flag = "" if agree[tier] >= need else "  BELOW THRESHOLD"
        if flag:
            code = 1
        print(f"{tier:<22}{agree[tier]:>7}{total[tier]:>7}{rate:>8.1f}%{need:>11}{flag}")
    if args.show_failures or code:
        print()
        print("\n".join(failures))
    if args.json:
        Path(args.json).write_text(json.dumps(cases_json, indent=2) + "\n", encoding="utf-8")
    return code


if __name__ == "__main__":
    sys.exit(main())
