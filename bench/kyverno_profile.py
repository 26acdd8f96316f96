"""In-process per-handler timing of the Kyverno engine on the bench workload (no worker processes).

Usage: ``.venv/bin/python bench/kyverno_profile.py [--resources 1000] [--runs 3] [--top 25]``. Generates resources with
``kyverno_bench.make_resource`` (same seed) in memory, evaluates every core/cel/podsecurity policy on them and prints,
for the median run, the total evaluate time, µs per rule outcome, and the time spent per rule handler (pattern,
anyPattern, deny, foreach, cel, podSecurity) and per policy. Use it to see where evaluation time goes before and after
a change; it measures CPU time (``time.process_time``), so a busy machine disturbs it less than wall time.
"""

from __future__ import annotations

import argparse
import collections
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import kyverno_bench as kb

from policy_platform.engines.kyverno.engine import KyvernoEngine, LoadedPolicies
from policy_platform.engines.kyverno.inputs import load_policy_files


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--resources", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    rng = random.Random(42)
    resources = [kb.make_resource(rng, kb.KINDS[i % len(kb.KINDS)], i) for i in range(args.resources)]
    pset = load_policy_files(kb.policy_files())
    loaded = LoadedPolicies.build(pset.policies, pset.exceptions)
    original = KyvernoEngine._rule
    per_handler: collections.Counter[str] = collections.Counter()
    count: collections.Counter[str] = collections.Counter()
    per_policy: collections.Counter[tuple[str, str]] = collections.Counter()
    clock = time.process_time

    def timed(self: KyvernoEngine, loaded: LoadedPolicies, policy: Any, rule: Any, *rest: Any) -> Any:
        t = clock()
        result = original(self, loaded, policy, rule, *rest)
        d = clock() - t
        per_handler[rule.handler] += d
        count[rule.handler] += 1
        per_policy[(policy.name, rule.handler)] += d
        return result

    original_route = KyvernoEngine._route

    def through_rule(self: KyvernoEngine, rule: Any) -> list[Any]:
        route = original_route(self, rule)
        route[1] = 0  # the timed run sends every rule through _rule (the untimed run keeps the direct routes)
        return route

    runs: list[tuple[float, int, dict[str, float], dict[str, int], dict[tuple[str, str], float]]] = []
    for _ in range(args.runs):
        per_handler.clear()
        count.clear()
        per_policy.clear()
        engine = KyvernoEngine()
        KyvernoEngine._rule = original  # type: ignore[method-assign]
        t = clock()
        outcomes = sum(len(engine.evaluate_resource(loaded, r)) for r in resources)
        total = clock() - t
        engine = KyvernoEngine()
        KyvernoEngine._rule = timed  # type: ignore[method-assign]
        KyvernoEngine._route = through_rule  # type: ignore[method-assign]
        for r in resources:
            engine.evaluate_resource(loaded, r)
        KyvernoEngine._route = original_route  # type: ignore[method-assign]
        runs.append((total, outcomes, dict(per_handler), dict(count), dict(per_policy)))
    KyvernoEngine._rule = original  # type: ignore[method-assign]
    runs.sort(key=lambda r: r[0])
    total, outcomes, handlers, counts, policies = runs[len(runs) // 2]
    print(f"{len(resources)} resources, {outcomes} outcomes: evaluate {total:.2f} s CPU "
          f"({total / outcomes * 1e6:.1f} µs/outcome; runs {', '.join(f'{r[0]:.2f}' for r in runs)})")
    rule_total = sum(handlers.values())
    print(f"in rule handlers (timed run, every rule through _rule): {rule_total:.2f} s; outside (match, context, "
          f"outcomes): {max(0.0, total - rule_total):.2f} s (untimed run minus handler time)")
    for handler, d in sorted(handlers.items(), key=lambda kv: -kv[1]):
        print(f"  {handler:<12} {d:6.2f} s  {counts[handler]:>7} outcomes  {d / counts[handler] * 1e6:7.1f} µs each")
    print(f"top {args.top} policy/handler pairs:")
    for (name, handler), d in sorted(policies.items(), key=lambda kv: -kv[1])[: args.top]:
        print(f"  {d:6.3f} s  {name} ({handler})")
    print(f"median of {args.runs}: {statistics.median(r[0] for r in runs):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
