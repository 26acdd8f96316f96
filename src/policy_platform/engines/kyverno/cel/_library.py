"""The Kubernetes CEL libraries (``k8s.io/apiserver`` v0.31 base environment) as Python functions for the Rust engine.

The engine calls ``x.f(a)`` as ``f(x, a)`` and allows one function per name, so each function dispatches on the type
of its receiver. It also rejects opaque Python objects, so Kubernetes types are *tagged maps*:

* quantity: ``{"__quantity__": "<exact fraction>"}`` (canonical, so ``==`` compares values: ``1Gi == 1024Mi``)
* URL: ``{"__url__": "<text>"}``; IP: ``{"__ip__": "<canonical text>"}``; CIDR: ``{"__cidr__": "<canonical text>"}``
* authorizer (offline stub): ``{"__authz__": {...}}``; decisions: ``{"__authz_decision__": false}``

Libraries: strings extension (``charAt``, ``indexOf``, ``lastIndexOf``, ``lowerAscii``, ``upperAscii``, ``replace``,
``split``, ``substring``, ``trim``, ``join``, ``reverse``, ``strings.quote``, ``format``), Kubernetes lists
(``isSorted``, ``sum``, ``min``, ``max``, ``indexOf``, ``lastIndexOf``), sets (``sets.contains``, ``sets.equivalent``,
``sets.intersects``), regex (``find``, ``findAll``, RE2 so linear time), URLs, quantity, IP/CIDR and the authorizer.
Every function raises ``ValueError`` on misuse; the engine turns that into an evaluation error.
"""

from __future__ import annotations

import ipaddress
import itertools
import math
import urllib.parse
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any

import re2

from policy_platform.engines.kyverno.cel._quantity import parse_quantity

__all__ = ["FUNCTIONS", "authorizer_stub"]

_Q = "__quantity__"
_URL = "__url__"
_IP = "__ip__"
_CIDR = "__cidr__"
_AUTHZ = "__authz__"
_DECISION = "__authz_decision__"


_TAGS = (_Q, _URL, _IP, _CIDR, _AUTHZ, _DECISION)


def _tag(value: Any) -> str | None:
    """The tag of a tagged map (its first key that is a tag), else None."""
    if isinstance(value, Mapping) and len(value) <= 2:  # the authorizer map also holds requestResource
        for key in _TAGS:
            if key in value:
                return key
    return None


def _no_overload(name: str, *args: Any) -> ValueError:
    kinds = ", ".join(_type_name(a) for a in args)
    return ValueError(f"no such overload: {name}({kinds})")


def _type_name(value: Any) -> str:
    tag = _tag(value)
    if tag is not None:
        return tag.strip("_")
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "double"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "list"
    if isinstance(value, Mapping):
        return "map"
    if value is None:
        return "null"
    return type(value).__name__


# ---------------------------------------------------------------------------------------------------- strings


def _char_at(s: Any, i: Any) -> str:
    if not isinstance(s, str) or not isinstance(i, int):
        raise _no_overload("charAt", s, i)
    if i < 0 or i > len(s):
        raise ValueError(f"index out of range: {i}")
    return s[i] if i < len(s) else ""


def _index_of(s: Any, sub: Any, offset: Any = 0) -> int:
    if isinstance(s, list):
        for idx, item in enumerate(s):
            if item == sub and type(item) is type(sub):
                return idx
        return -1
    if not isinstance(s, str) or not isinstance(sub, str) or not isinstance(offset, int):
        raise _no_overload("indexOf", s, sub)
    if offset < 0 or offset > len(s):
        raise ValueError(f"index out of range: {offset}")
    return s.find(sub, offset)


def _last_index_of(s: Any, sub: Any, offset: Any = None) -> int:
    if isinstance(s, list):
        for idx in range(len(s) - 1, -1, -1):
            if s[idx] == sub and type(s[idx]) is type(sub):
                return idx
        return -1
    if not isinstance(s, str) or not isinstance(sub, str):
        raise _no_overload("lastIndexOf", s, sub)
    if offset is None:
        return s.rfind(sub)
    if not isinstance(offset, int) or offset < 0 or offset >= max(len(s), 1):
        raise ValueError(f"index out of range: {offset}")
    return s.rfind(sub, 0, offset + len(sub))


