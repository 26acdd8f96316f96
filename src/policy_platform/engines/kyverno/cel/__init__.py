"""CEL for the Kyverno-compatible engine: ``validate.cel`` rules and ``celPreconditions`` (Kyverno 1.13 semantics).

Typical use by the engine (compile at policy load, one activation per resource)::

    compiled = compile_validation(rule["validate"]["cel"], location="policy.yaml: rule check-x",
                                  message=rule["validate"].get("message", ""))
    activation = ResourceActivation(obj=resource)            # once per resource
    result = evaluate_validation(compiled, activation=activation)   # CelResult(status, message)

Semantics and error wording: :mod:`._program`. The Kubernetes CEL libraries live in :mod:`._library`, the parser
and the rewrite of the optional syntax (``obj.?field.orValue(x)``), ``cel.bind`` and ``variables`` for the Rust
engine in :mod:`._syntax`, the cel-go error-semantics interpreter (the reference semantics) in :mod:`._interpreter`,
and the compiler to Python that evaluation runs (closures, plus generated functions for the hot shapes) in
:mod:`._compiler` and :mod:`._codegen`.
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
