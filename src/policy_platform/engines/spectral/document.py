"""Documents as Spectral sees them: YAML 1.2 core data plus lazily computed 0-based ranges.

libyaml composes the node tree in C; one Python pass builds the plain data from it, and ranges are computed from the
nodes only for the paths a result needs:

* scalars follow the YAML 1.2 core schema as Spectral's parser does (``yes``/``on`` stay strings, ``~``/``null``/empty
  are null, ``0x1f``/``0o17`` integers, ``.nan``/``.inf`` floats, no timestamps); keys become JavaScript property names;
* merge keys ``<<`` are resolved (explicit keys win); ``*alias`` values share the anchor's data;
* duplicate keys are kept as diagnostics (``Duplicate key: name`` at the key's range; the last value wins), several
  documents in one stream give ``Expected a single document in the stream, but found more``, and a syntax error gives
  a ``parser`` diagnostic at the problem mark;
* :meth:`ParsedDocument.range_for` returns Spectral's range for a path: a scalar's own span, a collection under a key
  from just after the ``:`` to the end of its last member (flow collections too), the whole
  document for ``[]``, the anchor's range for an alias, and ``(0,0)-(0,0)`` for a path that goes *through* an alias
  (as Spectral reports). Characters are UTF-16 code units, as in JavaScript.
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

_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_IMPLICIT = "?implicit"


class _ComposeLoader(_BaseLoader):  # type: ignore[misc]
    """Composes nodes only; implicit scalars keep a marker tag so we type them ourselves (YAML 1.2 core)."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        del kind, value, implicit
        return _IMPLICIT


_INT = re.compile(r"^[-+]?[0-9]+$")
_OCT = re.compile(r"^0o[0-7]+$")
_HEX = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_INF = re.compile(r"^[-+]?\.(?:inf|Inf|INF)$")
_NAN = re.compile(r"^\.(?:nan|NaN|NAN)$")
_NULLS = frozenset(("", "~", "null", "Null", "NULL"))
_TRUE = frozenset(("true", "True", "TRUE"))
_FALSE = frozenset(("false", "False", "FALSE"))
_MERGE = "<<"


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


