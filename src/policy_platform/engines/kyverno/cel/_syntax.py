"""A small CEL tokenizer and parser, used to rewrite the optional syntax into plain CEL.

The Rust CEL engine we use (``common-expression-language`` 0.10.0) evaluates optional *values*
(``optional.of(x)``, ``optional.none()``, ``.orValue()``, ``.hasValue()``, ``.value()``, ``.or()``) but its parser
rejects the optional *syntax*: ``obj.?field`` and ``obj[?key]``, and it lacks the ``optMap``/``optFlatMap`` macros.
Kubernetes and Kyverno policies use these heavily (``object.spec.?initContainers.orValue([])``).

:func:`rewrite_optional` parses an expression and, only when it uses that syntax, prints an equivalent plain-CEL
expression. When the chain starts from a plain path (``object.spec.?a.?b``, ``c.?securityContext[?'k']``), the
optional is a *guarded path*: ``has(object.spec.a) && has(object.spec.a.b)`` guards ``object.spec.a.b``, so
``object.spec.?a.?b.orValue(d)`` becomes ``(has(object.spec.a) && has(object.spec.a.b) ? object.spec.a.b : d)``
(``.hasValue()`` is the guard; ``[?'k']`` tests ``'k' in ...``). Otherwise (a call result, an int or computed index,
an ``optMap``) the optional is carried as a zero- or one-element *list* (``[]`` is ``optional.none()``, ``[x]`` is
``optional.of(x)``) so that no sub-expression is evaluated twice:

=============================  ====================================================================
CEL                            rewritten (``L`` = the list form of the receiver)
=============================  ====================================================================
``e.?f``                       ``[e].filter(v, has(v.f)).map(v, v.f)``
``o.?f`` (``o`` optional)      ``L.filter(v, has(v.f)).map(v, v.f)``
``e[?k]``                      ``[e].filter(v, <k present in v>).map(v, v[k])`` (map key or list index)
``o.f`` / ``o[k]``             ``L.map(v, v.f)`` / ``L.map(v, v[k])`` (cel-go: a missing field is an error)
``o.orValue(d)``               ``(L + [d])[0]``
``o.hasValue()``               ``size(L) > 0``
``o.optMap(x, e)``             ``L.map(x, e)``
``e.orValue(d)`` (plain ``e``)  ``e`` (cel-go returns a non-optional receiver of ``orValue``/``or`` unchanged)
``cel.bind(x, i, e)``          ``[i].map(x, e)[0]`` (the Bindings extension of the Kubernetes environment)
anything else using ``o``      ``(size(L) > 0 ? optional.of(L[0]) : optional.none())``, a real optional
=============================  ====================================================================

:func:`rewrite` also inlines ``variables.<name>`` references (Kubernetes ``variables``) with the variable's own
rewritten text, so rules never bind per-rule values into the shared per-resource activation.

Shapes that cannot be rewritten (optional list/map literal entries ``[?a]``, ``{?k: v}``, message construction,
``has()`` over an optional chain) raise :class:`CelSyntaxError` with an "unsupported syntax" message.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["CelSyntaxError", "rewrite", "rewrite_optional", "uses_optional_syntax", "variable_refs"]


class CelSyntaxError(ValueError):
    """The expression could not be tokenized, parsed or rewritten; ``str()`` is one line."""


# ---------------------------------------------------------------------------------------------------------- tokens

_PUNCT2 = ("<=", ">=", "==", "!=", "&&", "||")
_PUNCT1 = ".?[](){},:!-+*/%<>"


@dataclass(frozen=True, slots=True)
class Token:
    """One lexical token: ``kind`` is ``ident``, ``int``, ``float``, ``string``, ``punct`` or ``eof``."""

    kind: str
    text: str
    pos: int


def _scan_string(src: str, i: int) -> int:
    """Return the index just after the string literal starting at ``i`` (prefix letters included)."""
    j = i
    raw = False
    while j < len(src) and src[j] in "rRbB":
        if src[j] in "rR":
            raw = True
        j += 1
    quote = src[j]
    triple = src.startswith(quote * 3, j)
    delim = quote * 3 if triple else quote
    j += len(delim)
    while j < len(src):
        ch = src[j]
        if ch == "\\" and not raw:
            j += 2
            continue
        if src.startswith(delim, j):
            return j + len(delim)
        if ch == "\n" and not triple:
            break
        j += 1
    raise CelSyntaxError(f"unterminated string literal at column {i + 1}")


_TOKENS: dict[str, list[Token]] = {}
_TREES: dict[str, Node] = {}


def tokenize(src: str) -> list[Token]:
    """Split CEL source into tokens (comments and whitespace dropped). Memoized: callers must not modify the list."""
    found = _TOKENS.get(src)
    if found is None:
        found = _tokenize(src)
        if len(_TOKENS) >= 4096:
            _TOKENS.clear()
        _TOKENS[src] = found
    return found


def _tokenize(src: str) -> list[Token]:
    out: list[Token] = []
    i = 0
    n = len(src)
    while i < n:
        ch = src[i]
        if ch in " \t\r\n\f":
            i += 1
            continue
        if src.startswith("//", i):
            nl = src.find("\n", i)
            i = n if nl < 0 else nl + 1
            continue
        # string literal, with optional r/b prefixes (at most two letters)
        if ch in "'\"" or (
            ch in "rRbB"
            and (
                (i + 1 < n and src[i + 1] in "'\"")
                or (i + 2 < n and src[i + 1] in "rRbB" and src[i + 2] in "'\"" and src[i + 1].lower() != ch.lower())
            )
        ):
            j = _scan_string(src, i)
            out.append(Token("string", src[i:j], i))
            i = j
            continue
        if ch.isalpha() or ch == "_":
            j = i + 1
            while j < n and (src[j].isalnum() or src[j] == "_"):
                j += 1
            out.append(Token("ident", src[i:j], i))
            i = j
            continue
        if ch.isdigit() or (ch == "." and i + 1 < n and src[i + 1].isdigit()):
            j = _scan_number(src, i)
            text = src[i:j]
            kind = "float" if any(c in text for c in ".eE") and not text.lower().startswith("0x") else "int"
            out.append(Token(kind, text, i))
            i = j
            continue
        two = src[i : i + 2]
        if two in _PUNCT2:
            out.append(Token("punct", two, i))
            i += 2
            continue
        if ch in _PUNCT1:
            out.append(Token("punct", ch, i))
            i += 1
            continue
        raise CelSyntaxError(f"unexpected character {ch!r} at column {i + 1}")
    out.append(Token("eof", "", n))
    return out


def _scan_number(src: str, i: int) -> int:
    n = len(src)
    if src.startswith(("0x", "0X"), i):
        j = i + 2
        while j < n and src[j] in "0123456789abcdefABCDEF":
            j += 1
        if j < n and src[j] in "uU":
            j += 1
        return j
    j = i
    while j < n and src[j].isdigit():
        j += 1
    is_float = False
    if j < n and src[j] == "." and j + 1 < n and src[j + 1].isdigit():
        is_float = True
        j += 1
        while j < n and src[j].isdigit():
            j += 1
    if j < n and src[j] in "eE":
        k = j + 1
        if k < n and src[k] in "+-":
            k += 1
        if k < n and src[k].isdigit():
            is_float = True
            j = k
            while j < n and src[j].isdigit():
                j += 1
    if not is_float and j < n and src[j] in "uU":
        j += 1
    return j


# ---------------------------------------------------------------------------------------------------------- AST


@dataclass(frozen=True, slots=True)
class Literal:
    """A literal, kept as its source text (so escapes round-trip exactly)."""

    text: str


@dataclass(frozen=True, slots=True)
class Ident:
    """An identifier, optionally with a leading ``.`` (root-scope)."""

    name: str


@dataclass(frozen=True, slots=True)
class Select:
    """``operand.field`` or, with ``optional``, ``operand.?field``."""

    operand: Node
    field: str
    optional: bool = False


@dataclass(frozen=True, slots=True)
class Index:
    """``operand[key]`` or, with ``optional``, ``operand[?key]``."""

    operand: Node
    key: Node
    optional: bool = False


@dataclass(frozen=True, slots=True)
class Call:
    """A function call; ``target`` is set for the receiver-style form ``target.name(args)``."""

    name: str
    args: tuple[Node, ...]
    target: Node | None = None


@dataclass(frozen=True, slots=True)
class Unary:
    """``!x`` or ``-x``."""

    op: str
    operand: Node


@dataclass(frozen=True, slots=True)
class Binary:
    """A binary operator (``||``, ``&&``, relations, ``in``, arithmetic)."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Ternary:
    """``cond ? a : b``."""

    cond: Node
    then: Node
    other: Node


