"""Documents as Spectral sees them: YAML 1.2 core data plus a position tree for 0-based ranges.

One pass over libyaml's events builds both the plain data and a light node tree (no second parse):

* scalars follow the YAML 1.2 core schema as Spectral's parser does (``yes``/``on`` stay strings, ``~``/``null``/empty
  are null, ``0x1f``/``0o17`` integers, ``.nan``/``.inf`` floats, no timestamps); keys become JavaScript property names;
* merge keys ``<<`` are resolved (explicit keys win); ``*alias`` values share the anchor's data;
* duplicate keys are kept as diagnostics (``Duplicate key: name`` at the key's range; the last value wins), several
  documents in one stream give ``Expected a single document in the stream, but found more``, and a syntax error gives
  a ``parser`` diagnostic at the problem mark;
* :meth:`ParsedDocument.range_for` returns Spectral's range for a path: a scalar's own span, a collection under a key
  from
  just after the ``:`` to the end of its last entry, the whole document for ``[]``, ``(0,0)-(0,0)`` through an alias.
  Characters are UTF-16 code units, as in JavaScript.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from policy_platform.engines.spectral.jsvalue import to_string

Pos = tuple[int, int]
Range = tuple[Pos, Pos]
DEFAULT_RANGE: Range = ((0, 0), (0, 0))

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_INT = re.compile(r"^[-+]?[0-9]+$")
_OCT = re.compile(r"^0o[0-7]+$")
_HEX = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_INF = re.compile(r"^[-+]?\.(?:inf|Inf|INF)$")
_NAN = re.compile(r"^\.(?:nan|NaN|NAN)$")
_NULLS = frozenset(("", "~", "null", "Null", "NULL"))
_TRUE = frozenset(("true", "True", "TRUE"))
_FALSE = frozenset(("false", "False", "FALSE"))


def resolve_plain(text: str) -> Any:
    """Type a plain scalar with the YAML 1.2 core schema."""
    if text in _NULLS:
        return None
    first = text[0]
    if first in "tTfF":
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        return text
    if first in "0123456789+-.":
        if _INT.match(text):
            return int(text)
        if _FLOAT.match(text):
            return float(text)
        if _HEX.match(text):
            return int(text[2:], 16)
        if _OCT.match(text):
            return int(text[2:], 8)
        if _INF.match(text):
            return -math.inf if text.startswith("-") else math.inf
        if _NAN.match(text):
            return math.nan
    return text


def _tagged(tag: str, text: str) -> Any:
    short = tag.rsplit(":", 1)[-1] if tag.startswith("tag:yaml.org,2002:") else tag.lstrip("!")
    if short == "str":
        return text
    if short in ("int", "float", "bool", "null"):
        value = resolve_plain(text)
        if short == "float" and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        return value
    return resolve_plain(text)


class Node:
    """A position-tree node: ``kind`` is map, seq or scalar; ranges are (line, column) code-point pairs."""

    __slots__ = ("alias", "end", "entries", "items", "kind", "start")

    def __init__(self, kind: str, start: Pos, end: Pos) -> None:
        self.kind = kind
        self.start = start
        self.end = end
        self.entries: dict[str, tuple[Pos, Pos, Node]] | None = None
        self.items: list[Node] | None = None
        self.alias = False


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A parser problem: message, path of the offending key (or ``()``), its range, and the parserOptions kind."""

    message: str
    path: tuple[str | int, ...]
    range: Range
    kind: str  # duplicateKeys | error


