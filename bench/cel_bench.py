"""CEL and Pod Security speed (median of several runs; never timed assertions in tests).

Measures, on a Deployment-sized Pod (two containers, about 1 KB of JSON) and on a 3.5 KB one:

1. import of ``policy_platform.engines.kyverno.cel`` plus the Rust engine (in a fresh process);
2. compiling the rules of the conformance ``cel`` tier (µs per expression, optional-syntax rewrite included);
3. building one :class:`ResourceActivation` (µs per resource);
4. evaluating compiled expressions with a prebuilt activation: plain field access, ``all()`` over containers,
   the optional-syntax forms (rewritten) and a messageExpression;
5. ``evaluate_pod_security`` restricted/latest on a passing and a failing pod.

Usage: ``.venv/bin/python bench/cel_bench.py [--runs N]``
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
SUITE = REPO / ".." / "shared" / "conformance" / "kyverno-policies"

from policy_platform.engines.kyverno.cel import (  # noqa: E402 - after the path constants, as the other benches
    ResourceActivation,
    compile_validation,
    evaluate_validation,
)
from policy_platform.engines.kyverno.podsecurity import evaluate_pod_security  # noqa: E402

POD: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "web", "namespace": "prod", "labels": {"app": "web", "team": "a"}},
    "spec": {
        "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [
            {
                "name": "app",
                "image": "ghcr.io/acme/app:1.0",
                "resources": {"limits": {"memory": "1Gi", "cpu": "1"}, "requests": {"memory": "512Mi"}},
                "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
                "env": [{"name": f"VAR_{i}", "value": f"value-{i}"} for i in range(5)],
            },
            {
                "name": "sidecar",
                "image": "envoy:1.30",
                "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
            },
        ],
    },
}

EXPRESSIONS = {
    "field access": "object.metadata.name == 'web'",
    "all() over containers": "object.spec.containers.all(c, has(c.securityContext) && "
    "has(c.securityContext.allowPrivilegeEscalation))",
    "optional chain .?a.?b.orValue()": "object.spec.?securityContext.?runAsNonRoot.orValue(false)",
    "optional in all()": "object.spec.containers.all(c, c.?securityContext.?privileged.orValue(false) == false)",
    "containers + .?init.orValue([])": "size(object.spec.containers + object.spec.?initContainers.orValue([])) > 0",
    "quantity library": "object.spec.containers.all(c, !has(c.resources) || !has(c.resources.limits) || "
    "quantity(c.resources.limits.memory).isLessThan(quantity('2Gi')))",
}


def median_us(fn: Callable[[], Any], *, number: int, runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        samples.append((time.perf_counter() - start) / number * 1e6)
    return statistics.median(samples)


def bigger(pod: dict[str, Any], factor: int) -> dict[str, Any]:
    out = copy.deepcopy(pod)
    out["spec"]["containers"] = [
        {**copy.deepcopy(c), "name": f"{c['name']}-{i}"} for i in range(factor) for c in pod["spec"]["containers"]
    ]
    return out


def cel_rules() -> list[dict[str, Any]]:
    rules = []
    for line in (SUITE / "TESTS.tsv").read_text().splitlines()[1:]:
        path, tier, _ = line.split("\t")
        if tier != "cel":
            continue
        test = yaml.safe_load((SUITE / path / "kyverno-test.yaml").read_text())
        for policy in test.get("policies", []):
            for doc in yaml.safe_load_all((SUITE / path / policy).read_text()):
                for rule in (doc or {}).get("spec", {}).get("rules", []):
                    if "cel" in rule.get("validate", {}):
                        rules.append(rule["validate"]["cel"])
    return rules


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    runs = args.runs

    code = "import time; t=time.perf_counter(); import policy_platform.engines.kyverno.cel._program as p; p._cel(); " \
           "print((time.perf_counter()-t)*1000)"
    imports = [float(subprocess.check_output([sys.executable, "-c", code], text=True)) for _ in range(runs)]
    print(f"import cel package + Rust engine: {statistics.median(imports):8.1f} ms")

    if SUITE.is_dir():
        rules = cel_rules()
        count = sum(len(r.get("expressions", [])) + len(r.get("variables", []) or []) for r in rules)
        per_rule = median_us(lambda: [compile_validation(r, location="bench") for r in rules], number=1, runs=runs)
        print(f"compile conformance cel rules: {len(rules)} rules, {count} expressions, "
              f"{per_rule / count:8.1f} µs per expression")

    for label, pod in (("1 KB pod", POD), ("3.5 KB pod", bigger(POD, 4))):
        size = len(json.dumps(pod))
        build = median_us(lambda pod=pod: ResourceActivation(obj=pod), number=200, runs=runs)
        print(f"\n{label} ({size} bytes JSON): build activation {build:8.1f} µs")
        activation = ResourceActivation(obj=pod)
        for name, expr in EXPRESSIONS.items():
            compiled = compile_validation({"expressions": [{"expression": expr}]}, location="bench")
            assert evaluate_validation(compiled, activation=activation).status == "pass", name
            us = median_us(
                lambda c=compiled, a=activation: evaluate_validation(c, activation=a), number=500, runs=runs
            )
            print(f"  {name:<34} {us:8.1f} µs")
        denied = {"expression": "false", "messageExpression": "'pod ' + object.metadata.name + ' denied'"}
        failing = compile_validation({"expressions": [denied]}, location="bench")
        us = median_us(
            lambda c=failing, a=activation: evaluate_validation(c, activation=a), number=500, runs=runs
        )
        print(f"  {'fail + messageExpression':<34} {us:8.1f} µs")

    bad = copy.deepcopy(POD)
    bad["spec"]["hostNetwork"] = True
    bad["spec"]["containers"][1]["securityContext"] = {"privileged": True}
    spec = {"level": "restricted", "version": "latest"}
    for label, pod in (("passing", POD), ("failing", bad)):
        us = median_us(lambda pod=pod: evaluate_pod_security(spec, pod, rule_name="r"), number=500, runs=runs)
        print(f"\npodSecurity restricted:latest, {label} pod: {us:8.1f} µs")


if __name__ == "__main__":
    main()
