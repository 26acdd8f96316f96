"""JSONPath in Spectral's dialect (nimma for ``given``, jsonpath-plus for ``field``), natively.

Syntax: ``$`` root; ``.name`` / ``['name']`` / ``["name"]``; ``[n]`` (also matches the key ``"n"`` of an object, as in
JavaScript); slices ``[a:b:c]``; ``*`` / ``[*]``; ``..`` (descendants or self, then the next selector); unions with
quoted or unquoted members ``['a','b']``, ``[get,put]``, ``.[a,b]``; filters ``[?(<JavaScript>)]`` (see
:mod:`.jsexpr`); ``~`` at the end (yield the property name instead of the value); ``^`` (the parent of each match);
type selectors ``@string() @number() @integer() @boolean() @null() @array() @object() @scalar()``.

Evaluation yields ``(path, value)`` pairs where ``path`` is a tuple of ``str`` keys and ``int`` indexes from the
document root, de-duplicated in first-seen order. Objects are visited in JavaScript key order.

Example::

    >>> compile_path("$.env[?(@.name == 'DEBUG')].value").evaluate({"env": [{"name": "DEBUG", "value": "1"}]})
    [(('env', 0, 'value'), '1')]
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from policy_platform.engines.spectral.jsexpr import Compiled, JsSyntaxError, Scope, compile_filter
from policy_platform.engines.spectral.jsvalue import is_number, js_items, truthy

Path = tuple[str | int, ...]
Match = tuple[Path, Any]

_TYPE_SELECTORS = ("string", "number", "integer", "boolean", "null", "array", "object", "scalar")


class JsonPathSyntaxError(ValueError):
    """An expression that is not valid JSONPath in Spectral's dialect."""


@dataclass(frozen=True, slots=True)
class Selector:
    """One member of a bracket (or a dot step): kind is name, index, slice, wild or filter."""

    kind: str
    value: Any = None
    source: str = ""


@dataclass(frozen=True, slots=True)
class Step:
    """kind: child, desc (descendants-or-self then selectors), parent (``^``) or type (``@string()``)."""

    kind: str
    selectors: tuple[Selector, ...] = ()
    type_name: str = ""


@dataclass(frozen=True, slots=True)
class JsonPath:
    """A compiled expression. ``engine`` is ``nimma`` (rule ``given``) or ``jsonpath-plus`` (``field``)."""

    source: str
    steps: tuple[Step, ...]
    key: bool
    engine: str = "nimma"

    def evaluate(self, root: Any) -> list[Match]:
        nodes: list[Match] = [((), root)]
        for step in self.steps:
            nodes = _apply(step, nodes, root, self.engine)
            if not nodes:
                return []
        seen: set[Path] = set()
        out: list[Match] = []
        for path, value in nodes:
            if path in seen:
                continue
            seen.add(path)
            out.append((path, path[-1] if self.key and path else value) if self.key else (path, value))
        return out


def compile_path(expr: str, *, engine: str = "nimma") -> JsonPath:
    """Parse ``expr``; raise :class:`JsonPathSyntaxError` with the reason when it is invalid."""
    try:
        steps, key = _Parser(expr).parse()
    except JsSyntaxError as exc:
        raise JsonPathSyntaxError(f"invalid filter in {expr!r}: {exc}") from None
    return JsonPath(expr, tuple(steps), key, engine)


