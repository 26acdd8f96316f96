"""Benchmark: deprecated-API detection throughput, in-process and as a user runs the CLI.

Usage: python bench/deprecations_bench.py [--docs N] [--runs N]
Writes N manifests (one in ten uses a deprecated or removed API) into a temporary folder as 20 multi-document files,
then reports the median of several runs for (a) loading the versions table, (b) the engine alone on pre-loaded
documents (``DeprecationsEngine.evaluate``, what ``check`` calls), and (c) ``policy-platform deprecations DIR -o json``
in a fresh process.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from policy_platform._internal.yamlio import load_file
from policy_platform.engines.deprecations import DeprecationsEngine, load_versions

OLD = [
    ("extensions/v1beta1", "Ingress"),
    ("policy/v1beta1", "PodDisruptionBudget"),
    ("batch/v1beta1", "CronJob"),
    ("flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema"),
]


def _manifest(i: int) -> str:
    api, kind = OLD[i % len(OLD)] if i % 10 == 0 else ("apps/v1", "Deployment")
    return (
        f"apiVersion: {api}\nkind: {kind}\nmetadata:\n  name: obj-{i}\n  namespace: ns-{i % 7}\n"
        f"  labels: {{app: a{i}, team: t{i % 5}}}\nspec:\n  replicas: 2\n  template:\n    spec:\n"
        f"      containers:\n        - name: c\n          image: registry.example.com/app:{i}\n"
    )


def _median_ms(func: object, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        per_file = max(1, args.docs // 20)
        for f in range(0, args.docs, per_file):
            text = "---\n".join(_manifest(i) for i in range(f, min(args.docs, f + per_file)))
            (root / f"m{f:06d}.yaml").write_text(text, encoding="utf-8")
        docs = [d for p in sorted(root.iterdir()) for d in load_file(p)]
        table = load_versions()
        engine = DeprecationsEngine(table, targets={"k8s": "v1.29.0"})

        def run_engine() -> None:
            for d in docs:
                for _ in engine.evaluate(d):
                    pass

        load_ms = _median_ms(load_versions, args.runs)
        engine_ms = _median_ms(run_engine, args.runs)
        found = sum(1 for d in docs for _ in engine.evaluate(d))
        cmd = [sys.executable, "-m", "policy_platform", "deprecations", str(root), "-t", "k8s=v1.29.0", "-o", "json"]
        cli_times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            proc = subprocess.run(cmd, capture_output=True, check=False)
            cli_times.append(time.perf_counter() - start)
            if proc.returncode not in (0, 2, 3, 4):
                sys.stderr.write(proc.stderr.decode())
                return 2
        print(f"documents: {len(docs)}, findings: {found}")
        print(f"load_versions: {load_ms:.1f} ms (median of {args.runs})")
        print(f"engine on pre-loaded documents: {engine_ms:.1f} ms ({engine_ms * 1000 / len(docs):.1f} us/doc)")
        print(f"CLI end to end (fresh process, parse + detect + json): {statistics.median(cli_times) * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
