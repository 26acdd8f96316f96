"""Kyverno's custom JMESPath functions (``pkg/engine/jmespath``), registered over the standard set.

Each ``_func_<name>`` implements one function; errors are raised as :class:`ValueError` with Kyverno-like wording and
become a JMESPath error of the rule (status ``error``). User regexes run on RE2 (linear time).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import ipaddress
import json
import posixpath
import random as _random
import re
from collections.abc import Callable
from fractions import Fraction
from functools import lru_cache
from typing import Any, TypeVar, cast
from urllib.parse import urlparse

import re2
import yaml
from jmespath import functions

from policy_platform.engines.kyverno import semver, wildcard
from policy_platform.engines.kyverno.duration import format_duration, parse_duration
from policy_platform.engines.kyverno.gofmt import sprint, to_json
from policy_platform.engines.kyverno.quantity import format_quantity, parse_quantity

_F = TypeVar("_F", bound=Callable[..., Any])


def signature(*arguments: dict[str, Any]) -> Callable[[_F], _F]:
    """jmespath's ``@signature`` with types for mypy."""
    return cast(Callable[[_F], _F], functions.signature(*arguments))


@lru_cache(maxsize=2048)
def compile_re2(pattern: str) -> Any:
    """Compile a user regex with RE2; a syntax RE2 lacks (look-around, back-references) is a clear error."""
    try:
        return re2.compile(pattern)
    except re2.error as exc:
        raise ValueError(f"invalid regular expression {pattern!r} (RE2 syntax): {exc}") from None


_MEMO_TEXT = 512  # the longest text whose regex_match result is memoised (bounds the memo's memory)


@lru_cache(maxsize=65536)
def _regex_found(regex: str, text: str) -> bool:
    """Whether ``regex`` (RE2) matches somewhere in ``text``; memoised, the same pairs recur across resources."""
    return compile_re2(regex).search(text) is not None


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return sprint(value)
    raise ValueError(f"expected a string or a number, got {type(value).__name__}")


# --- arithmetic operands ---------------------------------------------------------------------------------------


def _operand(value: Any) -> tuple[str, Fraction, str]:
    if isinstance(value, bool):
        raise ValueError("invalid operand: boolean")
    if isinstance(value, int | float):
        return ("number", Fraction(value), "")
    if isinstance(value, str):
        q = parse_quantity(value)
        if q is not None:
            return ("quantity", q, value)
        d = parse_duration(value)
        if d is not None:
            return ("duration", d, value)
    raise ValueError(f"invalid operand {value!r}: not a number, quantity or duration")


def _number(value: Fraction) -> int | float:
    return int(value) if value.denominator == 1 else float(value)


def _result(kind: str, value: Fraction, like: str) -> Any:
    if kind == "quantity":
        return format_quantity(value, like)
    if kind == "duration":
        return format_duration(value)
    return _number(value)


