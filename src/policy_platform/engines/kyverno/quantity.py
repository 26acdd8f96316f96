"""Kubernetes resource quantities (``resource.ParseQuantity``): ``128Mi``, ``0.5``, ``100m``, ``1e3``, ``2k``.

Values are exact :class:`~fractions.Fraction` objects so comparisons never round.
"""

from __future__ import annotations

import re
from fractions import Fraction
from functools import lru_cache

_QUANTITY = re.compile(
    r"^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$"
)

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {
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


@lru_cache(maxsize=4096)
def parse_quantity(text: str) -> Fraction | None:
    """The quantity's exact value, or None when ``text`` is not a Kubernetes quantity."""
    m = _QUANTITY.match(text)
    if m is None:
        return None
    number = Fraction(m.group(1))
    suffix = m.group(2) or ""
    if suffix in _BINARY:
        return number * _BINARY[suffix]
    if suffix in _DECIMAL:
        return number * _DECIMAL[suffix]
    exp = int(suffix[1:])
    if abs(exp) > 64:
        return None
    return number * Fraction(10) ** exp


def format_quantity(value: Fraction, like: str = "") -> str:
    """Render ``value`` in the suffix family of ``like`` (binary when it ends in ``i``), else as a plain number."""
    m = _QUANTITY.match(like) if like else None
    suffix = (m.group(2) or "") if m else ""
    if suffix in _BINARY:
        for name in ("Ei", "Pi", "Ti", "Gi", "Mi", "Ki"):
            scaled = value / _BINARY[name]
            if scaled.denominator == 1 and scaled != 0:
                return f"{scaled.numerator}{name}"
        return _plain(value)
    if suffix in _DECIMAL and suffix:
        for name in ("E", "P", "T", "G", "M", "k", "", "m", "u", "n"):
            scaled = value / _DECIMAL[name]
            if scaled.denominator == 1 and scaled != 0:
                return f"{scaled.numerator}{name}"
    return _plain(value)


def _plain(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    for name in ("m", "u", "n"):
        scaled = value / _DECIMAL[name]
        if scaled.denominator == 1:
            return f"{scaled.numerator}{name}"
    return str(float(value))
