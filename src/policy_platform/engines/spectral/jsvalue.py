"""JavaScript value semantics over plain Python data (the parts Spectral's behaviour depends on).

Data comes from YAML/JSON: ``None`` is ``null``, :data:`UNDEFINED` is ``undefined``, ``bool``, ``int``/``float`` are
numbers, ``str``, ``list`` (Array) and ``dict`` (Object). Functions here give JavaScript's answers:

* :func:`truthy` — ``false``, ``0``, ``-0``, ``NaN``, ``""``, ``null``, ``undefined`` are falsy; ``[]``, ``{}``, ``"0"``
  and ``"false"`` are truthy;
* :func:`strict_equal` (``===``) and :func:`loose_equal` (``==``, with ``null == undefined``, number/string/boolean
  coercion and ``ToPrimitive`` of arrays and objects);
* :func:`to_string` (``String(x)``: ``1.0`` → ``"1"``, arrays joined with commas, ``[object Object]``),
  :func:`to_number`;
* :func:`js_keys` (``Object.keys`` order: integer-like keys first, ascending), :func:`utf16_len` (``String#length``);
* :func:`print_value` (Spectral's ``printValue``: ``"str"``, ``Object{}``, ``Array[]``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any, Final


class _Undefined:
    __slots__ = ()

    def __repr__(self) -> str:
        return "undefined"

    def __bool__(self) -> bool:
        return False


UNDEFINED: Final = _Undefined()


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def type_name(value: Any) -> str:
    """``typeof``-like category: undefined, null, boolean, number, string, array, object, regexp."""
    if value is UNDEFINED:
        return "undefined"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "object"


def truthy(value: Any) -> bool:
    if value is None or value is UNDEFINED:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    if isinstance(value, float):
        return not (value == 0 or math.isnan(value))
    if isinstance(value, str):
        return value != ""
    return True


def number_to_string(value: float) -> str:
    """``Number#toString()`` for finite and special values."""
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "0"
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    text = repr(value)
    if "e" in text:
        mantissa, exp = text.split("e")
        sign = "-" if exp.startswith("-") else "+"
        digits = exp.lstrip("+-").lstrip("0") or "0"
        if mantissa.endswith(".0"):
            mantissa = mantissa[:-2]
        exponent = int(exp)
        if -7 < exponent < 21:
            return format(value, "f").rstrip("0").rstrip(".")
        return f"{mantissa}e{sign}{digits}"
    return text


def to_string(value: Any) -> str:
    """``String(value)``."""
    if value is UNDEFINED:
        return "undefined"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return number_to_string(value)
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return ",".join("" if v is None or v is UNDEFINED else to_string(v) for v in value)
    if isinstance(value, dict):
        return "[object Object]"
    return str(value)


def to_number(value: Any) -> float:
    if value is UNDEFINED:
        return math.nan
    if value is None:
        return 0
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text == "":
            return 0
        try:
            if text.lower().startswith(("0x", "0o", "0b")):
                return int(text, 0)
            if text in ("Infinity", "+Infinity"):
                return math.inf
            if text == "-Infinity":
                return -math.inf
            if any(c.isalpha() and c not in "eE" for c in text) or "_" in text:
                return math.nan
            return float(text)
        except ValueError:
            return math.nan
    if isinstance(value, list | dict):
        return to_number(to_primitive(value))
    return math.nan


def to_primitive(value: Any) -> Any:
    if isinstance(value, list | dict):
        return to_string(value)
    return value


def strict_equal(a: Any, b: Any) -> bool:
    ta, tb = type_name(a), type_name(b)
    if ta != tb:
        return False
    if ta == "number":
        return bool(a == b)
    if ta in ("array", "object"):
        return a is b
    return bool(a == b)


def loose_equal(a: Any, b: Any) -> bool:
    ta, tb = type_name(a), type_name(b)
    if ta == tb:
        return strict_equal(a, b)
    nullish = ("null", "undefined")
    if ta in nullish or tb in nullish:
        return ta in nullish and tb in nullish
    if ta == "boolean":
        return loose_equal(to_number(a), b)
    if tb == "boolean":
        return loose_equal(a, to_number(b))
    if ta == "number" and tb == "string":
        return bool(a == to_number(b))
    if ta == "string" and tb == "number":
        return bool(to_number(a) == b)
    if ta in ("array", "object") and tb in ("number", "string"):
        return loose_equal(to_primitive(a), b)
    if tb in ("array", "object") and ta in ("number", "string"):
        return loose_equal(a, to_primitive(b))
    return False


def compare(a: Any, b: Any, op: str) -> bool:
    """Relational operators ``< <= > >=`` with JavaScript coercion (strings compare by UTF-16 code units)."""
    pa, pb = to_primitive(a), to_primitive(b)
    if isinstance(pa, str) and isinstance(pb, str):
        ka, kb = pa.encode("utf-16-be"), pb.encode("utf-16-be")
        return {"<": ka < kb, "<=": ka <= kb, ">": ka > kb, ">=": ka >= kb}[op]
    na, nb = to_number(pa), to_number(pb)
    if math.isnan(na) or math.isnan(nb):
        return False
    return {"<": na < nb, "<=": na <= nb, ">": na > nb, ">=": na >= nb}[op]


def _is_index_key(key: str) -> bool:
    return key.isdigit() and key.isascii() and (key == "0" or key[0] != "0") and int(key) < 4294967295


def js_keys(obj: dict[str, Any]) -> list[str]:
    """``Object.keys(obj)``: integer-like keys first in ascending order, then the others in insertion order."""
    keys = list(obj)
    if not any(k[:1].isdigit() for k in keys):
        return keys
    ints = sorted((k for k in keys if _is_index_key(k)), key=int)
    return ints + [k for k in keys if not _is_index_key(k)]


def js_items(obj: dict[str, Any]) -> Iterable[tuple[str, Any]]:
    keys = js_keys(obj)
    return ((k, obj[k]) for k in keys)


def utf16_len(text: str) -> int:
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def print_value(value: Any) -> str:
    """Spectral's ``printValue``: strings JSON-quoted, ``Object{}``, ``Array[]``, numbers and literals as text."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "Array[]"
    if isinstance(value, dict):
        return "Object{}"
    return to_string(value)