@dataclass(frozen=True, slots=True)
class ListLit:
    """``[a, b]``."""

    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class MapLit:
    """``{k: v, ...}``."""

    entries: tuple[tuple[Node, Node], ...]


@dataclass(frozen=True, slots=True)
class Raw:
    """Already-rewritten plain CEL text spliced in as one operand (an inlined ``variables.<name>``)."""

    text: str


Node = Literal | Ident | Select | Index | Call | Unary | Binary | Ternary | ListLit | MapLit | Raw

_REL_OPS = ("<", "<=", ">", ">=", "==", "!=", "in")


class _Parser:
    """Recursive-descent parser following the CEL grammar (cel-spec ``CEL.g4``)."""

    def __init__(self, src: str) -> None:
        self.src = src
        self.toks = tokenize(src)
        self.i = 0

    def peek(self, k: int = 0) -> Token:
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def at(self, text: str) -> bool:
        tok = self.peek()
        return tok.kind in ("punct", "ident") and tok.text == text

    def take(self) -> Token:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def expect(self, text: str) -> Token:
        tok = self.peek()
        if not self.at(text):
            found = "end of expression" if tok.kind == "eof" else repr(tok.text)
            raise CelSyntaxError(f"expected {text!r} at column {tok.pos + 1}, found {found}")
        return self.take()

    def parse(self) -> Node:
        node = self.expr()
        tok = self.peek()
        if tok.kind != "eof":
            raise CelSyntaxError(f"unexpected {tok.text!r} at column {tok.pos + 1}")
        return node

    def expr(self) -> Node:
        cond = self.or_expr()
        if self.at("?"):
            self.take()
            then = self.or_expr()
            self.expect(":")
            other = self.expr()
            return Ternary(cond, then, other)
        return cond

    def or_expr(self) -> Node:
        node = self.and_expr()
        while self.at("||"):
            self.take()
            node = Binary("||", node, self.and_expr())
        return node

    def and_expr(self) -> Node:
        node = self.relation()
        while self.at("&&"):
            self.take()
            node = Binary("&&", node, self.relation())
        return node

    def relation(self) -> Node:
        node = self.addition()
        while self.peek().text in _REL_OPS and self.peek().kind in ("punct", "ident"):
            op = self.take().text
            node = Binary(op, node, self.addition())
        return node

    def addition(self) -> Node:
        node = self.multiplication()
        while self.peek().kind == "punct" and self.peek().text in ("+", "-"):
            op = self.take().text
            node = Binary(op, node, self.multiplication())
        return node

    def multiplication(self) -> Node:
        node = self.unary()
        while self.peek().kind == "punct" and self.peek().text in ("*", "/", "%"):
            op = self.take().text
            node = Binary(op, node, self.unary())
        return node

    def unary(self) -> Node:
        if self.at("!") or self.at("-"):
            op = self.take().text
            return Unary(op, self.unary())
        return self.member()

    def member(self) -> Node:
        node = self.primary()
        while True:
            if self.at("."):
                self.take()
                optional = False
                if self.at("?"):
                    self.take()
                    optional = True
                tok = self.take()
                if tok.kind != "ident":
                    raise CelSyntaxError(f"expected a field name at column {tok.pos + 1}")
                if self.at("("):
                    if optional:
                        raise CelSyntaxError(f"unsupported syntax: optional method call '.?{tok.text}('")
                    node = Call(tok.text, self.args(")"), target=node)
                elif self.at("{"):
                    raise CelSyntaxError("unsupported syntax: message construction")
                else:
                    node = Select(node, tok.text, optional)
            elif self.at("["):
                self.take()
                optional = False
                if self.at("?"):
                    self.take()
                    optional = True
                key = self.expr()
                self.expect("]")
                node = Index(node, key, optional)
            else:
                return node

    def args(self, close: str) -> tuple[Node, ...]:
        self.take()  # the opening bracket
        items: list[Node] = []
        while not self.at(close):
            if self.at("?"):
                raise CelSyntaxError("unsupported syntax: optional list element '[?x]'")
            items.append(self.expr())
            if not self.at(","):
                break
            self.take()
        self.expect(close)
        return tuple(items)

    def primary(self) -> Node:
        tok = self.peek()
        if tok.kind in ("int", "float", "string"):
            self.take()
            return Literal(tok.text)
        if tok.kind == "ident":
            self.take()
            if tok.text in ("true", "false", "null"):
                return Literal(tok.text)
            if self.at("("):
                return Call(tok.text, self.args(")"))
            if self.at("{"):
                raise CelSyntaxError("unsupported syntax: message construction")
            return Ident(tok.text)
        if self.at("."):
            self.take()
            name = self.take()
            if name.kind != "ident":
                raise CelSyntaxError(f"expected an identifier at column {name.pos + 1}")
            if self.at("("):
                return Call("." + name.text, self.args(")"))
            return Ident("." + name.text)
        if self.at("("):
            self.take()
            node = self.expr()
            self.expect(")")
            return node
        if self.at("["):
            return ListLit(self.args("]"))
        if self.at("{"):
            self.take()
            entries: list[tuple[Node, Node]] = []
            while not self.at("}"):
                if self.at("?"):
                    raise CelSyntaxError("unsupported syntax: optional map entry '{?k: v}'")
                key = self.expr()
                self.expect(":")
                entries.append((key, self.expr()))
                if not self.at(","):
                    break
                self.take()
            self.expect("}")
            return MapLit(tuple(entries))
        found = "end of expression" if tok.kind == "eof" else repr(tok.text)
        raise CelSyntaxError(f"unexpected {found} at column {tok.pos + 1}")


