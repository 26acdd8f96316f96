"""Kubernetes resource quantities (``resource.Quantity``) as exact fractions.

Accepted forms: an optional sign, a decimal number (``1``, ``1.5``, ``.5``) and one suffix: binary SI (``Ki`` ``Mi``
``Gi`` ``Ti`` ``Pi`` ``Ei``), decimal SI (``n`` ``u`` ``m`` ``""`` ``k`` ``M`` ``G`` ``T`` ``P`` ``E``) or a decimal
exponent (``1e3``, ``1E-3``). Values are compared exactly, so ``1Gi == 1024Mi`` and ``1000m == 1``.
"""

from __future__ import annotations

from fractions import Fraction

import re2

__all__ = ["QuantityError", "parse_quantity"]

_RE = re2.compile(r"^([+-]?)([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$")

_PATTERN_TEXT = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"

_SUFFIX: dict[str, Fraction] = {
    "Ki": Fraction(2**10),
    "Mi": Fraction(2**20),
    "Gi": Fraction(2**30),
    "Ti": Fraction(2**40),
    "Pi": Fraction(2**50),
    "Ei": Fraction(2**60),
    "n": Fraction(1, 10**9),
    "u": Fraction(1, 10**6),
    "m": Fraction(1, 10**3),
    "": Fraction(1),
    "k": Fraction(10**3),
    "M": Fraction(10**6),
    "G": Fraction(10**9),
    "T": Fraction(10**12),
    "P": Fraction(10**15),
    "E": Fraction(10**18),
}


class QuantityError(ValueError):
    """Not a valid Kubernetes quantity."""


def parse_quantity(text: str) -> Fraction:
    """Parse a quantity string into an exact :class:`~fractions.Fraction`; raises :class:`QuantityError`."""
    match = _RE.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise QuantityError(f"quantities must match the regular expression {_PATTERN_TEXT!r}: {text!r}")
    sign, number, suffix = match.group(1), match.group(2), match.group(3) or ""
    value = Fraction(number)
    if suffix[:1] in ("e", "E") and suffix not in _SUFFIX:
        value *= Fraction(10) ** int(suffix[1:])
    else:
        value *= _SUFFIX[suffix]
    return -value if sign == "-" else value
