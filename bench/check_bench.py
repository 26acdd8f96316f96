"""Benchmark: `policy-platform check --env prd` on the example platform, as a user runs it (a fresh process each time).

Usage: python bench/check_bench.py [--runs N] [--env ENV]
Prints each run and the median wall time. The first (cold) run is reported separately and excluded from the median.
Runs as a user's shell would: with bytecode caching on (PYTHONDONTWRITEBYTECODE, if set here, is removed for the child),
so that "after the first run" means with compiled modules cached.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--env", default="prd")
    args = parser.parse_args()
    cmd = [sys.executable, "-m", "policy_platform", "check", "--config", str(REPO / "examples/platform"),
           "--env", args.env, "--format", "json"]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    times = []
    for i in range(args.runs + 1):
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, check=False, env=env)
        elapsed = time.perf_counter() - start
        if proc.returncode not in (0, 1):
            sys.stderr.write(proc.stderr.decode())
            return 2
        label = "cold" if i == 0 else f"run {i}"
        print(f"{label}: {elapsed * 1000:.0f} ms (exit {proc.returncode})")
        if i:
            times.append(elapsed)
    print(f"median of {len(times)} warm runs: {statistics.median(times) * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
