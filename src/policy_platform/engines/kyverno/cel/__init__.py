"""CEL for the Kyverno-compatible engine: ``validate.cel`` rules and ``celPreconditions`` (Kyverno 1.13 semantics).

Typical use by the engine (compile at policy load, one activation per resource)::

    compiled = compile_validation(rule["validate"]["cel"], location="policy.yaml: rule check-x",
                                  message=rule["validate"].get("message", ""))
    activation = ResourceActivation(obj=resource)            # once per resource
    result = evaluate_validation(compiled, activation=activation)   # CelResult(status, message)

Semantics and error wording: :mod:`._program`. The Kubernetes CEL libraries live in :mod:`._library`, the rewrite
of the optional syntax (``obj.?field.orValue(x)``), ``cel.bind`` and ``variables`` in :mod:`._syntax`, and the
cel-go error-semantics interpreter (used when the fast engine reports an error) in :mod:`._interpreter`.
"""

from __future__ import annotations

from policy_platform.engines.kyverno.cel._program import (
    CelError,
    CelEvaluationError,
    CelResult,
    CompiledPreconditions,
    CompiledValidation,
    ResourceActivation,
    compile_preconditions,
    compile_validation,
    evaluate_preconditions,
    evaluate_validation,
)
from policy_platform.engines.kyverno.cel._syntax import CelSyntaxError, rewrite_optional

__all__ = [
    "CelError",
    "CelEvaluationError",
    "CelResult",
    "CelSyntaxError",
    "CompiledPreconditions",
    "CompiledValidation",
    "ResourceActivation",
    "compile_preconditions",
    "compile_validation",
    "evaluate_preconditions",
    "evaluate_validation",
    "rewrite_optional",
]