def parse(src: str) -> Node:
    """Parse CEL source into our small AST (immutable, memoized); raises :class:`CelSyntaxError`."""
    tree = _TREES.get(src)
    if tree is None:
        tree = _Parser(src).parse()
        if len(_TREES) >= 4096:
            _TREES.clear()
        _TREES[src] = tree
    return tree


_OPT_METHODS = frozenset({"optMap", "optFlatMap", "orValue", "or"})


def uses_optional_syntax(src: str) -> bool:
    """Whether the source needs a rewrite: ``.?``, ``[?``, ``optMap``/``optFlatMap``/``orValue``/``or`` or ``cel.bind``.

    A cheap token scan; sources without these compile unchanged (with the engine's own error positions).
    """
    toks = tokenize(src)
    for a, b in itertools.pairwise(toks):
        if a.kind == "punct" and a.text in (".", "[") and b.kind == "punct" and b.text == "?":
            return True
        if a.kind == "punct" and a.text == "." and b.kind == "ident" and b.text in _OPT_METHODS:
            return True
        if a.kind == "ident" and a.text == "cel" and b.kind == "punct" and b.text == ".":
            return True  # cel.bind()
    return False


# ---------------------------------------------------------------------------------------------------------- printer

# precedence levels: ternary 0, || 1, && 2, relations 3, + - 4, * / % 5, unary 6, member/primary 7
_BIN_PREC = {"||": 1, "&&": 2, "+": 4, "-": 4, "*": 5, "/": 5, "%": 5} | dict.fromkeys(_REL_OPS, 3)