@dataclass(slots=True)
class ParsedDocument:
    """A linted document: its data, display source, text and position tree."""

    data: Any
    source: str
    text: str
    root: Node | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    fatal: bool = False
    _lines: list[str] | None = None

    def range_for(self, path: Sequence[str | int]) -> Range:
        """Spectral's range for ``path`` (which should exist in the data; otherwise the deepest existing node's)."""
        node = self.root
        if node is None:
            return DEFAULT_RANGE
        if not path:
            end = node.end if node.kind != "scalar" else self._text_end()
            return self._utf16(((0, 0), end))
        start: Pos = node.start
        for i, seg in enumerate(path):
            if node.alias and i > 0:
                return DEFAULT_RANGE
            if node.kind == "map" and node.entries is not None:
                entry = node.entries.get(str(seg))
                if entry is None:
                    break
                key_end, child = entry[1], entry[2]
                after_colon = child.kind != "scalar" or child.start == child.end
                start = (key_end[0], key_end[1] + 1) if after_colon else child.start
                node = child
            elif node.kind == "seq" and node.items is not None:
                try:
                    idx = int(seg)
                except ValueError:
                    break
                if not 0 <= idx < len(node.items):
                    break
                node = node.items[idx]
                start = node.start
            else:
                break
        return self._utf16((start, node.end))

    def _text_end(self) -> Pos:
        lines = self.lines()
        return (len(lines) - 1, len(lines[-1]))

    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = self.text.split("\n")
        return self._lines

    def _utf16(self, rng: Range) -> Range:
        if self.text.isascii():
            return rng
        return (self._pos16(rng[0]), self._pos16(rng[1]))

    def _pos16(self, pos: Pos) -> Pos:
        lines = self.lines()
        if pos[0] >= len(lines):
            return pos
        prefix = lines[pos[0]][: pos[1]]
        if all(ord(c) < 0x10000 for c in prefix):
            return pos
        return (pos[0], len(prefix.encode("utf-16-le")) // 2)


def js_key(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return "[object Object]"
    return to_string(value)


class _Builder:
    def __init__(self, text: str, json: bool = False) -> None:
        self.text = text
        self.json = json
        self.anchors: dict[str, tuple[Any, Node]] = {}
        self.diagnostics: list[Diagnostic] = []

    def mark(self, m: Any) -> Pos:
        return (m.line, m.column)

    def build(self, events: list[Any], i: int, path: tuple[str | int, ...]) -> tuple[Any, Node, int]:
        ev = events[i]
        cls = type(ev)
        if cls is yaml.ScalarEvent:
            text = ev.value
            if ev.style is None or ev.style == "":
                value = _tagged(ev.tag, text) if ev.tag and ev.tag != "!" else resolve_plain(text)
            else:
                value = _tagged(ev.tag, text) if ev.tag and ev.tag != "!" else text
            start = self.mark(ev.start_mark)
            end = self.mark(ev.end_mark)
            if ev.style in ("|", ">"):
                end = self._trim_end(ev.end_mark.index)
            node = Node("scalar", start, end)
            if ev.anchor:
                self.anchors[ev.anchor] = (value, node)
            return value, node, i + 1
        if cls is yaml.AliasEvent:
            found = self.anchors.get(ev.anchor)
            alias = Node("alias", self.mark(ev.start_mark), self.mark(ev.end_mark))
            alias.alias = True
            if found is None:
                self.diagnostics.append(
                    Diagnostic(f"Unidentified alias \"{ev.anchor}\"", path, (alias.start, alias.end), "error")
                )
                return None, alias, i + 1
            value, target = found
            alias.kind = target.kind
            alias.entries = target.entries
            alias.items = target.items
            return value, alias, i + 1
        if cls is yaml.SequenceStartEvent:
            start = self.mark(ev.start_mark)
            seq: list[Any] = []
            node = Node("seq", start, start)
            node.items = []
            if ev.anchor:
                self.anchors[ev.anchor] = (seq, node)
            i += 1
            while type(events[i]) is not yaml.SequenceEndEvent:
                value, child, i = self.build(events, i, (*path, len(seq)))
                seq.append(value)
                node.items.append(child)
            end_ev = events[i]
            if ev.flow_style:
                node.end = self.flow_end(end_ev, len(node.items))
            else:
                node.end = node.items[-1].end if node.items else start
            return seq, node, i + 1
        if cls is yaml.MappingStartEvent:
            start = self.mark(ev.start_mark)
            obj: dict[str, Any] = {}
            node = Node("map", start, start)
            node.entries = {}
            if ev.anchor:
                self.anchors[ev.anchor] = (obj, node)
            i += 1
            merges: list[tuple[Any, Node]] = []
            last_end = start
            seen: set[str] = set()
            while type(events[i]) is not yaml.MappingEndEvent:
                key_ev = events[i]
                key_value, key_node, i = self.build(events, i, path)
                is_merge = (
                    type(key_ev) is yaml.ScalarEvent and key_ev.value == "<<" and not key_ev.style
                )
                key = js_key(key_value)
                value, child, i = self.build(events, i, (*path, key))
                last_end = child.end
                if is_merge:
                    if isinstance(value, list):
                        merges.extend(zip(value, child.items or [], strict=False))
                    else:
                        merges.append((value, child))
                    continue
                if key in seen:
                    self.diagnostics.append(
                        Diagnostic(f"Duplicate key: {key}", (*path, key), (key_node.start, key_node.end),
                                   "duplicateKeys")
                    )
                seen.add(key)
                obj[key] = value
                node.entries[key] = (key_node.start, key_node.end, child)
            for merged_value, merged_node in merges:
                if isinstance(merged_value, dict) and merged_node.entries is not None:
                    for k, v in merged_value.items():
                        if k not in seen:
                            seen.add(k)
                            obj[k] = v
                            node.entries[k] = merged_node.entries[k]
            end_ev = events[i]
            node.end = self.flow_end(end_ev, len(node.entries)) if ev.flow_style else last_end
            return obj, node, i + 1
        raise yaml.YAMLError(f"unexpected event {cls.__name__}")

    def flow_end(self, end_event: Any, children: int) -> Pos:
        """Where Spectral ends a flow collection: at its closing bracket (YAML parser); for ``.json`` documents, one
        past the bracket minus one column per member (observed in Spectral 6.16.3's JSON ranges)."""
        line, col = self.mark(end_event.start_mark)
        return (line, max(0, col + 1 - children)) if self.json else (line, col)

    def _trim_end(self, index: int) -> Pos:
        text = self.text
        while index > 0 and text[index - 1] in " \t\r\n":
            index -= 1
        line = text.count("\n", 0, index)
        col = index - (text.rfind("\n", 0, index) + 1)
        return (line, col)


def parse_document(text: str, source: str) -> ParsedDocument:
    """Parse YAML or JSON text into a :class:`ParsedDocument`; problems become diagnostics, never exceptions."""
    builder = _Builder(text, json=source.endswith(".json"))
    try:
        events = list(yaml.parse(text, Loader=_Loader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        pos: Pos = (mark.line, mark.column) if mark is not None else (0, 0)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        message = problem[:1].upper() + problem[1:] if problem else "Invalid YAML"
        return ParsedDocument(None, source, text, None, [Diagnostic(message, (), (pos, pos), "error")], fatal=True)
    docs = [i for i, ev in enumerate(events) if type(ev) is yaml.DocumentStartEvent]
    if len(docs) > 1:
        second = events[docs[1]]
        mark = second.start_mark
        pos = (mark.line, mark.column) if mark is not None else (0, 0)
        return ParsedDocument(
            None, source, text, None,
            [Diagnostic("Expected a single document in the stream, but found more", (), (pos, pos), "error")],
            fatal=True,
        )
    if not docs or type(events[docs[0] + 1]) is yaml.DocumentEndEvent:
        return ParsedDocument(None, source, text, Node("scalar", (0, 0), (0, 0)))
    data, root, _ = builder.build(events, docs[0] + 1, ())
    return ParsedDocument(data, source, text, root, builder.diagnostics)