def _scalar(node: Any) -> Any:
    tag = node.tag
    if tag == _IMPLICIT:
        return node.value if node.style else resolve_plain(node.value)
    short = tag.rsplit(":", 1)[-1] if tag.startswith("tag:yaml.org,2002:") else tag.lstrip("!")
    if short == "str":
        return node.value
    value = resolve_plain(node.value)
    if short == "float" and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def js_key(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return "[object Object]"
    return to_string(value)


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A parser problem: message, path of the offending key (or ``()``), its range, and the parserOptions kind."""

    message: str
    path: tuple[str | int, ...]
    range: Range
    kind: str  # duplicateKeys | error


def _is_merge_key(node: Any) -> bool:
    return type(node) is yaml.ScalarNode and node.value == _MERGE and not node.style


@dataclass(slots=True)
class ParsedDocument:
    """A linted document: its data, display source, text, and the composed node tree (``root``) for ranges."""

    data: Any
    source: str
    text: str
    root: Any
    diagnostics: list[Diagnostic] = field(default_factory=list)
    fatal: bool = False
    alias_slots: set[tuple[int, int]] = field(default_factory=set)
    _lines: list[str] | None = None
    _entries: dict[int, dict[str, tuple[Any, Any, int, Any]]] = field(default_factory=dict)
    _ends: dict[int, Pos] = field(default_factory=dict)
    _unclosed: set[int] = field(default_factory=set)

    def mark_unclosed(self, start_index: int) -> None:
        """Give the collection starting at ``start_index`` (left open by a syntax error) the end-of-stream range."""
        eof = self._text_end()
        stack = [self.root]
        while stack:
            node = stack.pop()
            if node is None:
                continue
            if type(node) is not yaml.ScalarNode and node.start_mark.index == start_index:
                self._unclosed.add(id(node))
                self._ends[id(node)] = eof
                return
            if type(node) is yaml.SequenceNode:
                stack.extend(node.value)
            elif type(node) is yaml.MappingNode:
                stack.extend(v for _, v in node.value)

    # ---- ranges
    def range_for(self, path: Sequence[str | int]) -> Range:
        """Spectral's range for ``path`` (the deepest existing node's when ``path`` does not exist)."""
        node = self.root
        if node is None:
            return DEFAULT_RANGE
        if not path:
            end = self._end(node) if type(node) is not yaml.ScalarNode else self._text_end()
            return self._utf16(((0, 0), end))
        start: Pos = (node.start_mark.line, node.start_mark.column)
        through_alias = False
        for segment in path:
            if through_alias:
                return DEFAULT_RANGE
            kind = type(node)
            if kind is yaml.MappingNode:
                entry = self._entry_map(node).get(str(segment))
                if entry is None:
                    break
                key_node, child, slot, owner = entry
                through_alias = (id(owner), slot) in self.alias_slots
                empty = type(child) is yaml.ScalarNode and child.start_mark.index == child.end_mark.index
                if id(child) in self._unclosed:
                    start = self._text_end()
                elif type(child) is not yaml.ScalarNode or empty:
                    start = (key_node.end_mark.line, key_node.end_mark.column + 1)
                else:
                    start = (child.start_mark.line, child.start_mark.column)
                node = child
            elif kind is yaml.SequenceNode:
                try:
                    index = int(segment)
                except ValueError:
                    break
                if not 0 <= index < len(node.value):
                    break
                through_alias = (id(node), index) in self.alias_slots
                node = node.value[index]
                start = (node.start_mark.line, node.start_mark.column)
            else:
                break
        return self._utf16((start, self._end(node)))

    def _entry_map(self, node: Any) -> dict[str, tuple[Any, Any, int, Any]]:
        cached = self._entries.get(id(node))
        if cached is not None:
            return cached
        entries: dict[str, tuple[Any, Any, int, Any]] = {}
        merged: list[Any] = []
        for slot, (key_node, value_node) in enumerate(node.value):
            if _is_merge_key(key_node):
                if type(value_node) is yaml.SequenceNode:
                    merged.extend(value_node.value)
                else:
                    merged.append(value_node)
                continue
            key = js_key(_scalar(key_node)) if type(key_node) is yaml.ScalarNode else "[object Object]"
            entries[key] = (key_node, value_node, slot, node)
        for source in merged:
            if type(source) is yaml.MappingNode:
                for key, entry in self._entry_map(source).items():
                    entries.setdefault(key, entry)
        self._entries[id(node)] = entries
        return entries

    def _end(self, node: Any) -> Pos:
        """Where a node's range ends, as Spectral's YAML parser reports it: a collection (block or flow, also in JSON
        documents) ends where its last member ends, not at its closing bracket; an empty ``[]``/``{}`` just after the
        bracket. Followed iteratively, so deep documents cannot exhaust the stack."""
        chain: list[Any] = []
        current = node
        while True:
            cached = self._ends.get(id(current))
            if cached is not None:
                end = cached
                break
            kind = type(current)
            if kind is yaml.ScalarNode or not current.value:
                end = self._leaf_end(current)
                break
            chain.append(current)
            last = len(current.value) - 1
            if kind is yaml.SequenceNode:
                child, before = current.value[last], (current.value[last - 1] if last else None)
            else:
                before, child = current.value[last]
            if (id(current), last) in self.alias_slots:
                end = self._alias_end(current, before)
                break
            current = child
        for item in chain:
            self._ends[id(item)] = end
        self._ends[id(node)] = end
        return end

    def _leaf_end(self, node: Any) -> Pos:
        if type(node) is yaml.ScalarNode:
            if node.style in ("|", ">"):
                return self._trim_end(node.end_mark.index)
            return (node.end_mark.line, node.end_mark.column)
        if node.flow_style:
            return (node.end_mark.line, node.end_mark.column)  # an empty [] or {}: just after the bracket
        return (node.start_mark.line, node.start_mark.column)

    def _alias_end(self, owner: Any, before: Any) -> Pos:
        """The end of an ``*alias`` token that is a collection's last member, found in the text."""
        start_index = before.end_mark.index if before is not None else owner.start_mark.index
        star = self.text.find("*", start_index)
        if star < 0:
            return (owner.end_mark.line, owner.end_mark.column)
        index = star + 1
        while index < len(self.text) and not self.text[index].isspace() and self.text[index] not in ",]}":
            index += 1
        return self._pos_of(index)

    def _trim_end(self, index: int) -> Pos:
        text = self.text
        while index > 0 and text[index - 1] in " \t\r\n":
            index -= 1
        return self._pos_of(index)

    def _pos_of(self, index: int) -> Pos:
        line = self.text.count("\n", 0, index)
        return (line, index - (self.text.rfind("\n", 0, index) + 1))

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


_PLAIN_STRING_START = frozenset("abcdeghijklmopqrsuvwxyzABCDEGHIJKLMOPQRSUVWXYZ_/\"'$@")