@dataclass(frozen=True, slots=True)
class _Out:
    """Rewritten text and its precedence level; for an optional, how it is represented.

    * ``opt`` and ``guard``: a *guarded path*, present when ``guard`` holds, whose value is ``text``
      (``has(a.b) && has(a.b.c)`` / ``a.b.c``); used while the chain starts from a plain path, the common case,
      because it copies far less than the list form;
    * ``opt`` without ``guard``: the *list form*, ``text`` evaluates to ``[]`` or ``[value]``.
    """

    text: str
    prec: int
    opt: bool = False
    guard: str = ""


def _wrap(out: _Out, need: int) -> str:
    return out.text if out.prec >= need else f"({out.text})"


def _guarded(guard: str, path: str) -> _Out:
    return _Out(path, 7, opt=True, guard=guard)


def _is_string_literal(node: Node) -> bool:
    return isinstance(node, Literal) and node.text[:1] in "'\"rR" and not node.text[:2].lower().startswith("b")


def _pure_path(node: Node) -> bool:
    """An identifier followed by plain field selections and literal indexes: safe to repeat in a ``has()`` chain."""
    while True:
        if isinstance(node, Ident):
            return not node.name.startswith(".")
        plain_select = isinstance(node, Select) and not node.optional
        literal_index = isinstance(node, Index) and not node.optional and isinstance(node.key, Literal)
        if not (plain_select or literal_index):
            return False
        node = node.operand  # type: ignore[union-attr]


