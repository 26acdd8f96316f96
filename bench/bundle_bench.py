"""Bundle speed benchmarks (median of several runs; never timed assertions in tests).

1. warm-cache ``policy-platform build --all-envs`` of the example platform (end to end, a fresh process per run,
   and the in-process build alone);  target ≤ 2 s.
2. push and pull (with full verification and extraction) of a 300-file bundle to Debian's ``docker-registry`` on
   loopback;  target ≤ 0.5 s each.

Usage: ``.venv/bin/python bench/bundle_bench.py [--runs N]``
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

POLICY = """\
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: bench-policy-{i:03d}
  annotations:
    policies.kyverno.io/title: Bench policy {i}
    policies.kyverno.io/description: {desc}
spec:
  validationFailureAction: Audit
  rules:
    - name: check-{i}
      match:
        any:
          - resources:
              kinds: [Deployment, StatefulSet, DaemonSet]
      validate:
        message: "policy {i}"
        pattern:
          spec:
            template:
              spec:
                containers:
                  - resources:
                      limits:
                        memory: "?*"
                        cpu: "?*"
"""


def median_of(runs: int, fn: Callable[[int], None]) -> float:
    times = []
    for i in range(runs):
        start = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_build(runs: int, work: Path) -> None:
    from policy_platform.bundle.build import build_bundle, write_bundle
    from policy_platform.config import load_config

    example = REPO / "examples" / "platform"
    env = dict(os.environ, POLICY_PLATFORM_CACHE=str(work / "cache"))
    cmd = [sys.executable, "-m", "policy_platform", "build", "-c", str(example), "--all-envs", "-o"]
    subprocess.run([*cmd, str(work / "warm.tar.gz")], env=env, check=True, capture_output=True)  # warm-up
    cli = median_of(runs, lambda i: subprocess.run([*cmd, str(work / f"b{i}.tar.gz")], env=env, check=True,
                                                   capture_output=True) and None)
    config = load_config(example)
    envs = [e.name for e in config.environments]
    inproc = median_of(runs, lambda i: write_bundle(build_bundle(config, environments=envs), work / f"i{i}.tar.gz")
                       and None)
    print(f"build --all-envs (example platform, warm cache): CLI process {cli * 1000:.0f} ms, "
          f"in-process {inproc * 1000:.0f} ms  (target <= 2000 ms)")


def bench_push_pull(runs: int, work: Path) -> None:
    from oci_registry import BINARY, make_registry
    from policy_platform.bundle.build import build_bundle
    from policy_platform.bundle.oci import fetch_bundle, push_bundle, write_pulled
    from policy_platform.config import load_config
    from policy_platform.oci.ref import parse_reference

    if BINARY is None:
        print("push/pull: skipped (docker-registry not installed)")
        return
    plat = work / "platform"
    (plat / "policies").mkdir(parents=True)
    for i in range(150):
        desc = base64.b64encode(random.Random(i).randbytes(3600)).decode()  # realistic: ~70 % after gzip
        (plat / "policies" / f"p{i:03d}.yaml").write_text(POLICY.format(i=i, desc=desc))
    (plat / "platform.yaml").write_text(
        "apiVersion: policy-platform/v1\nkind: Platform\nmetadata: {name: bench, version: 1.0.0}\n"
        "environments: [{name: dev}]\nsources: [{name: bench, type: local, path: policies}]\n")
    bundle = build_bundle(load_config(plat), environments=["dev"])
    data, _ = bundle.tarball()
    nfiles = len(bundle.files) - 1
    reg = make_registry("plain", work / "registry")
    reg.start()
    try:
        opts = reg.options()
        push = median_of(runs, lambda i: push_bundle(data, parse_reference(f"{reg.host}/bench/b{i}:v1.0.0"),
                                                     options=opts) and None)
        pull = median_of(runs, lambda i: write_pulled(fetch_bundle(parse_reference(f"{reg.host}/bench/b{i}:v1.0.0"),
                                                                   options=opts), work / f"pulled{i}") and None)
    finally:
        reg.stop()
    raw = sum(len(v) for v in bundle.files.values())
    print(f"push of a {nfiles}-file bundle ({raw / 1e6:.2f} MB raw, {len(data) / 1e6:.2f} MB tar.gz): "
          f"{push * 1000:.0f} ms  (target <= 500 ms)")
    print(f"pull + verify + extract of the same bundle: {pull * 1000:.0f} ms  (target <= 500 ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="pp-bench-"))
    try:
        bench_build(args.runs, work)
        bench_push_pull(args.runs, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