class _Parser:
    def __init__(self, src: str) -> None:
        self.src = src
        self.i = 0

    def fail(self, why: str) -> JsonPathSyntaxError:
        return JsonPathSyntaxError(f"invalid JSONPath {self.src!r} at position {self.i}: {why}")

    def parse(self) -> tuple[list[Step], bool]:
        src = self.src
        if not src.startswith("$"):
            raise self.fail("must start with '$'")
        self.i = 1
        steps: list[Step] = []
        key = False
        n = len(src)
        while self.i < n:
            if key:
                raise self.fail("'~' must be last")
            ch = src[self.i]
            if src.startswith("..", self.i):
                self.i += 2
                if self.i >= n:
                    raise self.fail("'..' needs a selector")
                if src[self.i] == "[":
                    steps.append(Step("desc", self.bracket()))
                elif src[self.i] == "*":
                    self.i += 1
                    steps.append(Step("desc", (Selector("wild"),)))
                else:
                    steps.append(Step("desc", (Selector("name", self.name()),)))
            elif ch == ".":
                self.i += 1
                if self.i >= n:
                    raise self.fail("'.' needs a selector")
                if src[self.i] == "*":
                    self.i += 1
                    steps.append(Step("child", (Selector("wild"),)))
                elif src[self.i] == "[":
                    steps.append(Step("child", self.bracket()))
                else:
                    steps.append(Step("child", (Selector("name", self.name()),)))
            elif ch == "[":
                steps.append(Step("child", self.bracket()))
            elif ch == "~":
                self.i += 1
                key = True
            elif ch == "^":
                self.i += 1
                steps.append(Step("parent"))
            elif ch == "@":
                steps.append(Step("type", type_name=self.type_selector()))
            elif ch == "*":
                self.i += 1
                steps.append(Step("child", (Selector("wild"),)))
            else:
                raise self.fail(f"unexpected {ch!r}")
        return steps, key

    def type_selector(self) -> str:
        for name in _TYPE_SELECTORS:
            token = f"@{name}()"
            if self.src.startswith(token, self.i):
                self.i += len(token)
                return name
        raise self.fail("unknown type selector")

    def name(self) -> str:
        src = self.src
        start = self.i
        while self.i < len(src):
            ch = src[self.i]
            if ch in ".[]~^ ":
                break
            if ch == "@" and any(src.startswith(f"@{t}()", self.i) for t in _TYPE_SELECTORS):
                break
            self.i += 1
        if self.i == start:
            raise self.fail("empty member name")
        return src[start : self.i]

    def bracket(self) -> tuple[Selector, ...]:
        src = self.src
        assert src[self.i] == "["
        self.i += 1
        out: list[Selector] = []
        while True:
            self.skip_ws()
            if self.i >= len(src):
                raise self.fail("unclosed '['")
            ch = src[self.i]
            if ch == "?":
                out.append(self.filter())
            elif ch in "'\"":
                out.append(Selector("name", self.quoted()))
            elif ch == "*":
                self.i += 1
                out.append(Selector("wild"))
            elif ch == "(":
                raise self.fail("script expressions are not supported")
            else:
                out.append(self.bare())
            self.skip_ws()
            if self.i >= len(src):
                raise self.fail("unclosed '['")
            if src[self.i] == ",":
                self.i += 1
                continue
            if src[self.i] == "]":
                self.i += 1
                return tuple(out)
            raise self.fail(f"unexpected {src[self.i]!r} in brackets")

    def skip_ws(self) -> None:
        while self.i < len(self.src) and self.src[self.i] == " ":
            self.i += 1

    def quoted(self) -> str:
        src = self.src
        quote = src[self.i]
        self.i += 1
        buf: list[str] = []
        while self.i < len(src) and src[self.i] != quote:
            if src[self.i] == "\\" and self.i + 1 < len(src):
                buf.append(src[self.i + 1])
                self.i += 2
                continue
            buf.append(src[self.i])
            self.i += 1
        if self.i >= len(src):
            raise self.fail("unterminated string")
        self.i += 1
        return "".join(buf)

    def bare(self) -> Selector:
        src = self.src
        start = self.i
        while self.i < len(src) and src[self.i] not in ",]":
            self.i += 1
        text = src[start : self.i].strip()
        if not text:
            raise self.fail("empty selector")
        if ":" in text:
            parts = text.split(":")
            if len(parts) > 3:
                raise self.fail("bad slice")
            try:
                nums = tuple(int(p) if p.strip() else None for p in parts)
            except ValueError:
                raise self.fail("bad slice") from None
            return Selector("slice", nums + (None,) * (3 - len(nums)))
        if text.lstrip("-").isdigit():
            return Selector("index", int(text))
        return Selector("name", text)

    def filter(self) -> Selector:
        src = self.src
        self.i += 1
        if self.i >= len(src) or src[self.i] != "(":
            raise self.fail("expected '(' after '?'")
        depth = 0
        start = self.i
        quote = ""
        while self.i < len(src):
            ch = src[self.i]
            if quote:
                if ch == "\\":
                    self.i += 2
                    continue
                if ch == quote:
                    quote = ""
            elif ch in "'\"":
                quote = ch
            elif ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
                if depth == 0:
                    break
            self.i += 1
        if self.i >= len(src):
            raise self.fail("unclosed filter")
        body = src[start + 1 : self.i]
        self.i += 1
        return Selector("filter", compile_filter(body), body)


