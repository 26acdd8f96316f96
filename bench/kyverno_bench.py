"""Benchmark: 10,000 generated resources against every policy of the library's core, cel and podsecurity tiers.

Usage: ``.venv/bin/python bench/kyverno_bench.py [--resources 10000] [--runs 3] [--jobs N]``. Generates ~10 MB of YAML
(Pods, Deployments, StatefulSets, CronJobs, Services, Ingresses, ConfigMaps) in a temporary folder, then reports

* the end-to-end ``apply`` wall time with worker processes (median of ``--runs``) and the peak RSS of the run (parent
  plus the largest worker);
* then a per-stage breakdown measured in one process: YAML parse, match (kind index + the engine's memoized
  match/exclude only), evaluate (everything after parsing: match, context, preconditions, handlers).

Policy loading and compiling is timed separately (``load+compile``); the ``policy-platform apply`` CLI adds it, Python
start-up and printing the failures to the ``apply`` time.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from policy_platform.engines.kyverno.applyrun import apply
from policy_platform.engines.kyverno.engine import KyvernoEngine, LoadedPolicies
from policy_platform.engines.kyverno.inputs import load_policy_files, read_documents
from policy_platform.engines.kyverno.match import Request
from policy_platform.engines.kyverno.testrunner import discover

ROOT = Path(__file__).resolve().parents[1]
SUITE = Path(os.environ.get("POLICY_PLATFORM_SHARED", ROOT / ".." / "shared")) / "conformance" / "kyverno-policies"
TIERS = ("core", "cel", "podsecurity")
KINDS = ("Pod", "Deployment", "StatefulSet", "CronJob", "Service", "Ingress", "ConfigMap")


def policy_files() -> list[Path]:
    tiers = {}
    for line in (SUITE / "TESTS.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        path, tier, _ = line.split("\t")
        tiers[path] = tier
    files: set[Path] = set()
    for test in discover([SUITE]):
        if tiers.get(str(test.parent.relative_to(SUITE))) not in TIERS:
            continue
        data = yaml.safe_load(test.read_text(encoding="utf-8"))
        for p in data.get("policies") or []:
            files.add((test.parent / p).resolve())
    return sorted(files)


def _container(rng: random.Random, i: int) -> dict[str, Any]:
    image = rng.choice(["nginx:1.25", "nginx:latest", "ghcr.io/acme/api:v2.3.1", "redis", "busybox:1.36"])
    c: dict[str, Any] = {
        "name": f"c{i}",
        "image": image,
        "imagePullPolicy": rng.choice(["Always", "IfNotPresent"]),
        "ports": [{"containerPort": 8080 + i, "protocol": "TCP", "name": f"http{i}"}],
        "env": [{"name": f"VAR_{k}", "value": f"value-{k}"} for k in range(2)],
        "resources": {
            "requests": {"cpu": "100m", "memory": f"{rng.choice([64, 128, 256])}Mi"},
            "limits": {"cpu": "500m", "memory": f"{rng.choice([256, 512, 1024])}Mi"},
        },
        "volumeMounts": [{"name": "data", "mountPath": "/data"}],
    }
    if rng.random() < 0.5:
        c["securityContext"] = {
            "runAsNonRoot": True,
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": rng.random() < 0.7,
            "capabilities": {"drop": ["ALL"]},
        }
    if rng.random() < 0.5:
        c["livenessProbe"] = {"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 10}
        c["readinessProbe"] = {"httpGet": {"path": "/ready", "port": 8080}}
    return c


def _pod_spec(rng: random.Random) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "containers": [_container(rng, i) for i in range(rng.choice([1, 2, 3]))],
        "volumes": [{"name": "data", "emptyDir": {}}],
        "serviceAccountName": "app",
    }
    if rng.random() < 0.3:
        spec["initContainers"] = [_container(rng, 9)]
    if rng.random() < 0.1:
        spec["hostNetwork"] = True
    return spec


def _meta(rng: random.Random, name: str) -> dict[str, Any]:
    return {
        "name": name,
        "namespace": rng.choice(["default", "prod", "dev", "kube-system", "team-a"]),
        "labels": {"app": name, "app.kubernetes.io/name": name, "team": rng.choice(["a", "b", "c"])},
        "annotations": {"owner": "platform"},
    }


def make_resource(rng: random.Random, kind: str, i: int) -> dict[str, Any]:
    name = f"{kind.lower()}-{i}"
    meta = _meta(rng, name)
    template = {"metadata": {"labels": meta["labels"]}, "spec": _pod_spec(rng)}
    if kind == "Pod":
        return {"apiVersion": "v1", "kind": kind, "metadata": meta, "spec": template["spec"]}
    if kind in ("Deployment", "StatefulSet"):
        return {
            "apiVersion": "apps/v1",
            "kind": kind,
            "metadata": meta,
            "spec": {
                "replicas": rng.choice([1, 2, 3]),
                "selector": {"matchLabels": {"app": name}},
                "template": template,
            },
        }
    if kind == "CronJob":
        return {
            "apiVersion": "batch/v1",
            "kind": kind,
            "metadata": meta,
            "spec": {"schedule": "*/5 * * * *", "jobTemplate": {"spec": {"template": template}}},
        }
    if kind == "Service":
        return {
            "apiVersion": "v1",
            "kind": kind,
            "metadata": meta,
            "spec": {"type": rng.choice(["ClusterIP", "NodePort", "LoadBalancer"]), "selector": {"app": name},
                     "ports": [{"port": 80, "targetPort": 8080, "protocol": "TCP"}]},
        }
    if kind == "Ingress":
        return {
            "apiVersion": "networking.k8s.io/v1",
            "kind": kind,
            "metadata": meta,
            "spec": {
                "ingressClassName": "nginx",
                "tls": [{"hosts": [f"{name}.example.com"], "secretName": f"{name}-tls"}],
                "rules": [{"host": f"{name}.example.com", "http": {"paths": [{"path": "/", "pathType": "Prefix",
                          "backend": {"service": {"name": name, "port": {"number": 80}}}}]}}],
            },
        }
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": meta,
        "data": {f"key{k}": "x" * 60 for k in range(8)},
    }


def generate(folder: Path, count: int, files: int = 100) -> int:
    rng = random.Random(42)
    per_file = max(1, count // files)
    total = 0
    for f in range(files):
        docs = [make_resource(rng, KINDS[(f * per_file + i) % len(KINDS)], f * per_file + i) for i in range(per_file)]
        text = yaml.safe_dump_all(docs, sort_keys=False)
        (folder / f"resources-{f:03d}.yaml").write_text(text, encoding="utf-8")
        total += len(text)
    return total


def stages(engine: KyvernoEngine, loaded: LoadedPolicies, files: list[Path]) -> dict[str, float]:
    t0 = time.process_time()
    resources: list[Any] = []
    for f in files:
        docs, _ = read_documents(f)
        resources.extend(d.data for d in docs)
    t1 = time.process_time()
    matched = 0
    matcher = KyvernoEngine()  # the engine's own matching (memoized per policy on the request fields it reads)
    for res in resources:
        kind = str(res.get("kind") or "")
        req = Request.of(res)
        for pol in loaded.candidates(kind):
            matched += len(matcher._applicable(pol, kind, req))
    t2 = time.process_time()
    outcomes = 0
    for res in resources:
        outcomes += len(engine.evaluate_resource(loaded, res))
    t3 = time.process_time()
    return {
        "resources": len(resources),
        "rules matched": matched,
        "outcomes": outcomes,
        "parse s (CPU)": t1 - t0,
        "match s (CPU)": t2 - t1,
        "evaluate s (CPU, incl. match)": t3 - t2,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--resources", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=0)
    parser.add_argument("--no-stages", action="store_true")
    args = parser.parse_args()
    if not SUITE.is_dir():
        print(f"conformance suite not found at {SUITE}")
        return 1
    with tempfile.TemporaryDirectory(prefix="kyverno-bench-") as tmp:
        folder = Path(tmp)
        size = generate(folder, args.resources)
        pfiles = policy_files()
        t = time.perf_counter()
        pset = load_policy_files(pfiles)
        loaded = LoadedPolicies.build(pset.policies, pset.exceptions)
        load_s = time.perf_counter() - t
        rules = sum(len(p.rules) for p in pset.policies)
        print(f"workload: {args.resources} resources, {size / 1e6:.1f} MB YAML in 100 files")
        print(f"policies: {len(pset.policies)} from {len(pfiles)} files, {rules} rules incl. autogen, "
              f"{len(pset.errors)} load errors; load+compile {load_s:.2f} s")
        engine = KyvernoEngine()
        files = sorted(folder.glob("*.yaml"))
        walls = []
        first_child_rss = 0.0
        outcomes = 0
        timings: dict[str, float] = {}
        for run in range(args.runs):
            t = time.perf_counter()
            result = apply(engine, loaded, [str(folder)], jobs=args.jobs)
            walls.append(time.perf_counter() - t)
            outcomes = sum(len(r.outcomes) for r in result.resources)
            timings = dict(result.timings)
            if run == 0:
                # workers of later runs fork from a parent that already held results: report the first run's
                first_child_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
                self_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            del result
        child_rss = first_child_rss
        jobs = args.jobs or os.cpu_count()
        print(f"apply --jobs {jobs}: median wall {statistics.median(walls):.2f} s over {args.runs} runs "
              f"({', '.join(f'{w:.2f}' for w in walls)}); {outcomes} rule outcomes")
        print(f"  CPU in workers: parse {timings['parse_cpu']:.2f} s, evaluate {timings['evaluate_cpu']:.2f} s")
        print(f"peak RSS (first run): parent {self_rss:.0f} MB incl. all results, largest worker {child_rss:.0f} MB")
        if not args.no_stages:
            # in-process, after the apply runs: workers forked from a parent holding warm caches pay copy-on-write
            # page faults, so the stages must not run before them
            print("per-stage breakdown, one process (CPU):")
            for key, value in stages(KyvernoEngine(), loaded, files).items():
                print(f"  stage {key:<32} {value:.2f}" if isinstance(value, float) else f"  {key:<38} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