class _Rewriter:
    def __init__(self) -> None:
        self.counter = 0

    def fresh(self) -> str:
        self.counter += 1
        return f"__opt{self.counter}"

    # conversions ---------------------------------------------------------------------------------------------
    def listed(self, out: _Out) -> str:
        """The list form of any optional: list-form text, a guarded path, or a real optional value."""
        if out.opt and out.guard:
            return f"({out.guard} ? [{out.text}] : [])"
        if out.opt:
            return _wrap(out, 7)
        target = _wrap(out, 7)
        return f"({target}.hasValue() ? [{target}.value()] : [])"

    def real(self, out: _Out) -> _Out:
        """An optional as a real optional value; plain values unchanged."""
        if not out.opt:
            return out
        if out.guard:
            return _Out(f"({out.guard} ? optional.of({out.text}) : optional.none())", 7)
        lst = _wrap(out, 7)
        return _Out(f"(size({out.text}) > 0 ? optional.of({lst}[0]) : optional.none())", 7)

    # nodes ---------------------------------------------------------------------------------------------------
    def rw(self, node: Node) -> _Out:
        if isinstance(node, Literal):
            return _Out(node.text, 7)
        if isinstance(node, Raw):
            return _Out(f"({node.text})", 7)
        if isinstance(node, Ident):
            return _Out(node.name, 7)
        if isinstance(node, Select):
            return self.select(node)
        if isinstance(node, Index):
            return self.index(node)
        if isinstance(node, Call):
            return self.call(node)
        if isinstance(node, Unary):
            inner = self.real(self.rw(node.operand))
            return _Out(f"{node.op}{_wrap(inner, 6)}", 6)
        if isinstance(node, Binary):
            prec = _BIN_PREC[node.op]
            left = self.real(self.rw(node.left))
            right = self.real(self.rw(node.right))
            return _Out(f"{_wrap(left, prec)} {node.op} {_wrap(right, prec + 1)}", prec)
        if isinstance(node, Ternary):
            cond = self.real(self.rw(node.cond))
            then = self.real(self.rw(node.then))
            other = self.real(self.rw(node.other))
            return _Out(f"{_wrap(cond, 1)} ? {_wrap(then, 1)} : {_wrap(other, 0)}", 0)
        if isinstance(node, ListLit):
            items = ", ".join(self.real(self.rw(item)).text for item in node.items)
            return _Out(f"[{items}]", 7)
        entries = ", ".join(
            f"{self.real(self.rw(k)).text}: {self.real(self.rw(v)).text}" for k, v in node.entries
        )
        return _Out("{" + entries + "}", 7)

    def select(self, node: Select) -> _Out:
        base = self.rw(node.operand)
        field = node.field
        if base.guard:
            if node.optional:
                return _guarded(f"{base.guard} && has({base.text}.{field})", f"{base.text}.{field}")
            return _guarded(base.guard, f"{base.text}.{field}")
        if node.optional and not base.opt and _pure_path(node.operand):
            return _guarded(f"has({base.text}.{field})", f"{base.text}.{field}")
        v = self.fresh()
        if node.optional:
            src = self.listed(base) if base.opt else f"[{base.text}]"
            return _Out(f"{src}.filter({v}, has({v}.{field})).map({v}, {v}.{field})", 7, opt=True)
        if base.opt:
            return _Out(f"{_wrap(base, 7)}.map({v}, {v}.{field})", 7, opt=True)
        return _Out(f"{_wrap(base, 7)}.{field}", 7)

    def index(self, node: Index) -> _Out:
        base = self.rw(node.operand)
        key = self.rw(node.key)
        if key.opt:
            raise CelSyntaxError("unsupported syntax: an optional value used as an index")
        k = key.text
        if node.optional and _is_string_literal(node.key):
            if base.guard:
                return _guarded(f"{base.guard} && {k} in {base.text}", f"{base.text}[{k}]")
            if not base.opt and _pure_path(node.operand):
                return _guarded(f"{k} in {base.text}", f"{base.text}[{k}]")
        if not node.optional and base.guard:
            return _guarded(base.guard, f"{base.text}[{k}]")
        v = self.fresh()
        if node.optional:
            src = self.listed(base) if base.opt else f"[{base.text}]"
            if _is_string_literal(node.key):
                present = f"{k} in {v}"
            else:
                present = f"(type({v}) == list ? ({_wrap(key, 4)} >= 0 && {_wrap(key, 4)} < size({v})) : ({k}) in {v})"
            return _Out(f"{src}.filter({v}, {present}).map({v}, {v}[{k}])", 7, opt=True)
        if base.opt:
            return _Out(f"{_wrap(base, 7)}.map({v}, {v}[{k}])", 7, opt=True)
        return _Out(f"{_wrap(base, 7)}[{k}]", 7)

    def call(self, node: Call) -> _Out:
        if node.target is None:
            if node.name == "has" and len(node.args) == 1:
                arg = self.rw(node.args[0])
                if arg.opt:
                    raise CelSyntaxError("unsupported syntax: has() over an optional field selection")
                return _Out(f"has({arg.text})", 7)
            args = ", ".join(self.real(self.rw(a)).text for a in node.args)
            return _Out(f"{node.name}({args})", 7)
        if isinstance(node.target, Ident) and node.target.name == "cel" and node.name == "bind":
            # cel.bind(name, init, body) (Kubernetes' Bindings extension): evaluate init once, bind it in body
            if len(node.args) != 3 or not isinstance(node.args[0], Ident):
                raise CelSyntaxError("cel.bind() takes a variable name, an initial value and an expression")
            initial = self.real(self.rw(node.args[1])).text
            bound = self.real(self.rw(node.args[2])).text
            return _Out(f"[{initial}].map({node.args[0].name}, {bound})[0]", 7)
        target = self.rw(node.target)
        name = node.name
        if name in ("optMap", "optFlatMap"):
            if len(node.args) != 2 or not isinstance(node.args[0], Ident):
                raise CelSyntaxError(f"{name}() takes a variable name and an expression")
            var = node.args[0].name
            body = self.rw(node.args[1])
            lst = self.listed(target)
            if name == "optMap":
                return _Out(f"{lst}.map({var}, {self.real(body).text})", 7, opt=True)
            flat = f"{lst}.map({var}, {self.listed(body)})"
            return _Out(f"(size({flat}) > 0 ? {flat}[0] : [])", 7, opt=True)
        if not target.opt and name in ("orValue", "or") and len(node.args) == 1:
            # cel-go plans orValue/or specially: a receiver that is not an optional is returned unchanged.
            if _data_root(node.target) is not None:
                return target
            recv = _wrap(target, 7)
            alt = self.real(self.rw(node.args[0])).text
            return _Out(f"(type({recv}) == type(optional.none()) ? {recv}.{name}({alt}) : {recv})", 7)
        if target.opt:
            if name == "orValue" and len(node.args) == 1:
                default = self.real(self.rw(node.args[0]))
                if target.guard:  # like cel-go, the default is evaluated only when needed
                    return _Out(f"({target.guard} ? {target.text} : {_wrap(default, 0)})", 7)
                return _Out(f"({_wrap(target, 7)} + [{default.text}])[0]", 7)
            if name == "hasValue" and not node.args:
                if target.guard:
                    return _Out(f"({target.guard})", 7)
                return _Out(f"size({target.text}) > 0", 3)
            target = self.real(target)
        args = ", ".join(self.real(self.rw(a)).text for a in node.args)
        return _Out(f"{_wrap(target, 7)}.{name}({args})", 7)