def _children(value: Any) -> Iterator[tuple[str | int, Any]]:
    if isinstance(value, dict):
        yield from js_items(value)
    elif isinstance(value, list):
        yield from enumerate(value)


def _walk(path: Path, value: Any) -> Iterator[Match]:
    """Descendants-or-self in pre-order."""
    stack: list[Match] = [(path, value)]
    while stack:
        p, v = stack.pop()
        yield p, v
        if isinstance(v, dict | list):
            kids = list(_children(v))
            for k, child in reversed(kids):
                stack.append(((*p, k), child))


def _plus_path(path: Path) -> str:
    parts = ["$"]
    for seg in path:
        parts.append(f"[{seg}]" if isinstance(seg, int) else "['" + seg.replace("'", "\\'") + "']")
    return "".join(parts)


def _select(sel: Selector, path: Path, value: Any, root: Any, out: list[Match]) -> None:
    kind = sel.kind
    if kind == "name":
        name = sel.value
        if isinstance(value, dict):
            if name in value:
                out.append(((*path, name), value[name]))
        elif isinstance(value, list) and name.isdigit() and (name == "0" or name[0] != "0"):
            idx = int(name)
            if idx < len(value):
                out.append(((*path, idx), value[idx]))
    elif kind == "index":
        idx = sel.value
        if isinstance(value, list):
            if 0 <= idx < len(value):
                out.append(((*path, idx), value[idx]))
        elif isinstance(value, dict) and str(idx) in value:
            out.append(((*path, str(idx)), value[str(idx)]))
    elif kind == "wild":
        for k, child in _children(value):
            out.append(((*path, k), child))
    elif kind == "slice":
        if isinstance(value, list):
            start, stop, step = sel.value
            for idx in range(len(value))[slice(start, stop, step)]:
                out.append(((*path, idx), value[idx]))
    elif kind == "filter":
        if not isinstance(value, dict | list):
            return
        func: Compiled = sel.value
        parent_prop = path[-1] if path else None
        wants_path = "@path" in sel.source
        for k, child in _children(value):
            scope = Scope(child, k, parent_prop, value, _plus_path((*path, k)) if wants_path else "", root)
            if truthy(func(scope)):
                out.append(((*path, k), child))


def _type_ok(name: str, value: Any, engine: str) -> bool:
    if name == "string":
        return isinstance(value, str)
    if name == "number":
        return is_number(value)
    if name == "integer":
        return is_number(value) and float(value).is_integer()
    if name == "boolean":
        return isinstance(value, bool)
    if name == "null":
        return value is None
    if name == "array":
        return isinstance(value, list)
    if name == "object":
        return isinstance(value, dict)
    # nimma 0.2.3 matches nothing with @scalar(); jsonpath-plus matches every non-container.
    return engine != "nimma" and not isinstance(value, dict | list)


def _value_at(root: Any, path: Path) -> Any:
    value = root
    for seg in path:
        value = value[seg]
    return value


def _apply(step: Step, nodes: list[Match], root: Any, engine: str) -> list[Match]:
    out: list[Match] = []
    if step.kind == "child":
        for path, value in nodes:
            for sel in step.selectors:
                _select(sel, path, value, root, out)
    elif step.kind == "desc":
        for path, value in nodes:
            for p, v in _walk(path, value):
                for sel in step.selectors:
                    _select(sel, p, v, root, out)
    elif step.kind == "parent":
        for path, _value in nodes:
            if path:
                parent = path[:-1]
                out.append((parent, _value_at(root, parent)))
    else:
        out = [(p, v) for p, v in nodes if _type_ok(step.type_name, v, engine)]
    return out
