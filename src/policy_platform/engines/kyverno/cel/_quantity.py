"""Kubernetes resource quantities (``resource.Quantity``) as exact fractions.

Accepted forms: an optional sign, a decimal number (``1``, ``1.5``, ``.5``) and one suffix: binary SI (``Ki`` ``Mi``
``Gi`` ``Ti`` ``Pi`` ``Ei``), decimal SI (``n`` ``u`` ``m`` ``""`` ``k`` ``M`` ``G`` ``T`` ``P`` ``E``) or a decimal
exponent (``1e3``, ``1E-3``). Values are compared exactly, so ``1Gi == 1024Mi`` and ``1000m == 1``.
"""

from __future__ import annotations

from fractions import Fraction

from policy_platform.engines.kyverno.quantity import parse_quantity as _parse

__all__ = ["QuantityError", "parse_quantity"]

_PATTERN_TEXT = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"


class QuantityError(ValueError):
    """Not a valid Kubernetes quantity."""


def parse_quantity(text: str) -> Fraction:
    """Parse a quantity string into an exact :class:`~fractions.Fraction`; raises :class:`QuantityError`.

    The grammar and values are those of :func:`policy_platform.engines.kyverno.quantity.parse_quantity` (one parser for
    the whole engine); CEL's ``quantity()`` also accepts surrounding whitespace and reports Kubernetes' error text.
    """
    value = _parse(text.strip()) if isinstance(text, str) else None
    if value is None:
        raise QuantityError(f"quantities must match the regular expression {_PATTERN_TEXT!r}: {text!r}")
    return value
