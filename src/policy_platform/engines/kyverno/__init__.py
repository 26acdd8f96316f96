"""Kyverno-compatible validation engine (Kyverno 1.13 semantics, offline like the Kyverno CLI).

Public API::

    from policy_platform.engines.kyverno import KyvernoEngine, Options, LoadedPolicies
    engine = KyvernoEngine()                       # or KyvernoEngine(Options(values=..., user_info=...))
    loaded = engine.load([PolicyDocument(...)])    # PolicyLoadError for an invalid policy document
    outcomes = engine.evaluate(loaded, document, EngineContext())
"""

from __future__ import annotations

from policy_platform.engines.kyverno.engine import KyvernoEngine, LoadedPolicies, Options
from policy_platform.engines.kyverno.values import Values

__all__ = ["KyvernoEngine", "LoadedPolicies", "Options", "Values"]
