"""The restricted JavaScript of JSONPath filters ``[?(…)]``, compiled to Python closures.

Supported, with JavaScript semantics (see :mod:`.jsvalue`): the variables ``@`` (current value), ``@property``,
``@parentProperty``, ``@parent``, ``@path``, ``@root``; literals (numbers, ``'…'``/``"…"`` strings, ``true``,
``false``, ``null``, ``undefined``, ``void 0``, ``[…]`` arrays, ``/re/flags`` regexes); member access ``.name``,
``['key']``, ``[expr]``, ``.length``, ``.constructor.name``; method calls ``includes``, ``startsWith``, ``endsWith``,
``indexOf``, ``match``, ``test``, ``toLowerCase``, ``toUpperCase``, ``trim``, ``Array.isArray(x)``; operators
``! - +`` (unary), ``* / %``, ``+ -``, ``< <= > >= in``, ``== != === !==``, ``&&``, ``||``, ``?:``.

Like nimma (the engine Spectral runs ``given`` with), a filter that is a bare ``@`` is rejected (``'@' is not
defined``), ``typeof`` is rejected, and reading a member of ``null``/``undefined`` raises :class:`JsRuntimeError`
(``Cannot read properties of null (reading 'tag')``), which aborts the lint as it aborts Spectral.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from policy_platform.engines.spectral.jsregex import JsRegex, JsRegexError, compile_js
from policy_platform.engines.spectral.jsvalue import (
    UNDEFINED,
    compare,
    is_number,
    loose_equal,
    strict_equal,
    to_number,
    to_string,
    truthy,
    type_name,
    utf16_len,
)


class JsSyntaxError(ValueError):
    """A filter expression outside the supported subset."""


class JsRuntimeError(RuntimeError):
    """A JavaScript TypeError during evaluation (Spectral aborts the run on these)."""


@dataclass(slots=True)
class Scope:
    """The variables of one filter evaluation."""

    value: Any
    property: Any
    parent_property: Any
    parent: Any
    path: str
    root: Any


Compiled = Callable[[Scope], Any]


@dataclass(frozen=True, slots=True)
class _Ctor:
    name: str


_CTOR_NAMES = {
    "string": "String",
    "number": "Number",
    "boolean": "Boolean",
    "array": "Array",
    "object": "Object",
}

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
_PUNCT = ("===", "!==", "==", "!=", "<=", ">=", "&&", "||", "<", ">", "!", "(", ")", "[", "]", ".", ",", "+", "-",
          "*", "/", "%", "?", ":")


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str  # num, str, ident, var, punct, regex, end
    value: Any
    pos: int


def _tokenize(src: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i = 0
    n = len(src)
    while i < n:
        ch = src[i]
        if ch.isspace():
            i += 1
            continue
        if ch == "@":
            j = i + 1
            while j < n and (src[j].isalnum() or src[j] in "_$"):
                j += 1
            toks.append(_Tok("var", src[i:j], i))
            i = j
            continue
        if ch.isdigit() or (ch == "." and i + 1 < n and src[i + 1].isdigit()):
            j = i
            if src.startswith(("0x", "0X"), i):
                j = i + 2
                while j < n and src[j] in "0123456789abcdefABCDEF":
                    j += 1
                toks.append(_Tok("num", int(src[i:j], 16), i))
                i = j
                continue
            while j < n and (src[j].isdigit() or src[j] == "."):
                j += 1
            if j < n and src[j] in "eE":
                k = j + 1
                if k < n and src[k] in "+-":
                    k += 1
                if k < n and src[k].isdigit():
                    j = k
                    while j < n and src[j].isdigit():
                        j += 1
            text = src[i:j]
            num: float = float(text) if any(c in text for c in ".eE") else int(text)
            toks.append(_Tok("num", num, i))
            i = j
            continue
        if ch in "'\"":
            j = i + 1
            buf: list[str] = []
            while j < n and src[j] != ch:
                if src[j] == "\\" and j + 1 < n:
                    esc = src[j + 1]
                    buf.append(_ESCAPES.get(esc, esc))
                    j += 2
                    continue
                buf.append(src[j])
                j += 1
            if j >= n:
                raise JsSyntaxError(f"unterminated string at {i}")
            toks.append(_Tok("str", "".join(buf), i))
            i = j + 1
            continue
        if ch.isalpha() or ch in "_$":
            j = i
            while j < n and (src[j].isalnum() or src[j] in "_$"):
                j += 1
            toks.append(_Tok("ident", src[i:j], i))
            i = j
            continue
        if ch == "/" and _regex_allowed(toks):
            j = i + 1
            in_class = False
            while j < n:
                c = src[j]
                if c == "\\":
                    j += 2
                    continue
                if c == "[":
                    in_class = True
                elif c == "]":
                    in_class = False
                elif c == "/" and not in_class:
                    break
                j += 1
            if j >= n:
                raise JsSyntaxError(f"unterminated regular expression at {i}")
            k = j + 1
            while k < n and src[k].isalpha():
                k += 1
            try:
                toks.append(_Tok("regex", compile_js(src[i + 1 : j], src[j + 1 : k]), i))
            except JsRegexError as exc:
                raise JsSyntaxError(str(exc)) from None
            i = k
            continue
        for p in _PUNCT:
            if src.startswith(p, i):
                toks.append(_Tok("punct", p, i))
                i += len(p)
                break
        else:
            raise JsSyntaxError(f"unexpected character {ch!r} at {i}")
    toks.append(_Tok("end", None, n))
    return toks


def _regex_allowed(toks: list[_Tok]) -> bool:
    if not toks:
        return True
    last = toks[-1]
    if last.kind in ("num", "str", "var", "regex"):
        return False
    if last.kind == "ident":
        return last.value in ("return", "typeof", "in", "void")
    return last.value not in (")", "]")


_BINARY_PREC = {
    "||": 1,
    "&&": 2,
    "==": 3, "!=": 3, "===": 3, "!==": 3,
    "<": 4, "<=": 4, ">": 4, ">=": 4, "in": 4,
    "+": 5, "-": 5,
    "*": 6, "/": 6, "%": 6,
}


class _Parser:
    def __init__(self, src: str) -> None:
        self.src = src
        self.toks = _tokenize(src)
        self.i = 0

    def peek(self) -> _Tok:
        return self.toks[self.i]

    def next(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def expect(self, value: str) -> None:
        tok = self.next()
        if tok.kind != "punct" or tok.value != value:
            raise JsSyntaxError(f"expected {value!r} at {tok.pos} in {self.src!r}")

    def parse(self) -> Compiled:
        toks = [t for t in self.toks if t.kind != "end"]
        if len(toks) == 1 and toks[0].kind == "var" and toks[0].value == "@":
            raise JsSyntaxError("'@' is not defined")
        expr = self.ternary()
        if self.peek().kind != "end":
            raise JsSyntaxError(f"unexpected {self.peek().value!r} at {self.peek().pos} in {self.src!r}")
        return expr

    def ternary(self) -> Compiled:
        cond = self.binary(1)
        tok = self.peek()
        if tok.kind == "punct" and tok.value == "?":
            self.next()
            yes = self.ternary()
            self.expect(":")
            no = self.ternary()
            return lambda s: yes(s) if truthy(cond(s)) else no(s)
        return cond

    def binary(self, min_prec: int) -> Compiled:
        left = self.unary()
        while True:
            tok = self.peek()
            op = tok.value if tok.kind == "punct" or (tok.kind == "ident" and tok.value == "in") else None
            prec = _BINARY_PREC.get(op) if isinstance(op, str) else None
            if prec is None or prec < min_prec:
                return left
            self.next()
            right = self.binary(prec + 1)
            left = _make_binary(str(op), left, right)

    def unary(self) -> Compiled:
        tok = self.peek()
        if tok.kind == "punct" and tok.value in ("!", "-", "+"):
            self.next()
            operand = self.unary()
            if tok.value == "!":
                return lambda s: not truthy(operand(s))
            if tok.value == "-":
                return lambda s: -to_number(operand(s))
            return lambda s: to_number(operand(s))
        if tok.kind == "ident" and tok.value == "typeof":
            raise JsSyntaxError("this[type] is not a function")
        if tok.kind == "ident" and tok.value == "void":
            self.next()
            operand = self.unary()
            return lambda s: (operand(s), UNDEFINED)[1]
        return self.postfix(self.primary())

    def primary(self) -> Compiled:
        tok = self.next()
        if tok.kind in ("num", "str", "regex"):
            value = tok.value
            return lambda s: value
        if tok.kind == "var":
            return _variable(tok.value)
        if tok.kind == "ident":
            consts = {"true": True, "false": False, "null": None, "undefined": UNDEFINED, "NaN": math.nan,
                      "Infinity": math.inf}
            if tok.value in consts:
                const = consts[tok.value]
                return lambda s: const
            if tok.value == "Array" and self.peek().value == ".":
                self.next()
                name = self.next()
                if name.value != "isArray":
                    raise JsSyntaxError(f"unsupported Array.{name.value}")
                self.expect("(")
                arg = self.ternary()
                self.expect(")")
                return lambda s: isinstance(arg(s), list)
            raise JsSyntaxError(f"'{tok.value}' is not defined")
        if tok.kind == "punct" and tok.value == "(":
            inner = self.ternary()
            self.expect(")")
            return inner
        if tok.kind == "punct" and tok.value == "[":
            items: list[Compiled] = []
            while not (self.peek().kind == "punct" and self.peek().value == "]"):
                items.append(self.ternary())
                if self.peek().value == ",":
                    self.next()
            self.expect("]")
            return lambda s: [item(s) for item in items]
        raise JsSyntaxError(f"unexpected {tok.value!r} at {tok.pos} in {self.src!r}")

    def postfix(self, obj: Compiled) -> Compiled:
        while True:
            tok = self.peek()
            if tok.kind == "punct" and tok.value == ".":
                self.next()
                name_tok = self.next()
                if name_tok.kind != "ident":
                    raise JsSyntaxError(f"expected a property name at {name_tok.pos} in {self.src!r}")
                name = str(name_tok.value)
                if self.peek().kind == "punct" and self.peek().value == "(":
                    args = self.arguments()
                    obj = _make_call(obj, name, args)
                else:
                    obj = _make_member(obj, _constant(name))
                continue
            if tok.kind == "punct" and tok.value == "[":
                self.next()
                key = self.ternary()
                self.expect("]")
                obj = _make_member(obj, key)
                continue
            return obj

    def arguments(self) -> list[Compiled]:
        self.expect("(")
        args: list[Compiled] = []
        while not (self.peek().kind == "punct" and self.peek().value == ")"):
            args.append(self.ternary())
            if self.peek().value == ",":
                self.next()
        self.expect(")")
        return args


def _variable(name: str) -> Compiled:
    table: dict[str, Compiled] = {
        "@": lambda s: s.value,
        "@property": lambda s: s.property,
        "@parentProperty": lambda s: s.parent_property,
        "@parent": lambda s: s.parent,
        "@path": lambda s: s.path,
        "@root": lambda s: s.root,
    }
    if name not in table:
        raise JsSyntaxError(f"'{name}' is not defined")
    return table[name]


def _make_binary(op: str, left: Compiled, right: Compiled) -> Compiled:
    if op == "&&":
        return lambda s: _and(left, right, s)
    if op == "||":
        return lambda s: _or(left, right, s)
    if op == "===":
        return lambda s: strict_equal(left(s), right(s))
    if op == "!==":
        return lambda s: not strict_equal(left(s), right(s))
    if op == "==":
        return lambda s: loose_equal(left(s), right(s))
    if op == "!=":
        return lambda s: not loose_equal(left(s), right(s))
    if op in ("<", "<=", ">", ">="):
        return lambda s: compare(left(s), right(s), op)
    if op == "in":
        return lambda s: _in(left(s), right(s))
    if op == "+":
        return lambda s: _plus(left(s), right(s))
    if op == "-":
        return lambda s: to_number(left(s)) - to_number(right(s))
    if op == "*":
        return lambda s: to_number(left(s)) * to_number(right(s))
    if op == "/":
        return lambda s: _divide(to_number(left(s)), to_number(right(s)))
    return lambda s: math.fmod(to_number(left(s)), to_number(right(s))) if to_number(right(s)) else math.nan


def _and(left: Compiled, right: Compiled, scope: Scope) -> Any:
    value = left(scope)
    return right(scope) if truthy(value) else value


def _or(left: Compiled, right: Compiled, scope: Scope) -> Any:
    value = left(scope)
    return value if truthy(value) else right(scope)


def _divide(a: float, b: float) -> float:
    if b == 0:
        if a == 0 or math.isnan(a):
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1, b)
    return a / b


def _plus(a: Any, b: Any) -> Any:
    if isinstance(a, str | list | dict) or isinstance(b, str | list | dict):
        return to_string(a) + to_string(b)
    return to_number(a) + to_number(b)


def _in(key: Any, container: Any) -> bool:
    if isinstance(container, list):
        # nimma evaluates `x in [..]` as membership in the array literal.
        return any(strict_equal(key, item) for item in container)
    if isinstance(container, dict):
        return to_string(key) in container
    raise JsRuntimeError("Cannot use 'in' operator to search for '" + to_string(key) + "' in " + to_string(container))


def get_member(obj: Any, key: Any) -> Any:
    """``obj[key]`` with JavaScript rules (own properties, array indexes, ``length``, ``constructor``)."""
    if obj is None or obj is UNDEFINED:
        raise JsRuntimeError(f"Cannot read properties of {to_string(obj)} (reading '{to_string(key)}')")
    name = to_string(key) if not isinstance(key, str) else key
    if isinstance(obj, dict):
        if name in obj:
            return obj[name]
        if name == "constructor":
            return _Ctor("Object")
        return UNDEFINED
    if isinstance(obj, list):
        if name == "length":
            return len(obj)
        if name.isdigit() and int(name) < len(obj) and (name == "0" or name[0] != "0"):
            return obj[int(name)]
        if name == "constructor":
            return _Ctor("Array")
        return UNDEFINED
    if isinstance(obj, str):
        if name == "length":
            return utf16_len(obj)
        if name.isdigit() and int(name) < len(obj):
            return obj[int(name)]
        if name == "constructor":
            return _Ctor("String")
        return UNDEFINED
    if isinstance(obj, _Ctor):
        return obj.name if name == "name" else UNDEFINED
    if isinstance(obj, JsRegex):
        if name == "source":
            return obj.source
        if name == "flags":
            return obj.flags
        if name == "constructor":
            return _Ctor("RegExp")
        return UNDEFINED
    if name == "constructor":
        return _Ctor(_CTOR_NAMES.get(type_name(obj), "Object"))
    return UNDEFINED


def _constant(value: Any) -> Compiled:
    return lambda s: value


def _make_member(obj: Compiled, key: Compiled) -> Compiled:
    return lambda s: get_member(obj(s), key(s))


def _call_method(target: Any, name: str, args: list[Any]) -> Any:
    if target is None or target is UNDEFINED:
        raise JsRuntimeError(f"Cannot read properties of {to_string(target)} (reading '{name}')")
    first = args[0] if args else UNDEFINED
    if isinstance(target, str):
        if name == "includes":
            return to_string(first) in target
        if name == "startsWith":
            return target.startswith(to_string(first))
        if name == "endsWith":
            return target.endswith(to_string(first))
        if name == "indexOf":
            return target.find(to_string(first))
        if name == "toLowerCase":
            return target.lower()
        if name == "toUpperCase":
            return target.upper()
        if name == "trim":
            return target.strip()
        if name == "match":
            regex = first if isinstance(first, JsRegex) else compile_js(to_string(first))
            return regex.match(target)
        if name == "toString":
            return target
    if isinstance(target, list):
        if name == "includes":
            return any(strict_equal(first, item) or (is_number(first) and is_number(item) and first == item)
                       for item in target)
        if name == "indexOf":
            for index, item in enumerate(target):
                if strict_equal(first, item):
                    return index
            return -1
        if name == "join":
            sep = "," if first is UNDEFINED else to_string(first)
            return sep.join(to_string(v) if v is not None and v is not UNDEFINED else "" for v in target)
    if isinstance(target, JsRegex) and name == "test":
        return target.test(to_string(first))
    if name == "toString":
        return to_string(target)
    if is_number(target) or isinstance(target, bool):
        # nimma hands array indexes to filters as numbers; string methods on them yield nothing rather than throw.
        return UNDEFINED
    member = get_member(target, name)
    raise JsRuntimeError(f"{to_string(member) if member is not UNDEFINED else name} is not a function")


def _make_call(obj: Compiled, name: str, args: list[Compiled]) -> Compiled:
    return lambda s: _call_method(obj(s), name, [a(s) for a in args])


def compile_filter(src: str) -> Compiled:
    """Compile a filter expression (the text inside ``[?( … )]``); raise :class:`JsSyntaxError` if unsupported."""
    return _Parser(src).parse()