class KyvernoFunctions(functions.Functions):  # type: ignore[misc]
    """The standard functions plus Kyverno's."""

    # --- overrides of standard functions ------------------------------------------------------------------------
    @signature({"types": []})
    def _func_to_string(self, arg: Any) -> str:
        return arg if isinstance(arg, str) else to_json(arg)

    @signature({"types": ["array"]})
    def _func_sum(self, items: list[Any]) -> Any:
        if not items:
            raise ValueError("sum: at least one element is required")
        ops = [_operand(i) for i in items]
        kinds = {o[0] for o in ops}
        if len(kinds) != 1:
            raise ValueError("sum: mixed operand types")
        total = sum((o[1] for o in ops), Fraction(0))
        return _result(ops[0][0], total, ops[0][2])

    # --- strings --------------------------------------------------------------------------------------------------
    @signature({"types": ["string"]}, {"types": ["string"]})
    def _func_compare(self, a: str, b: str) -> int:
        return (a > b) - (a < b)

    @signature({"types": ["string"]}, {"types": ["string"]})
    def _func_equal_fold(self, a: str, b: str) -> bool:
        return a.casefold() == b.casefold()

    @signature({"types": ["string"]}, {"types": ["string"]}, {"types": ["string"]}, {"types": ["number"]})
    def _func_replace(self, s: str, old: str, new: str, n: float) -> str:
        count = int(n)
        return s.replace(old, new) if count < 0 else s.replace(old, new, count)

    @signature({"types": ["string"]}, {"types": ["string"]}, {"types": ["string"]})
    def _func_replace_all(self, s: str, old: str, new: str) -> str:
        return s.replace(old, new)

    @signature({"types": ["string"]})
    def _func_to_upper(self, s: str) -> str:
        return s.upper()

    @signature({"types": ["string"]})
    def _func_to_lower(self, s: str) -> str:
        return s.lower()

    @signature({"types": ["string"]}, {"types": ["string"]})
    def _func_trim(self, s: str, cutset: str) -> str:
        return s.strip(cutset)

    @signature({"types": ["string"]}, {"types": ["string"]})
    def _func_trim_prefix(self, s: str, prefix: str) -> str:
        return s.removeprefix(prefix)

    @signature({"types": ["string"]}, {"types": ["string"]})
    def _func_split(self, s: str, sep: str) -> list[str]:
        if sep == "":
            return list(s)
        return s.split(sep)

    @signature({"types": ["string"]}, {"types": ["number"]})
    def _func_truncate(self, s: str, n: float) -> str:
        length = max(int(n), 0)
        return s[:length]

    @signature({"types": ["string"]}, {"types": ["string", "number"]})
    def _func_regex_match(self, regex: str, value: Any) -> bool:
        text = _text(value)
        if len(text) > _MEMO_TEXT:  # long texts are rarely repeated: not kept
            return compile_re2(regex).search(text) is not None
        return _regex_found(regex, text)

    @signature({"types": ["string"]}, {"types": ["string", "number"]}, {"types": ["string", "number"]})
    def _func_regex_replace_all(self, regex: str, src: Any, repl: Any) -> str:
        template = re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: "\\g<" + (m.group(1) or m.group(2)) + ">", _text(repl))
        return str(compile_re2(regex).sub(template, _text(src)))

    @signature({"types": ["string"]}, {"types": ["string", "number"]}, {"types": ["string", "number"]})
    def _func_regex_replace_all_literal(self, regex: str, src: Any, repl: Any) -> str:
        literal = _text(repl)
        return str(compile_re2(regex).sub(lambda _m: literal, _text(src)))

    @signature({"types": ["string"]}, {"types": ["string", "number"]})
    def _func_pattern_match(self, pattern: str, value: Any) -> bool:
        return wildcard.match(pattern, _text(value))

    @signature({"types": ["object"]}, {"types": ["object"]})
    def _func_label_match(self, selector: dict[str, Any], labels: dict[str, Any]) -> bool:
        return all(k in labels and labels[k] == v for k, v in selector.items())

    @signature({"types": ["string"]})
    def _func_to_boolean(self, s: str) -> bool:
        low = s.lower()
        if low == "true":
            return True
        if low == "false":
            return False
        raise ValueError(f"lower case string value {s!r} is not true or false")

    # --- arithmetic -----------------------------------------------------------------------------------------------
    def _binary(self, a: Any, b: Any, name: str) -> tuple[tuple[str, Fraction, str], tuple[str, Fraction, str]]:
        left, right = _operand(a), _operand(b)
        return left, right

    @signature({"types": ["number", "string"]}, {"types": ["number", "string"]})
    def _func_add(self, a: Any, b: Any) -> Any:
        left, right = self._binary(a, b, "add")
        if left[0] != right[0]:
            raise ValueError("add: operands of different types")
        return _result(left[0], left[1] + right[1], left[2])

    @signature({"types": ["number", "string"]}, {"types": ["number", "string"]})
    def _func_subtract(self, a: Any, b: Any) -> Any:
        left, right = self._binary(a, b, "subtract")
        if left[0] != right[0]:
            raise ValueError("subtract: operands of different types")
        return _result(left[0], left[1] - right[1], left[2])

    @signature({"types": ["number", "string"]}, {"types": ["number", "string"]})
    def _func_multiply(self, a: Any, b: Any) -> Any:
        left, right = self._binary(a, b, "multiply")
        if left[0] == "number" and right[0] == "number":
            return _number(left[1] * right[1])
        if right[0] == "number":
            return _result(left[0], left[1] * right[1], left[2])
        if left[0] == "number":
            return _result(right[0], left[1] * right[1], right[2])
        raise ValueError("multiply: at least one operand must be a number")

    @signature({"types": ["number", "string"]}, {"types": ["number", "string"]})
    def _func_divide(self, a: Any, b: Any) -> Any:
        left, right = self._binary(a, b, "divide")
        if right[1] == 0:
            raise ValueError("divide: division by zero")
        if left[0] == right[0]:
            return float(left[1] / right[1])
        if right[0] == "number":
            return _result(left[0], left[1] / right[1], left[2])
        raise ValueError("divide: operands of incompatible types")

    @signature({"types": ["number", "string"]}, {"types": ["number", "string"]})
    def _func_modulo(self, a: Any, b: Any) -> Any:
        left, right = self._binary(a, b, "modulo")
        if left[0] != right[0]:
            raise ValueError("modulo: operands of different types")
        if left[1].denominator != 1 or right[1].denominator != 1:
            raise ValueError("modulo: non-integer operands")
        if right[1] == 0:
            raise ValueError("modulo: division by zero")
        quotient = abs(left[1].numerator) % abs(right[1].numerator)
        value = Fraction(quotient if left[1] >= 0 else -quotient)
        return _result(left[0], value, left[2])

    @signature({"types": ["number"]}, {"types": ["number"]})
    def _func_round(self, x: float, n: float) -> float:
        digits = int(n)
        if digits < 0:
            raise ValueError("round: negative number of decimals")
        factor = 10**digits
        value = x * factor
        rounded = int(value + 0.5) if value >= 0 else -int(-value + 0.5)
        return float(rounded / factor)

    # --- encoding -------------------------------------------------------------------------------------------------
    @signature({"types": ["string"]})
    def _func_base64_decode(self, s: str) -> str:
        try:
            return base64.b64decode(s, validate=True).decode("utf-8", errors="replace")
        except ValueError as exc:
            raise ValueError(f"base64_decode: {exc}") from None

    @signature({"types": ["string"]})
    def _func_base64_encode(self, s: str) -> str:
        return base64.b64encode(s.encode()).decode()

    @signature({"types": ["string"]})
    def _func_sha256(self, s: str) -> str:
        return hashlib.sha256(s.encode()).hexdigest()

    @signature({"types": ["string"]})
    def _func_path_canonicalize(self, s: str) -> str:
        if s == "":
            return "."
        cleaned = posixpath.normpath(s)
        if cleaned.startswith("//"):
            cleaned = "/" + cleaned.lstrip("/")
        return cleaned

    @signature({"types": ["string"]}, {"types": ["string"]})
    def _func_semver_compare(self, version: str, rng: str) -> bool:
        return semver.satisfies(version, rng)

    @signature({"types": ["string"]})
    def _func_parse_json(self, s: str) -> Any:
        try:
            return json.loads(s)
        except json.JSONDecodeError as exc:
            raise ValueError(f"parse_json: {exc}") from None

    @signature({"types": ["string"]})
    def _func_parse_yaml(self, s: str) -> Any:
        try:
            return yaml.safe_load(s)
        except yaml.YAMLError as exc:
            raise ValueError(f"parse_yaml: {' '.join(str(exc).split())}") from None

    # --- collections ----------------------------------------------------------------------------------------------
    @signature({"types": ["object", "array"]}, {"types": ["string", "number"]})
    def _func_lookup(self, coll: Any, key: Any) -> Any:
        if isinstance(coll, dict):
            if not isinstance(key, str):
                raise ValueError("lookup: object key must be a string")
            return coll.get(key)
        if isinstance(key, bool) or not isinstance(key, int | float) or key != int(key):
            raise ValueError("lookup: array index must be an integer")
        idx = int(key)
        return coll[idx] if 0 <= idx < len(coll) else None

    @signature({"types": ["object", "array"]}, {"types": ["string"]}, {"types": ["string"]})
    def _func_items(self, coll: Any, k: str, v: str) -> list[dict[str, Any]]:
        if isinstance(coll, dict):
            return [{k: key, v: coll[key]} for key in sorted(coll)]
        return [{k: float(i), v: item} for i, item in enumerate(coll)]

    @signature({"types": ["array"]}, {"types": ["array"]})
    def _func_object_from_lists(self, keys: list[Any], values: list[Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for i, key in enumerate(keys):
            if not isinstance(key, str):
                raise ValueError("object_from_lists: keys must be strings")
            out[key] = values[i] if i < len(values) else None
        return out

    @signature({"types": ["string"]})
    def _func_random(self, pattern: str) -> str:
        compile_re2(pattern)
        return _random_from_regex(pattern)

    @signature({"types": ["string"]})
    def _func_image_normalize(self, image: str) -> str:
        from policy_platform.engines.kyverno.images import normalize

        return normalize(image)

    @signature({"types": ["string"]})
    def _func_is_external_url(self, url: str) -> bool:
        host = urlparse(url).hostname
        if not host:
            raise ValueError(f"is_external_url: cannot parse {url!r}")
        if host == "localhost":
            return False
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            return True
        return not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_unspecified)

    @signature({"types": ["string"]})
    def _func_x509_decode(self, pem: str) -> dict[str, Any]:
        from policy_platform.engines.kyverno.x509 import decode

        return decode(pem)

    # --- time -----------------------------------------------------------------------------------------------------
    @signature()
    def _func_time_now(self) -> str:
        return _rfc3339(dt.datetime.now().astimezone())

    @signature()
    def _func_time_now_utc(self) -> str:
        return _rfc3339(dt.datetime.now(dt.UTC))

    @signature({"types": ["string"]})
    def _func_time_utc(self, t: str) -> str:
        return _rfc3339(_parse_time(t).astimezone(dt.UTC))

    @signature({"types": ["string"]}, {"types": ["string"]})
    def _func_time_parse(self, layout: str, value: str) -> str:
        return _rfc3339(_parse_layout(layout, value))

    @signature({"types": ["string"]})
    def _func_time_to_cron(self, t: str) -> str:
        ts = _parse_time(t)
        weekday = (ts.weekday() + 1) % 7
        return f"{ts.minute} {ts.hour} {ts.day} {ts.month} {weekday}"

    @signature({"types": ["string"]}, {"types": ["string"]})
    def _func_time_add(self, t: str, d: str) -> str:
        seconds = parse_duration(d)
        if seconds is None:
            raise ValueError(f"time_add: invalid duration {d!r}")
        return _rfc3339(_parse_time(t) + dt.timedelta(seconds=float(seconds)))

    @signature({"types": ["string"]}, {"types": ["string"]}, {"types": ["string"]})
    def _func_time_since(self, layout: str, t1: str, t2: str) -> str:
        start = _parse_layout(layout, t1) if layout else _parse_time(t1)
        end = dt.datetime.now(dt.UTC) if t2 == "" else (_parse_layout(layout, t2) if layout else _parse_time(t2))
        return format_duration(Fraction(str((end - start).total_seconds())))

    @signature({"types": ["string"]}, {"types": ["string"]})
    def _func_time_diff(self, t1: str, t2: str) -> str:
        return format_duration(Fraction(str((_parse_time(t2) - _parse_time(t1)).total_seconds())))

    @signature({"types": ["string"]}, {"types": ["string"]})
    def _func_time_before(self, a: str, b: str) -> bool:
        return _parse_time(a) < _parse_time(b)

    @signature({"types": ["string"]}, {"types": ["string"]})
    def _func_time_after(self, a: str, b: str) -> bool:
        return _parse_time(a) > _parse_time(b)

    @signature({"types": ["string"]}, {"types": ["string"]}, {"types": ["string"]})
    def _func_time_between(self, t: str, a: str, b: str) -> bool:
        ts = _parse_time(t)
        return _parse_time(a) < ts < _parse_time(b)

    @signature({"types": ["string"]}, {"types": ["string"]})
    def _func_time_truncate(self, t: str, d: str) -> str:
        seconds = parse_duration(d)
        if seconds is None:
            raise ValueError(f"time_truncate: invalid duration {d!r}")
        ts = _parse_time(t)
        if seconds <= 0:
            return _rfc3339(ts)
        epoch = dt.datetime(1, 1, 1, tzinfo=dt.UTC)
        delta = Fraction(str((ts - epoch).total_seconds()))
        kept = delta - (delta % seconds)
        return _rfc3339(epoch + dt.timedelta(seconds=float(kept)))


def _rfc3339(ts: dt.datetime) -> str:
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=dt.UTC)
    text = ts.isoformat(timespec="microseconds" if ts.microsecond else "seconds")
    if ts.microsecond:
        head, _, tail = text.partition(".")
        frac, sign, zone = re.match(r"(\d+)([+-].*|Z)?$", tail).groups("")  # type: ignore[union-attr]
        text = f"{head}.{frac.rstrip('0')}{sign}{zone}" if frac.rstrip("0") else f"{head}{sign}{zone}"
    return text.replace("+00:00", "Z")