def _lower_ascii(s: Any) -> str:
    if not isinstance(s, str):
        raise _no_overload("lowerAscii", s)
    return "".join(c.lower() if c.isascii() else c for c in s)


def _upper_ascii(s: Any) -> str:
    if not isinstance(s, str):
        raise _no_overload("upperAscii", s)
    return "".join(c.upper() if c.isascii() else c for c in s)


def _replace(s: Any, old: Any, new: Any, limit: Any = -1) -> str:
    if not (isinstance(s, str) and isinstance(old, str) and isinstance(new, str) and isinstance(limit, int)):
        raise _no_overload("replace", s, old, new)
    return s.replace(old, new, limit if limit >= 0 else -1)


def _split(s: Any, sep: Any, limit: Any = -1) -> list[str]:
    if not isinstance(s, str) or not isinstance(sep, str) or not isinstance(limit, int):
        raise _no_overload("split", s, sep)
    if limit == 0:
        return []
    if sep == "":
        chars = list(s)
        if limit > 0 and len(chars) > limit:
            return [*chars[: limit - 1], "".join(chars[limit - 1 :])]
        return chars
    return s.split(sep, limit - 1) if limit > 0 else s.split(sep)


def _substring(s: Any, start: Any, end: Any = None) -> str:
    if not isinstance(s, str) or not isinstance(start, int):
        raise _no_overload("substring", s, start)
    stop = len(s) if end is None else end
    if not isinstance(stop, int) or start < 0 or start > len(s) or stop < start or stop > len(s):
        raise ValueError(f"index out of range: {start}, {stop}")
    return s[start:stop]


def _trim(s: Any) -> str:
    if not isinstance(s, str):
        raise _no_overload("trim", s)
    return s.strip()


def _join(items: Any, sep: Any = "") -> str:
    if not isinstance(items, list) or not isinstance(sep, str) or not all(isinstance(i, str) for i in items):
        raise _no_overload("join", items, sep)
    return sep.join(items)


def _reverse(value: Any) -> Any:
    if isinstance(value, str):
        return value[::-1]
    if isinstance(value, list):
        return value[::-1]
    raise _no_overload("reverse", value)


def _quote(s: Any) -> str:
    if not isinstance(s, str):
        raise _no_overload("strings.quote", s)
    escapes = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\a": "\\a", "\b": "\\b",
               "\f": "\\f", "\v": "\\v"}
    return '"' + "".join(escapes.get(c, c) for c in s) + '"'


