"""Go-compatible stringification: ``fmt.Sprint`` (``%v``), ``%f``, ``%E`` and ``encoding/json`` output.

Kyverno stringifies values in operators and substitution with Go's rules, so ``3.0`` prints ``3`` and ``1e21`` prints
``1e+21``; JSON output sorts map keys and has no spaces.
"""

from __future__ import annotations

import json
import math
from typing import Any


def sprint(value: Any) -> str:
    """Go ``fmt.Sprint`` of a JSON-like value (floats with ``%v``: shortest form, exponent from 1e21)."""
    if value is None:
        return "<nil>"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float):
        return format_float(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "[" + " ".join(sprint(v) for v in value) + "]"
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{sprint(value[k])}" for k in sorted(value)) + "]"
    return str(value)


def format_float(value: float) -> str:
    """Go ``%v`` for a float64."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == int(value) and abs(value) < 1e21:
        return str(int(value))
    text = repr(value)
    if "e" in text:
        mantissa, exp = text.split("e")
        sign = exp[0] if exp[0] in "+-" else "+"
        digits = exp.lstrip("+-").rjust(2, "0")
        return f"{mantissa}e{sign}{digits}"
    return text


def format_f(value: Any) -> str:
    """Go ``%f`` (6 decimals)."""
    return f"{float(value):.6f}"


def format_e(value: float) -> str:
    """Go ``%E`` (``1.500000E+00``)."""
    return f"{value:.6E}"


def _default(value: Any) -> Any:
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _normalise(value: Any) -> Any:
    if isinstance(value, float) and value == int(value) and abs(value) < 1e21:
        return int(value)
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _normalise(v) for k, v in value.items()}
    return value


def to_json(value: Any) -> str:
    """Go ``json.Marshal``: sorted keys, compact, integral floats without ``.0``."""
    return json.dumps(_normalise(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default)
