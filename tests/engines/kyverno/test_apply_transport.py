"""How worker results travel to the parent in ``apply --jobs N``: per-worker streams of new table and outcome entries.

The parent must rebuild exactly the results the workers computed, for interleaved workers, across an encoder reset,
and through a real process pool.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest
import yaml

from policy_platform.engines.kyverno import applyrun
from policy_platform.engines.kyverno.applyrun import _Decoder, _Encoder, apply, evaluate_file
from policy_platform.engines.kyverno.engine import KyvernoEngine, LoadedPolicies
from policy_platform.engines.kyverno.inputs import load_policy_files

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "bench"))
import kyverno_bench  # noqa: E402


def _workload(tmp_path: Path, files: int = 8, per_file: int = 15) -> list[Path]:
    rng = random.Random(3)
    out = []
    for f in range(files):
        docs = [kyverno_bench.make_resource(rng, kyverno_bench.KINDS[(f + i) % 7], f * per_file + i)
                for i in range(per_file)]
        path = tmp_path / f"r{f:02d}.yaml"
        path.write_text(yaml.safe_dump_all(docs, sort_keys=False), encoding="utf-8")
        out.append(path)
    return out


def _loaded() -> LoadedPolicies:
    pset = load_policy_files(sorted((ROOT / "examples" / "platform" / "kyverno-curated").glob("*.yaml")))
    assert pset.policies and not pset.errors
    return LoadedPolicies.build(pset.policies, pset.exceptions)


def test_interleaved_workers_and_a_reset_decode_to_the_computed_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = _workload(tmp_path)
    loaded = _loaded()
    engines = [KyvernoEngine(), KyvernoEngine()]
    encoders = [_Encoder(worker=1), _Encoder(worker=2)]
    decoder = _Decoder()
    expected, got = [], []
    for n, path in enumerate(files):
        w = n % 2  # files alternate between two workers, as imap hands them out
        if n == 5:
            monkeypatch.setattr(applyrun, "_ENCODER_LIMIT", 0)  # worker 2 starts over with its next file
        results = evaluate_file(engines[w], loaded, str(path))[0]
        expected.extend(results)
        encoded = encoders[w].encode(results)
        if n == 5:
            assert encoded[1] is True and encoded[3]  # the reset is announced and entries are sent again
        got.extend(decoder.decode(encoded))
    assert got == expected
    assert sum(len(r.outcomes) for r in got) > 100
    fails = [o for r in got for o in r.outcomes if o.status.value == "fail"]
    assert fails and all(o.message for o in fails)


def test_pool_results_equal_sequential_results(tmp_path: Path) -> None:
    _workload(tmp_path, files=6)
    loaded = _loaded()
    sequential = apply(KyvernoEngine(), loaded, [str(tmp_path)], jobs=1)
    parallel = apply(KyvernoEngine(), loaded, [str(tmp_path)], jobs=2)
    assert parallel.resources == sequential.resources
    assert [r.name for r in parallel.resources] == [r.name for r in sequential.resources]