class _Builder:
    """One pass over the composed nodes: plain data, alias slots and duplicate-key diagnostics."""

    def __init__(self) -> None:
        self.values: dict[int, Any] = {}
        self.alias_slots: set[tuple[int, int]] = set()
        self.diagnostics: list[Diagnostic] = []
        self.path: list[str | int] = []

    def build(self, node: Any) -> Any:
        values = self.values
        if type(node) is yaml.ScalarNode:
            text = node.value
            if node.tag == _IMPLICIT and not node.style:
                value: Any = text if text and text[0] in _PLAIN_STRING_START else resolve_plain(text)
            else:
                value = _scalar(node)
            values[id(node)] = value
            return value
        path = self.path
        if type(node) is yaml.SequenceNode:
            seq: list[Any] = []
            values[id(node)] = seq
            for index, item in enumerate(node.value):
                cached = values.get(id(item), _MISSING)
                if cached is not _MISSING:
                    self.alias_slots.add((id(node), index))
                    seq.append(cached)
                    continue
                path.append(index)
                seq.append(self.build(item))
                path.pop()
            return seq
        obj: dict[str, Any] = {}
        values[id(node)] = obj
        merges: list[Any] = []
        for slot, (key_node, value_node) in enumerate(node.value):
            if type(key_node) is yaml.ScalarNode:
                key_text = key_node.value
                if key_text == _MERGE and not key_node.style:
                    merged = values.get(id(value_node), _MISSING)
                    if merged is _MISSING:
                        merged = self.build(value_node)
                    else:
                        self.alias_slots.add((id(node), slot))
                    merges.extend(merged if isinstance(merged, list) else [merged])
                    continue
                if key_node.tag == _IMPLICIT and (key_node.style or (key_text and key_text[0] in _PLAIN_STRING_START)):
                    key = key_text
                else:
                    key = js_key(_scalar(key_node))
            else:
                key = "[object Object]"
            cached = values.get(id(value_node), _MISSING)
            if cached is not _MISSING:
                self.alias_slots.add((id(node), slot))
                value = cached
            else:
                path.append(key)
                value = self.build(value_node)
                path.pop()
            if key in obj:
                rng = ((key_node.start_mark.line, key_node.start_mark.column),
                       (key_node.end_mark.line, key_node.end_mark.column))
                self.diagnostics.append(Diagnostic(f"Duplicate key: {key}", (*path, key), rng, "duplicateKeys"))
            obj[key] = value
        for merged in merges:
            if isinstance(merged, dict):
                for key, value in merged.items():
                    obj.setdefault(key, value)
        return obj


_MISSING = object()


def _partial_root(text: str) -> Any:
    """The node tree of the part of a broken document that parsed: the events before the error, with every open
    collection closed at the error (a dangling mapping key is dropped). None when nothing parsed."""
    loader = _ComposeLoader(text)
    events: list[Any] = []
    try:
        while loader.check_event():
            events.append(loader.get_event())
    except yaml.YAMLError:
        pass
    finally:
        loader.dispose()
    anchors: dict[str, Any] = {}
    stack: list[tuple[Any, list[Any]]] = []  # (collection node, pending mapping key)
    root: Any = None
    last_mark: Any = None

    def attach(node: Any) -> bool:
        nonlocal root
        if not stack:
            if root is not None:
                return False
            root = node
            return True
        parent, pending = stack[-1]
        if type(parent) is yaml.SequenceNode:
            parent.value.append(node)
        elif pending:
            parent.value.append((pending.pop(), node))
        else:
            pending.append(node)
        return True

    for event in events:
        kind = type(event)
        last_mark = event.end_mark
        if kind is yaml.ScalarEvent:
            tag = event.tag if event.tag and event.tag != "!" else _IMPLICIT
            node: Any = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style or "")
        elif kind is yaml.AliasEvent:
            node = anchors.get(event.anchor)
            if node is None:
                break
        elif kind in (yaml.SequenceStartEvent, yaml.MappingStartEvent):
            cls = yaml.SequenceNode if kind is yaml.SequenceStartEvent else yaml.MappingNode
            node = cls(event.tag or _IMPLICIT, [], event.start_mark, event.end_mark, event.flow_style)
            if event.anchor:
                anchors[event.anchor] = node
            if not attach(node):
                break
            stack.append((node, []))
            continue
        elif kind in (yaml.SequenceEndEvent, yaml.MappingEndEvent):
            if stack:
                stack.pop()[0].end_mark = event.end_mark
            continue
        elif kind is yaml.DocumentEndEvent and root is not None:
            break
        else:
            continue
        if kind is yaml.ScalarEvent and event.anchor:
            anchors[event.anchor] = node
        if not attach(node):
            break
    while stack:
        open_node, _ = stack.pop()
        if last_mark is not None:
            open_node.end_mark = last_mark
    return root


