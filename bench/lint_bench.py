"""Benchmark: ``policy-platform lint`` on 1,000 values files with the seed's ruleset in one invocation.

Usage: python bench/lint_bench.py [--files N] [--runs N]
Writes N Helm values files (one in four breaks a rule) and the seed's ``.spectral.yaml`` (``extends: spectral:oas``,
``required-fields`` truthy, ``replica-count`` schema maximum 10, severity fixed to ``warn``) into a temporary folder,
then reports the median wall time of several runs of (a) the CLI in a fresh process
(``lint -q -f json -r … 'v/*.yaml'``, what a CI job runs; the real Spectral CLI takes 11-13 s for this) and (b) the
engine in-process (parse + lint).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from policy_platform.engines.spectral import lint_text, load_ruleset

SEED_RULESET = """\
extends: spectral:oas
rules:
  required-fields:
    given: $
    severity: error
    then:
      field: name
      function: truthy
  replica-count:
    given: $.replicas
    severity: warn
    then:
      function: schema
      functionOptions:
        schema:
          type: integer
          maximum: 10
"""


def _values(i: int) -> str:
    name = "" if i % 4 == 0 else f"name: app-{i}\n"
    replicas = 20 if i % 4 == 1 else 3
    return (
        f"{name}namespace: team-{i % 9}\nreplicas: {replicas}\nimage:\n  repository: registry.example.com/app-{i}\n"
        f"  tag: \"1.{i % 30}.0\"\n  pullPolicy: IfNotPresent\nresources:\n  limits:\n    cpu: 500m\n"
        f"    memory: 256Mi\n  requests:\n    cpu: 100m\n    memory: 128Mi\ningress:\n  enabled: true\n  hosts:\n"
        f"    - host: app-{i}.example.com\n      paths: [\"/\"]\nenv:\n  - name: LOG_LEVEL\n    value: info\n"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lint-bench-") as tmp:
        root = Path(tmp)
        (root / ".spectral.yaml").write_text(SEED_RULESET, encoding="utf-8")
        (root / "v").mkdir()
        for i in range(args.files):
            (root / "v" / f"values-{i:04d}.yaml").write_text(_values(i), encoding="utf-8")
        cmd = [sys.executable, "-m", "policy_platform", "lint", "-q", "-f", "json", "-r", ".spectral.yaml", "v/*.yaml"]
        cli_times: list[float] = []
        for _ in range(args.runs):
            start = time.perf_counter()
            proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, check=False)
            cli_times.append(time.perf_counter() - start)
            if proc.returncode not in (0, 1):
                print(proc.stderr, file=sys.stderr)
                return 2
        startup: list[float] = []
        for _ in range(args.runs):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "policy_platform", "--version"], capture_output=True, check=False)
            startup.append(time.perf_counter() - start)
        here = os.getcwd()
        os.chdir(root)
        try:
            ruleset = load_ruleset(".spectral.yaml")
            texts = [(p.name, p.read_text(encoding="utf-8")) for p in sorted((root / "v").iterdir())]
            engine: list[float] = []
            count = 0
            for _ in range(args.runs):
                start = time.perf_counter()
                count = sum(len(lint_text(ruleset, text, name)) for name, text in texts)
                engine.append(time.perf_counter() - start)
        finally:
            os.chdir(here)
        print(f"files: {args.files}, runs: {args.runs}, results per run: {count}")
        print(f"CLI lint (fresh process, one invocation): median {statistics.median(cli_times):.3f} s "
              f"(min {min(cli_times):.3f}, max {max(cli_times):.3f})")
        print(f"CLI start-up alone (--version):          median {statistics.median(startup):.3f} s")
        print(f"engine in-process (parse + lint):        median {statistics.median(engine):.3f} s "
              f"({statistics.median(engine) / args.files * 1000:.2f} ms per file)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