def _parse_time(text: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError(f"invalid RFC 3339 time {text!r}") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value


_GO_LAYOUT = [
    ("2006", "%Y"),
    ("01", "%m"),
    ("02", "%d"),
    ("15", "%H"),
    ("04", "%M"),
    ("05", "%S"),
    ("Jan", "%b"),
    ("January", "%B"),
    ("Mon", "%a"),
    ("Monday", "%A"),
    ("MST", "%Z"),
    ("Z07:00", "%z"),
    ("-0700", "%z"),
    ("-07:00", "%z"),
    ("PM", "%p"),
]


def _parse_layout(layout: str, value: str) -> dt.datetime:
    if layout.isdigit() or (layout and layout.lstrip("-").isdigit()):
        try:
            return dt.datetime.fromtimestamp(float(value), dt.UTC)
        except ValueError:
            raise ValueError(f"time_parse: {value!r} is not an epoch time") from None
    if layout in ("2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05.999999999Z07:00"):
        return _parse_time(value)
    fmt = layout
    for go, py in sorted(_GO_LAYOUT, key=lambda p: -len(p[0])):
        fmt = fmt.replace(go, py)
    try:
        parsed = dt.datetime.strptime(value.replace("Z", "+0000"), fmt)
    except ValueError:
        raise ValueError(f"time_parse: {value!r} does not match layout {layout!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed


_CLASS = re.compile(r"\[([^\]]+)\]|\\d|\\w|\.|(.)")


def _random_from_regex(pattern: str) -> str:
    """A string matching simple regexes: literals, ``[a-z0-9]`` classes, ``\\d``, ``.``, ``{n}``, ``+``, ``*``."""
    rng = _random.SystemRandom()
    out: list[str] = []
    i = 0
    body = pattern.strip("^$")
    while i < len(body):
        ch = body[i]
        if ch == "[":
            end = body.index("]", i)
            spec = body[i + 1 : end]
            chars = _expand_class(spec)
            i = end + 1
        elif ch == "\\" and i + 1 < len(body):
            code = body[i + 1]
            chars = {"d": "0123456789", "w": "abcdefghijklmnopqrstuvwxyz0123456789"}.get(code, code)
            i += 2
        elif ch == ".":
            chars = "abcdefghijklmnopqrstuvwxyz"
            i += 1
        else:
            chars = ch
            i += 1
        count = 1
        if i < len(body) and body[i] == "{":
            end = body.index("}", i)
            parts = body[i + 1 : end].split(",")
            low = int(parts[0])
            high = int(parts[-1]) if parts[-1] else low + 5
            count = rng.randint(low, high)
            i = end + 1
        elif i < len(body) and body[i] in "+*?":
            count = {"+": rng.randint(1, 8), "*": rng.randint(0, 8), "?": rng.randint(0, 1)}[body[i]]
            i += 1
        out.extend(rng.choice(chars) for _ in range(count))
    return "".join(out)


def _expand_class(spec: str) -> str:
    chars: list[str] = []
    i = 0
    while i < len(spec):
        if i + 2 < len(spec) and spec[i + 1] == "-":
            chars.extend(chr(c) for c in range(ord(spec[i]), ord(spec[i + 2]) + 1))
            i += 3
        else:
            chars.append(spec[i])
            i += 1
    return "".join(chars) or "a"