def _unclosed_flow(exc: yaml.YAMLError, text: str) -> tuple[int, list[Diagnostic]] | None:
    """A flow collection left open (``replicas: [1, 2`` …): Spectral's parser reads on to the end of the stream and
    reports ``Invalid mixed usage of block and flow styles`` (from the next line to the end, when there is more) and
    ``Unexpected end of the stream within a flow collection`` (at the end). Returns the collection's start offset and
    those diagnostics."""
    context = getattr(exc, "context", None) or ""
    mark = getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or ""
    unclosed = context in ("while parsing a flow sequence", "while parsing a flow mapping") and problem in (
        "did not find expected ',' or ']'", "did not find expected ',' or '}'")
    if mark is None or not unclosed:
        return None
    lines = text.split("\n")
    eof: Pos = (len(lines) - 1, len(lines[-1]))
    out: list[Diagnostic] = []
    if any(line.strip() for line in lines[mark.line + 1 :]):
        out.append(Diagnostic("Invalid mixed usage of block and flow styles", (), ((mark.line + 1, 0), eof), "error"))
    out.append(Diagnostic("Unexpected end of the stream within a flow collection", (), (eof, eof), "error"))
    return mark.index, out


def _problem(exc: yaml.YAMLError) -> tuple[str, Pos]:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    pos: Pos = (mark.line, mark.column) if mark is not None else (0, 0)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return (problem[:1].upper() + problem[1:] if problem else "Invalid YAML"), pos


def parse_document(text: str, source: str) -> ParsedDocument:
    """Parse YAML or JSON text into a :class:`ParsedDocument`; problems become diagnostics, never exceptions."""
    loader = _ComposeLoader(text)
    try:
        root = loader.get_single_node()
    except yaml.composer.ComposerError as exc:
        message, pos = _problem(exc)
        if "single document" in str(exc):
            message = "Expected a single document in the stream, but found more"
        return ParsedDocument(None, source, text, None, [Diagnostic(message, (), (pos, pos), "error")], fatal=True)
    except yaml.YAMLError as exc:
        message, pos = _problem(exc)
        diagnostics = [Diagnostic(message, (), (pos, pos), "error")]
        partial = _partial_root(text)
        unclosed = _unclosed_flow(exc, text)
        if unclosed is not None:
            diagnostics = unclosed[1]
        if partial is None:
            return ParsedDocument(None, source, text, None, diagnostics, fatal=True)
        builder = _Builder()
        data = builder.build(partial)
        doc = ParsedDocument(data, source, text, partial, [*diagnostics, *builder.diagnostics],
                             alias_slots=builder.alias_slots)
        if unclosed is not None:
            doc.mark_unclosed(unclosed[0])
        return doc
    finally:
        loader.dispose()
    if root is None:
        return ParsedDocument(None, source, text, None)
    builder = _Builder()
    try:
        data = builder.build(root)
    except RecursionError:
        message = "Exceeded maximum nesting depth"
        return ParsedDocument(None, source, text, None, [Diagnostic(message, (), DEFAULT_RANGE, "error")], fatal=True)
    if builder.alias_slots and _expanded_size(data) > MAX_EXPANDED_NODES:
        message = f"Aliases expand the document beyond {MAX_EXPANDED_NODES} nodes; not linted"
        return ParsedDocument(None, source, text, None, [Diagnostic(message, (), DEFAULT_RANGE, "error")], fatal=True)
    return ParsedDocument(data, source, text, root, builder.diagnostics, alias_slots=builder.alias_slots)


MAX_EXPANDED_NODES = 1_000_000


def _expanded_size(data: Any) -> int:
    """How many nodes a walk of ``data`` visits, counting shared (aliased) containers each time (a "billion laughs"
    document is tiny on disk and shared in memory, but JSONPath ``..`` would walk every expansion)."""
    sizes: dict[int, int] = {}

    def size(value: Any) -> int:
        if not isinstance(value, dict | list):
            return 1
        known = sizes.get(id(value))
        if known is not None:
            return known
        children = value.values() if isinstance(value, dict) else value
        total = 1
        for child in children:
            total += size(child)
            if total > MAX_EXPANDED_NODES:
                break
        sizes[id(value)] = total
        return total

    return size(data)
