"""Go ``time.ParseDuration`` and ``Duration.String``: ``1h30m``, ``-1.5s``, ``300ms``; ``0`` is valid, ``d`` is not."""

from __future__ import annotations

import re
from fractions import Fraction
from functools import lru_cache

_UNITS = {
    "ns": Fraction(1, 10**9),
    "us": Fraction(1, 10**6),
    "µs": Fraction(1, 10**6),
    "μs": Fraction(1, 10**6),
    "ms": Fraction(1, 10**3),
    "s": Fraction(1),
    "m": Fraction(60),
    "h": Fraction(3600),
}
_PART = re.compile(r"([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)")
_WHOLE = re.compile(r"^[-+]?(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:ns|us|µs|μs|ms|s|m|h))+$")


@lru_cache(maxsize=4096)
def parse_duration(text: str) -> Fraction | None:
    """Seconds as an exact fraction, or None when ``text`` is not a Go duration."""
    if text in ("0", "+0", "-0"):
        return Fraction(0)
    if not _WHOLE.match(text):
        return None
    sign = -1 if text.startswith("-") else 1
    body = text.lstrip("+-")
    total = Fraction(0)
    for number, unit in _PART.findall(body):
        total += Fraction(number) * _UNITS[unit]
    return sign * total


def format_duration(seconds: Fraction | float) -> str:
    """Go ``Duration.String()``: ``1h0m0s``, ``1.5s``, ``300ms``, ``0s``."""
    ns = int(Fraction(seconds) * 10**9)
    if ns == 0:
        return "0s"
    neg = ns < 0
    ns = abs(ns)
    sign = "-" if neg else ""
    if ns < 10**9:
        for unit, size in (("ms", 10**6), ("µs", 10**3), ("ns", 1)):
            if ns >= size:
                return sign + _frac(ns, size) + unit
    hours, rest = divmod(ns, 3600 * 10**9)
    minutes, rest = divmod(rest, 60 * 10**9)
    secs = _frac(rest, 10**9)
    if hours:
        return f"{sign}{hours}h{minutes}m{secs}s"
    if minutes:
        return f"{sign}{minutes}m{secs}s"
    return f"{sign}{secs}s"


def _frac(value: int, size: int) -> str:
    whole, rest = divmod(value, size)
    if not rest:
        return str(whole)
    digits = str(rest).rjust(len(str(size)) - 1, "0").rstrip("0")
    return f"{whole}.{digits}"