_DATA_ROOTS = frozenset({"object", "oldObject", "request", "namespaceObject", "params"})


def _data_root(node: Node) -> str | None:
    """The root identifier of a plain field path into decoded JSON data (which never holds optionals)."""
    while isinstance(node, Select | Index) and not node.optional:
        node = node.operand
    if isinstance(node, Ident) and node.name in _DATA_ROOTS:
        return node.name
    return None


def variable_refs(src: str) -> tuple[str, ...]:
    """The ``variables.<name>`` references of an expression, in order of first appearance (token scan)."""
    toks = tokenize(src)
    refs: dict[str, None] = {}
    for a, b, c in zip(toks, toks[1:], toks[2:], strict=False):
        if a.kind == "ident" and a.text == "variables" and b.kind == "punct" and b.text == "." and c.kind == "ident":
            refs.setdefault(c.text, None)
    return tuple(refs)


def _inline(node: Node, defs: Mapping[str, str]) -> Node:
    """Replace ``variables.<name>`` by the (parenthesized, already rewritten) definition of ``name``."""
    if isinstance(node, Select):
        if not node.optional and isinstance(node.operand, Ident) and node.operand.name == "variables":
            text = defs.get(node.field)
            return node if text is None else Raw(text)
        return Select(_inline(node.operand, defs), node.field, node.optional)
    if isinstance(node, Index):
        return Index(_inline(node.operand, defs), _inline(node.key, defs), node.optional)
    if isinstance(node, Call):
        if node.target is None and node.name == "has":
            return node  # has(variables.x) tests the binding itself; keep it
        target = None if node.target is None else _inline(node.target, defs)
        return Call(node.name, tuple(_inline(a, defs) for a in node.args), target)
    if isinstance(node, Unary):
        return Unary(node.op, _inline(node.operand, defs))
    if isinstance(node, Binary):
        return Binary(node.op, _inline(node.left, defs), _inline(node.right, defs))
    if isinstance(node, Ternary):
        return Ternary(_inline(node.cond, defs), _inline(node.then, defs), _inline(node.other, defs))
    if isinstance(node, ListLit):
        return ListLit(tuple(_inline(i, defs) for i in node.items))
    if isinstance(node, MapLit):
        return MapLit(tuple((_inline(k, defs), _inline(v, defs)) for k, v in node.entries))
    return node