def _fmt_value(value: Any) -> str:
    """``%s`` formatting of one CEL value (cel-go ``strings`` extension)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "+Inf" if value > 0 else "-Inf"
        return repr(value).removesuffix(".0") if value.is_integer() and abs(value) < 1e21 else repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_fmt_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        tag = _tag(value)
        if tag is not None:
            return str(value[tag])
        return "{" + ", ".join(f"{_fmt_value(k)}: {_fmt_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return f"{value}"


def _format(fmt: Any, args: Any) -> str:
    """``"%s is %d".format([a, b])``: verbs ``%s %d %f %.Nf %e %x %X %o %b %%``."""
    if not isinstance(fmt, str) or not isinstance(args, list):
        raise _no_overload("format", fmt, args)
    out: list[str] = []
    i = 0
    argi = 0
    while i < len(fmt):
        ch = fmt[i]
        if ch != "%":
            out.append(ch)
            i += 1
            continue
        i += 1
        if i < len(fmt) and fmt[i] == "%":
            out.append("%")
            i += 1
            continue
        precision: int | None = None
        if i < len(fmt) and fmt[i] == ".":
            j = i + 1
            while j < len(fmt) and fmt[j].isdigit():
                j += 1
            precision = int(fmt[i + 1 : j] or "0")
            i = j
        if i >= len(fmt):
            raise ValueError("unterminated format verb")
        verb = fmt[i]
        i += 1
        if argi >= len(args):
            raise ValueError(f"index {argi} out of range")
        arg = args[argi]
        argi += 1
        out.append(_format_verb(verb, arg, precision))
    return "".join(out)


def _format_verb(verb: str, arg: Any, precision: int | None) -> str:
    if verb == "s":
        return _fmt_value(arg)
    if verb == "d":
        if isinstance(arg, bool) or not isinstance(arg, int):
            raise ValueError(f"decimal clause can only be used on integers, was given {_type_name(arg)}")
        return str(arg)
    if verb in "fe":
        if isinstance(arg, bool) or not isinstance(arg, int | float):
            raise ValueError(f"fixed-point clause can only be used on doubles, was given {_type_name(arg)}")
        return f"{float(arg):.{6 if precision is None else precision}{verb}}"
    if verb in "xXob":
        if isinstance(arg, str):
            text = arg.encode().hex()
            return text.upper() if verb == "X" else text
        if isinstance(arg, bool) or not isinstance(arg, int):
            raise ValueError(f"error during formatting: only integers and strings can be formatted as {verb}")
        return format(arg, verb)
    raise ValueError(f"unrecognized formatting clause \"{verb}\"")


# ---------------------------------------------------------------------------------------------------- regex


def _find(s: Any, pattern: Any) -> str:
    if not isinstance(s, str) or not isinstance(pattern, str):
        raise _no_overload("find", s, pattern)
    match = re2.search(pattern, s)
    return "" if match is None else str(match.group(0))


def _find_all(s: Any, pattern: Any, limit: Any = -1) -> list[str]:
    if not isinstance(s, str) or not isinstance(pattern, str) or not isinstance(limit, int):
        raise _no_overload("findAll", s, pattern)
    if limit == 0:
        return []
    found = [str(m.group(0)) for m in re2.finditer(pattern, s)]
    return found[:limit] if limit > 0 else found


# ---------------------------------------------------------------------------------------------------- lists and sets


def _comparable(values: list[Any], name: str) -> list[Any]:
    if not values:
        return values
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return values
    if all(isinstance(v, str) for v in values):
        return values
    if all(_tag(v) == _Q for v in values):
        return [parse_quantity_value(v) for v in values]
    raise ValueError(f"no such overload: {name} over a list of mixed or unordered types")


def parse_quantity_value(value: Any) -> Fraction:
    """The exact value of a tagged quantity map."""
    return Fraction(str(value[_Q]))


def _is_sorted(values: Any) -> bool:
    if not isinstance(values, list):
        raise _no_overload("isSorted", values)
    keys = _comparable(values, "isSorted")
    return all(a <= b for a, b in itertools.pairwise(keys))


def _sum(values: Any) -> Any:
    if not isinstance(values, list):
        raise _no_overload("sum", values)
    if values and all(_tag(v) == _Q for v in values):
        return _quantity_map(sum((parse_quantity_value(v) for v in values), Fraction(0)))
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        raise ValueError("no such overload: sum over a list of non-numbers")
    return sum(values) if values else 0


def _extreme(values: Any, name: str, pick: Callable[[list[Any]], Any]) -> Any:
    if isinstance(values, list):
        if not values:
            raise ValueError(f"{name} called on empty list")
        keys = _comparable(values, name)
        return values[keys.index(pick(keys))]
    raise _no_overload(name, values)


def _min(values: Any, *rest: Any) -> Any:
    return _extreme([values, *rest] if rest else values, "min", min)


def _max(values: Any, *rest: Any) -> Any:
    return _extreme([values, *rest] if rest else values, "max", max)


def _sets_contains(a: Any, b: Any) -> bool:
    if not isinstance(a, list) or not isinstance(b, list):
        raise _no_overload("sets.contains", a, b)
    return all(item in a for item in b)


def _sets_equivalent(a: Any, b: Any) -> bool:
    return _sets_contains(a, b) and _sets_contains(b, a)


def _sets_intersects(a: Any, b: Any) -> bool:
    if not isinstance(a, list) or not isinstance(b, list):
        raise _no_overload("sets.intersects", a, b)
    return any(item in a for item in b)


# ---------------------------------------------------------------------------------------------------- quantity


def _fraction_text(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"


def _quantity_map(value: Fraction) -> dict[str, str]:
    return {_Q: _fraction_text(value)}


def _quantity(s: Any) -> dict[str, str]:
    if not isinstance(s, str):
        raise _no_overload("quantity", s)
    return _quantity_map(parse_quantity(s))


def _is_quantity(s: Any) -> bool:
    if not isinstance(s, str):
        raise _no_overload("isQuantity", s)
    try:
        parse_quantity(s)
    except ValueError:
        return False
    return True


def _qv(value: Any, name: str) -> Fraction:
    if _tag(value) == _Q:
        return parse_quantity_value(value)
    raise _no_overload(name, value)


def _operand(value: Any, name: str) -> Fraction:
    if _tag(value) == _Q:
        return parse_quantity_value(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return Fraction(value)
    raise _no_overload(name, value)


def _compare_to(a: Any, b: Any) -> int:
    x, y = _qv(a, "compareTo"), _qv(b, "compareTo")
    return (x > y) - (x < y)


def _is_less_than(a: Any, b: Any) -> bool:
    return _qv(a, "isLessThan") < _qv(b, "isLessThan")


def _is_greater_than(a: Any, b: Any) -> bool:
    return _qv(a, "isGreaterThan") > _qv(b, "isGreaterThan")


def _add(a: Any, b: Any) -> dict[str, str]:
    return _quantity_map(_qv(a, "add") + _operand(b, "add"))


def _sub(a: Any, b: Any) -> dict[str, str]:
    return _quantity_map(_qv(a, "sub") - _operand(b, "sub"))


def _as_integer(a: Any) -> int:
    value = _qv(a, "asInteger")
    if value.denominator != 1 or not -(2**63) <= value.numerator < 2**63:
        raise ValueError("cannot convert value to integer")
    return value.numerator


def _as_approximate_float(a: Any) -> float:
    return float(_qv(a, "asApproximateFloat"))


def _sign(a: Any) -> int:
    value = _qv(a, "sign")
    return (value > 0) - (value < 0)


def _is_integer(a: Any) -> bool:
    value = _qv(a, "isInteger")
    return value.denominator == 1 and -(2**63) <= value.numerator < 2**63


# ---------------------------------------------------------------------------------------------------- URLs


def _parse_url(s: str) -> urllib.parse.SplitResult:
    if not s.startswith("/") and "://" not in s:
        raise ValueError(f"URL is not absolute: {s!r}")
    parts = urllib.parse.urlsplit(s)
    _ = parts.port  # validates the port
    return parts


def _url(s: Any) -> dict[str, str]:
    if not isinstance(s, str):
        raise _no_overload("url", s)
    _parse_url(s)
    return {_URL: s}


def _is_url(s: Any) -> bool:
    if not isinstance(s, str):
        raise _no_overload("isURL", s)
    try:
        _parse_url(s)
    except ValueError:
        return False
    return True


def _url_parts(u: Any, name: str) -> urllib.parse.SplitResult:
    if _tag(u) != _URL:
        raise _no_overload(name, u)
    return _parse_url(str(u[_URL]))


def _get_scheme(u: Any) -> str:
    return _url_parts(u, "getScheme").scheme


def _get_host(u: Any) -> str:
    return _url_parts(u, "getHost").netloc.rpartition("@")[2]


def _get_hostname(u: Any) -> str:
    host = _url_parts(u, "getHostname").netloc.rpartition("@")[2]
    if host.startswith("["):
        return host[1 : host.index("]")]
    return host.partition(":")[0]


def _get_port(u: Any) -> str:
    host = _url_parts(u, "getPort").netloc.rpartition("@")[2]
    if host.startswith("["):
        host = host[host.index("]") + 1 :]
    return host.partition(":")[2]


def _get_escaped_path(u: Any) -> str:
    return _url_parts(u, "getEscapedPath").path


def _get_query(u: Any) -> dict[str, list[str]]:
    query = _url_parts(u, "getQuery").query
    return dict(urllib.parse.parse_qs(query, keep_blank_values=True))


# ---------------------------------------------------------------------------------------------------- IP / CIDR


def _parse_ip(s: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    if "%" in s:
        raise ValueError(f"IP address with zone value is not allowed: {s!r}")
    addr = ipaddress.ip_address(s)
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None and "." in s:
        raise ValueError(f"IPv4-mapped IPv6 address is not allowed: {s!r}")
    return addr


def _ip(value: Any) -> dict[str, str]:
    if isinstance(value, str):
        return {_IP: str(_parse_ip(value))}
    if _tag(value) == _CIDR:
        return {_IP: str(ipaddress.ip_interface(str(value[_CIDR])).ip)}
    raise _no_overload("ip", value)


def _is_ip(s: Any) -> bool:
    if not isinstance(s, str):
        raise _no_overload("isIP", s)
    try:
        _parse_ip(s)
    except ValueError:
        return False
    return True


def _cidr(s: Any) -> dict[str, str]:
    if not isinstance(s, str):
        raise _no_overload("cidr", s)
    return {_CIDR: str(ipaddress.ip_interface(s))}


def _is_cidr(s: Any) -> bool:
    if not isinstance(s, str):
        raise _no_overload("isCIDR", s)
    try:
        ipaddress.ip_interface(s)
    except ValueError:
        return False
    return "/" in s


def _addr(value: Any, name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    if _tag(value) == _IP:
        return ipaddress.ip_address(str(value[_IP]))
    raise _no_overload(name, value)


def _net(value: Any, name: str) -> ipaddress.IPv4Interface | ipaddress.IPv6Interface:
    if _tag(value) == _CIDR:
        return ipaddress.ip_interface(str(value[_CIDR]))
    raise _no_overload(name, value)


def _family(value: Any) -> int:
    return _addr(value, "family").version


def _is_unspecified(value: Any) -> bool:
    return _addr(value, "isUnspecified").is_unspecified


def _is_loopback(value: Any) -> bool:
    return _addr(value, "isLoopback").is_loopback


def _is_link_local_multicast(value: Any) -> bool:
    addr = _addr(value, "isLinkLocalMulticast")
    if addr.version == 4:
        return addr in ipaddress.ip_network("224.0.0.0/24")
    return addr in ipaddress.ip_network("ff02::/16")


def _is_link_local_unicast(value: Any) -> bool:
    addr = _addr(value, "isLinkLocalUnicast")
    return addr.is_link_local and not addr.is_multicast


def _is_global_unicast(value: Any) -> bool:
    addr = _addr(value, "isGlobalUnicast")
    if addr.version == 4 and addr == ipaddress.IPv4Address("255.255.255.255"):
        return False
    return not (addr.is_unspecified or addr.is_loopback or addr.is_multicast or addr.is_link_local)


def _contains_ip(cidr: Any, ip: Any) -> bool:
    net = _net(cidr, "containsIP").network
    addr = ipaddress.ip_address(ip) if isinstance(ip, str) else _addr(ip, "containsIP")
    return addr.version == net.version and addr in net


def _contains_cidr(cidr: Any, other: Any) -> bool:
    net = _net(cidr, "containsCIDR").network
    sub = ipaddress.ip_interface(other).network if isinstance(other, str) else _net(other, "containsCIDR").network
    return sub.version == net.version and sub.subnet_of(net)  # type: ignore[arg-type]


def _prefix_length(cidr: Any) -> int:
    return _net(cidr, "prefixLength").network.prefixlen


def _masked(cidr: Any) -> dict[str, str]:
    return {_CIDR: str(_net(cidr, "masked").network)}


# ---------------------------------------------------------------------------------------------------- authorizer


def authorizer_stub() -> dict[str, Any]:
    """The offline ``authorizer`` variable: every check is denied (no cluster to ask).

    ``authorizer.requestResource`` is the request-scoped form (``authorizer.requestResource.check('update')``).
    """
    return {_AUTHZ: {}, "requestResource": {_AUTHZ: {"requestResource": "true"}}}


def _authz_step(key: str) -> Callable[..., dict[str, Any]]:
    def step(target: Any, *args: Any) -> dict[str, Any]:
        if _tag(target) != _AUTHZ:
            raise _no_overload(key, target, *args)
        inner = dict(target[_AUTHZ])
        inner[key] = ",".join(str(a) for a in args)
        return {_AUTHZ: inner}

    return step


def _check(target: Any, verb: Any) -> dict[str, bool]:
    if _tag(target) != _AUTHZ or not isinstance(verb, str):
        raise _no_overload("check", target, verb)
    return {_DECISION: False}


def _decision(name: str, result: Any) -> Callable[[Any], Any]:
    def read(target: Any) -> Any:
        if _tag(target) != _DECISION:
            raise _no_overload(name, target)
        return result

    return read


def _name_or_authz(target: Any, *args: Any) -> Any:
    return _authz_step("name")(target, *args)


FUNCTIONS: Mapping[str, Callable[..., Any]] = {
    # strings extension
    "charAt": _char_at,
    "indexOf": _index_of,
    "lastIndexOf": _last_index_of,
    "lowerAscii": _lower_ascii,
    "upperAscii": _upper_ascii,
    "replace": _replace,
    "split": _split,
    "substring": _substring,
    "trim": _trim,
    "join": _join,
    "reverse": _reverse,
    "strings.quote": _quote,
    "format": _format,
    # regex
    "find": _find,
    "findAll": _find_all,
    # lists and sets
    "isSorted": _is_sorted,
    "sum": _sum,
    "min": _min,
    "max": _max,
    "sets.contains": _sets_contains,
    "sets.equivalent": _sets_equivalent,
    "sets.intersects": _sets_intersects,
    # quantity
    "quantity": _quantity,
    "isQuantity": _is_quantity,
    "compareTo": _compare_to,
    "isLessThan": _is_less_than,
    "isGreaterThan": _is_greater_than,
    "add": _add,
    "sub": _sub,
    "asInteger": _as_integer,
    "asApproximateFloat": _as_approximate_float,
    "sign": _sign,
    "isInteger": _is_integer,
    # URLs
    "url": _url,
    "isURL": _is_url,
    "getScheme": _get_scheme,
    "getHost": _get_host,
    "getHostname": _get_hostname,
    "getPort": _get_port,
    "getEscapedPath": _get_escaped_path,
    "getQuery": _get_query,
    # IP / CIDR
    "ip": _ip,
    "isIP": _is_ip,
    "cidr": _cidr,
    "isCIDR": _is_cidr,
    "family": _family,
    "isUnspecified": _is_unspecified,
    "isLoopback": _is_loopback,
    "isLinkLocalMulticast": _is_link_local_multicast,
    "isLinkLocalUnicast": _is_link_local_unicast,
    "isGlobalUnicast": _is_global_unicast,
    "containsIP": _contains_ip,
    "containsCIDR": _contains_cidr,
    "prefixLength": _prefix_length,
    "masked": _masked,
    # authorizer (offline stub)
    "group": _authz_step("group"),
    "resource": _authz_step("resource"),
    "subresource": _authz_step("subresource"),
    "namespace": _authz_step("namespace"),
    "name": _name_or_authz,
    "path": _authz_step("path"),
    "serviceAccount": _authz_step("serviceAccount"),
    "check": _check,
    "allowed": _decision("allowed", False),
    "reason": _decision("reason", ""),
    "errored": _decision("errored", False),
    "error": _decision("error", ""),
}