def rewrite(src: str, variables: Mapping[str, str] | None = None) -> str:
    """Plain CEL for ``src``: optional syntax rewritten and ``variables.<name>`` inlined from ``variables``.

    ``variables`` maps a name to its own *rewritten* definition. Inlining keeps Kubernetes' lazy semantics (a
    variable is evaluated only where it is used) without binding per-rule values into the shared activation, which
    would make the engine re-convert the whole object. Returns ``src`` unchanged when there is nothing to do.
    """
    inline = bool(variables) and any(name in variables for name in variable_refs(src))  # type: ignore[operator]
    if not inline and not uses_optional_syntax(src):
        return src
    tree = parse(src)
    if inline and variables:
        tree = _inline(tree, variables)
    rewriter = _Rewriter()
    return rewriter.real(rewriter.rw(tree)).text


def rewrite_optional(src: str) -> str:
    """Return ``src`` unchanged when it has no optional syntax, else an equivalent plain-CEL expression."""
    return rewrite(src)


# ------------------------------------------------------------------------------------------------ path binding

_MACROS = frozenset({"all", "exists", "exists_one", "map", "filter"})
_PATH_NAMES: dict[tuple[tuple[str, ...], bool], str] = {}


def _path_name(path: tuple[str, ...], has: bool) -> str:
    key = (path, has)
    name = _PATH_NAMES.get(key)
    if name is None:
        name = _PATH_NAMES[key] = f"__path{len(_PATH_NAMES) + 1}"
    return name


def _object_chain(node: Node) -> tuple[str, ...] | None:
    """The fields of a plain selection chain ``object.a.b`` (at least one field), else None."""
    fields: list[str] = []
    while isinstance(node, Select) and not node.optional:
        fields.append(node.field)
        node = node.operand
    if fields and isinstance(node, Ident) and node.name == "object":
        return tuple(reversed(fields))
    return None


def _shadows_object(node: Node) -> bool:
    """Whether a macro anywhere in ``node`` binds a variable named ``object``."""
    if isinstance(node, Call):
        if node.name in _MACROS and any(isinstance(a, Ident) and a.name == "object" for a in node.args):
            return True
        return any(_shadows_object(a) for a in node.args) or (
            node.target is not None and _shadows_object(node.target)
        )
    if isinstance(node, Select):
        return _shadows_object(node.operand)
    if isinstance(node, Index):
        return _shadows_object(node.operand) or _shadows_object(node.key)
    if isinstance(node, Unary):
        return _shadows_object(node.operand)
    if isinstance(node, Binary):
        return _shadows_object(node.left) or _shadows_object(node.right)
    if isinstance(node, Ternary):
        return _shadows_object(node.cond) or _shadows_object(node.then) or _shadows_object(node.other)
    if isinstance(node, ListLit):
        return any(_shadows_object(i) for i in node.items)
    if isinstance(node, MapLit):
        return any(_shadows_object(k) or _shadows_object(v) for k, v in node.entries)
    return False


def _bind(node: Node, found: dict[str, tuple[tuple[str, ...], bool]]) -> Node:
    if isinstance(node, Select):
        path = _object_chain(node)
        if path is not None:
            name = _path_name(path, False)
            found[name] = (path, False)
            return Ident(name)
        return Select(_bind(node.operand, found), node.field, node.optional)
    if isinstance(node, Call):
        if node.target is None and node.name == "has" and len(node.args) == 1:
            path = _object_chain(node.args[0])
            if path is not None:
                name = _path_name(path, True)
                found[name] = (path, True)
                return Ident(name)
            return node
        target = None if node.target is None else _bind(node.target, found)
        return Call(node.name, tuple(_bind(a, found) for a in node.args), target)
    if isinstance(node, Index):
        return Index(_bind(node.operand, found), _bind(node.key, found), node.optional)
    if isinstance(node, Unary):
        return Unary(node.op, _bind(node.operand, found))
    if isinstance(node, Binary):
        return Binary(node.op, _bind(node.left, found), _bind(node.right, found))
    if isinstance(node, Ternary):
        return Ternary(_bind(node.cond, found), _bind(node.then, found), _bind(node.other, found))
    if isinstance(node, ListLit):
        return ListLit(tuple(_bind(i, found) for i in node.items))
    if isinstance(node, MapLit):
        return MapLit(tuple((_bind(k, found), _bind(v, found)) for k, v in node.entries))
    return node


def _prec(node: Node) -> int:
    if isinstance(node, Ternary):
        return 0
    if isinstance(node, Binary):
        return _BIN_PREC[node.op]
    if isinstance(node, Unary):
        return 6
    return 7


def _text(node: Node, need: int = 0) -> str:
    """Plain CEL text of a tree without optional syntax, parenthesized where its precedence is below ``need``."""
    if isinstance(node, Literal | Ident):
        text = node.name if isinstance(node, Ident) else node.text
    elif isinstance(node, Raw):
        text = f"({node.text})"
    elif isinstance(node, Select):
        text = f"{_text(node.operand, 7)}.{node.field}"
    elif isinstance(node, Index):
        text = f"{_text(node.operand, 7)}[{_text(node.key)}]"
    elif isinstance(node, Call):
        args = ", ".join(_text(a) for a in node.args)
        text = f"{node.name}({args})" if node.target is None else f"{_text(node.target, 7)}.{node.name}({args})"
    elif isinstance(node, Unary):
        text = f"{node.op}{_text(node.operand, 6)}"
    elif isinstance(node, Binary):
        prec = _BIN_PREC[node.op]
        text = f"{_text(node.left, prec)} {node.op} {_text(node.right, prec + 1)}"
    elif isinstance(node, Ternary):
        text = f"{_text(node.cond, 1)} ? {_text(node.then, 1)} : {_text(node.other, 0)}"
    elif isinstance(node, ListLit):
        text = "[" + ", ".join(_text(i) for i in node.items) + "]"
    else:
        text = "{" + ", ".join(f"{_text(k)}: {_text(v)}" for k, v in node.entries) + "}"
    return text if _prec(node) >= need else f"({text})"


def bind_object_paths(src: str) -> tuple[str, dict[str, tuple[tuple[str, ...], bool]]]:
    """``src`` (plain CEL) with each field chain ``object.a.b`` replaced by a variable, and those variables.

    The Rust engine copies a map on every member access, so ``object.spec.x`` costs in proportion to the whole
    object; a variable bound to the value at ``object.a.b`` costs in proportion to that value only. Each variable maps
    to ``(path, has)``: ``has`` False binds the value at ``path``, ``has`` True binds the result of
    ``has(object.<path>)`` (``path[-1] in`` the map at ``path[:-1]``). The caller binds a variable only when the path
    resolves (to a map, for ``has``); otherwise the variable stays undefined, the engine reports an error and the
    caller takes the slow path with the original expression, exactly as for the missing key in the original. Returns
    ``(src, {})`` when nothing applies.
    """
    tree = parse(src)
    if _shadows_object(tree):
        return src, {}
    found: dict[str, tuple[tuple[str, ...], bool]] = {}
    bound = _bind(tree, found)
    if not found:
        return src, {}
    return _text(bound), found
