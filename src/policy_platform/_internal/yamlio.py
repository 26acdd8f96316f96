"""YAML loading: fast (libyaml) with Kubernetes-style scalars, and lazy line/column lookup beside the data.

* Scalars resolve as Kubernetes' decoder does: YAML 1.1 booleans (``yes``/``on``), leading-zero octals, ``1e3`` as a
  float, but no timestamps (``2024-01-01`` stays a string) and no base-60 numbers (``1:30`` stays a string).
* A stream is split at ``---`` lines first, so each :class:`Document` knows its first line; positions are computed only
  when a finding needs one, by composing that one document (cached). Positions are never injected into the data.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from policy_platform.errors import InputFileError

_BaseLoader: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


_STR_TAG = "tag:yaml.org,2002:str"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_SCALAR_TAGS = frozenset({"tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool",
                          "tag:yaml.org,2002:null"})


class _Fallback(Exception):
    """The fast constructor met something only the standard constructor handles (or reports)."""


_BUILDING = object()
_RESOLVED: dict[str, str] = {}  # plain scalar → tag, for KubeLoader's fixed resolver table


class KubeLoader(_BaseLoader):  # type: ignore[misc]
    """Safe loader with Kubernetes-like implicit typing.

    Documents of plain maps, lists and core scalars (the usual case) are built by a direct tree walk, several times
    faster than PyYAML's generic constructor and with the same result; anything else (merge keys, explicit or
    unknown tags, unhashable keys, recursive aliases) goes through the standard constructor, errors included.
    """

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        # BaseResolver.resolve for scalars without path resolvers, minus its per-call overhead (same answers)
        if kind is yaml.ScalarNode and not self.yaml_path_resolvers:
            if implicit[0]:
                cache = _RESOLVED if type(self) is KubeLoader else {}
                found = cache.get(value)
                if found is not None:
                    return found
                tag = self._resolve_plain(value)
                if len(cache) < 100_000 and len(value) <= 64:
                    cache[value] = tag
                return tag
            return self.DEFAULT_SCALAR_TAG
        return super().resolve(kind, value, implicit)

    @classmethod
    def _resolve_plain(cls, value: str) -> str:
        table = cls.yaml_implicit_resolvers
        for tag, regexp in table.get(value[0] if value else "", ()):
            if regexp.match(value):
                return str(tag)
        for tag, regexp in table.get(None, ()):
            if regexp.match(value):
                return str(tag)
        return str(cls.DEFAULT_SCALAR_TAG)

    def construct_document(self, node: Any) -> Any:
        try:
            return self._build(node, {})
        except (_Fallback, RecursionError):
            return super().construct_document(node)

    def _build(self, node: Any, memo: dict[int, Any]) -> Any:
        cls = node.__class__
        tag = node.tag
        if cls is yaml.ScalarNode:
            if tag == _STR_TAG:
                return node.value
            if tag in _SCALAR_TAGS:
                return self.yaml_constructors[tag](self, node)
            raise _Fallback
        nid = id(node)
        done = memo.get(nid)
        if done is not None:
            if done is _BUILDING:
                raise _Fallback
            return done
        memo[nid] = _BUILDING
        if cls is yaml.SequenceNode and tag == _SEQ_TAG:
            seq = [self._build(child, memo) for child in node.value]
            memo[nid] = seq
            return seq
        if cls is not yaml.MappingNode or tag != _MAP_TAG:
            raise _Fallback
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = self._build(key_node, memo)
            try:
                hash(key)
            except TypeError:
                raise _Fallback from None
            mapping[key] = self._build(value_node, memo)
        memo[nid] = mapping
        return mapping


_INT = re.compile(
    r"""^(?:[-+]?0b[0-1_]+
    |[-+]?0[0-7_]+
    |[-+]?(?:0|[1-9][0-9_]*)
    |[-+]?0x[0-9a-fA-F_]+)$""",
    re.X,
)
_FLOAT = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
    |\.[0-9_]+(?:[eE][-+][0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)


def _build_resolvers() -> dict[str | None, list[tuple[str, re.Pattern[str]]]]:
    table: dict[str | None, list[tuple[str, re.Pattern[str]]]] = {}
    for first, entries in yaml.SafeLoader.yaml_implicit_resolvers.items():
        kept = [
            (tag, rx)
            for tag, rx in entries
            if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
        ]
        if kept:
            table[first] = kept
    for tag, rx, firsts in (
        ("tag:yaml.org,2002:int", _INT, "-+0123456789"),
        ("tag:yaml.org,2002:float", _FLOAT, "-+0123456789."),
    ):
        for ch in firsts:
            table.setdefault(ch, []).append((tag, rx))
    return table


KubeLoader.yaml_implicit_resolvers = _build_resolvers()


# ------------------------------------------------------------------------------------------------ fast path
# yaml_rs (Rust, YAML 1.2 core schema) loads a document ~5x faster than libyaml + our constructor. Its typing differs
# from KubeLoader's only on inputs we detect, and those documents go through KubeLoader instead:
# * in the text: tags (``!``), merge keys (``<<``), directives (``%``), leading-zero / ``0o`` / ``0b`` numbers;
# * in the result: any string KubeLoader would type if it were plain (``yes``, ``on``, ``null``, ``=``, ``1_0``:
#   possibly a plain scalar yaml_rs kept as a string), any float, date or other non-JSON value, any non-string,
#   non-int key (dates stay strings: ``parse_datetime=False``, as KubeLoader has no timestamp resolver);
# * any yaml_rs error (duplicate keys, which PyYAML accepts with the last value winning, and every syntax error, so
#   that error messages and lines stay PyYAML's).
_yaml_rs: Any
try:
    _yaml_rs = importlib.import_module("yaml_rs")
except ImportError:  # pragma: no cover - yaml_rs is a dependency; keep working without it
    _yaml_rs = None

_MISS: Any = object()
# aliases are copied by yaml_rs (PyYAML shares one object): a document replaying more than this goes to PyYAML, so an
# alias bomb costs nothing here
_ALIAS_LIMITS: Any = None if _yaml_rs is None else _yaml_rs.AliasLimits(max_total_replayed_events=20_000)
_TAG = re.compile(r"(?:^|[\s\[{,])!", re.M)
_ZERO = re.compile(r"0[0-9bBoO_]")
_IN_TOKEN = frozenset("_.:/-+") | frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


def _risky_text(text: str) -> bool:
    """Whether the text may hold a tag, merge key, directive or a number KubeLoader reads as octal/binary/with ``_``.

    Plain substring tests first (fast); a ``0`` followed by a digit, ``b``, ``o`` or ``_`` counts only where a plain
    scalar can start (after an optional sign, not inside a token such as ``8080`` or ``10.01``)."""
    if "<<" in text or text.startswith("%") or "\n%" in text:
        return True
    if "!" in text and _TAG.search(text) is not None:
        return True
    for m in _ZERO.finditer(text):
        i = m.start()
        prev = text[i - 1] if i else "\n"
        if prev in "+-":
            prev = text[i - 2] if i > 1 else "\n"
            if prev in "+-":
                continue
        if prev not in _IN_TOKEN:
            return True
    return False
_TYPED_FIRST = frozenset(
    ch for ch in KubeLoader.yaml_implicit_resolvers if ch
)  # first characters of plain scalars KubeLoader may type as something other than a string


def _plain_typed(value: str) -> bool:
    """Whether KubeLoader would give ``value``, written as a plain scalar, a type other than string."""
    found = _RESOLVED.get(value)
    if found is None:
        found = KubeLoader._resolve_plain(value)
        if len(_RESOLVED) < 100_000 and len(value) <= 64:
            _RESOLVED[value] = found
    return found != _STR_TAG


def _same_as_kube(data: Any) -> bool:
    """Whether ``data`` (from yaml_rs) is certainly what KubeLoader gives for the same text (see above)."""
    typed_first = _TYPED_FIRST
    stack = [data]
    pop = stack.pop
    push = stack.append
    while stack:
        value = pop()
        cls = type(value)
        if cls is str:
            if value and value[0] in typed_first and _plain_typed(value):
                return False
        elif cls is dict:
            for k, v in value.items():
                kc = type(k)
                if kc is str:
                    if k and k[0] in typed_first and _plain_typed(k):
                        return False
                elif kc is not int:
                    return False
                push(v)
        elif cls is list:
            stack.extend(value)
        elif cls is not int and cls is not bool and value is not None:
            return False  # float, date, datetime, tuple key holder ... : let KubeLoader decide
    return True


def _load_fast(text: str) -> Any:
    """The document via yaml_rs when that is certainly KubeLoader's answer, else :data:`_MISS`."""
    if _yaml_rs is None or _risky_text(text):
        return _MISS
    try:
        data = _yaml_rs.loads(text, parse_datetime=False, alias_limits=_ALIAS_LIMITS)
    except Exception:  # every error is reported by PyYAML (same messages and lines as before)
        return _MISS
    if type(data) is list or not _same_as_kube(data):  # a list result may also mean several documents
        return _MISS
    return data


def load_document(text: str, *, fast: bool = True) -> Any:
    """One document (no ``---`` separators) with KubeLoader's typing; raises ``yaml.YAMLError``."""
    if fast:
        data = _load_fast(text)
        if data is not _MISS:
            return data
    return yaml.load(text, Loader=KubeLoader)


_DOC_START = re.compile(r"^---(?:[ \t].*)?$")


@dataclass(frozen=True, slots=True)
class RawDocument:
    """One document's text and the 0-based line where it starts in its file."""

    text: str
    start_line: int


def split_stream(text: str) -> list[RawDocument]:
    """Split a YAML stream at ``---`` marker lines, keeping each chunk's starting line.

    Content after ``---`` on the marker line (``--- |``) stays with its document. Lines inside block scalars that start
    with ``---`` at column 0 cannot occur in valid YAML (they would end the scalar), so a line scan is exact enough.
    """
    docs: list[RawDocument] = []
    lines = text.splitlines(keepends=True)
    start = 0
    buf: list[str] = []
    for i, line in enumerate(lines):
        stripped = line.rstrip("\r\n")
        if _DOC_START.match(stripped):
            if buf:
                docs.append(RawDocument("".join(buf), start))
            rest = stripped[3:]
            buf = [" " * 3 + rest + "\n"] if rest.strip() and not rest.strip().startswith("#") else ["\n"]
            start = i
            continue
        if stripped == "...":
            buf.append("\n")
            continue
        buf.append(line)
    if buf:
        docs.append(RawDocument("".join(buf), start))
    return docs


@dataclass(slots=True)
class Document:
    """A loaded YAML/JSON document with a lazy position index.

    ``data`` is plain Python (dict, list, scalars). ``position(path)`` walks a composed node tree of this document only
    and returns the 1-based (line, column) of the deepest existing node on ``path``.
    """

    data: Any
    file: str
    index: int = 0
    start_line: int = 0
    text: str = ""
    _root: Any = field(default=None, repr=False)
    _composed: bool = field(default=False, repr=False)

    def _node(self) -> Any:
        if not self._composed:
            self._composed = True
            try:
                self._root = yaml.compose(self.text, Loader=KubeLoader) if self.text else None
            except yaml.YAMLError:
                self._root = None
        return self._root

    def locate(self, path: Sequence[str | int]) -> tuple[int, int, bool] | None:
        """(line, column, exact) of the node at ``path`` (1-based); for a mapping key, the key's position.

        ``exact`` is False when the path does not exist and the closest existing ancestor was used.
        """
        node = self._node()
        if node is None:
            return None
        mark = node.start_mark
        for seg in path:
            found = None
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    if isinstance(key, yaml.ScalarNode) and _key_equal(key.value, seg):
                        found = (key, value)
                if found is None:
                    return self._abs(mark, exact=False)
                mark = found[0].start_mark
                node = found[1]
            elif isinstance(node, yaml.SequenceNode) and isinstance(seg, int) and not isinstance(seg, bool):
                if not 0 <= seg < len(node.value):
                    return self._abs(mark, exact=False)
                node = node.value[seg]
                mark = node.start_mark
            else:
                return self._abs(mark, exact=False)
        return self._abs(mark, exact=True)

    def line_of(self, path: Sequence[str | int]) -> int | None:
        pos = self.locate(path)
        return pos[0] if pos else (self.start_line + 1 if self.text else None)

    def _abs(self, mark: Any, *, exact: bool) -> tuple[int, int, bool]:
        return (self.start_line + mark.line + 1, mark.column + 1, exact)


def _key_equal(key_text: str, seg: str | int) -> bool:
    return key_text == str(seg)


def parse_error(exc: yaml.YAMLError, file: str, start_line: int = 0) -> InputFileError:
    """A one-line :class:`InputFileError` naming the file and line of a YAML error."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = start_line + mark.line + 1 if mark is not None else None
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    text = f"invalid YAML: {context} {problem}" if context else f"invalid YAML: {problem}"
    return InputFileError(" ".join(text.split()), file=file, line=line)


def load_stream(text: str, file: str, *, keep_empty: bool = False) -> list[Document]:
    """Load every document of a YAML stream; raise :class:`InputFileError` (file and line) on the first bad one."""
    out: list[Document] = []
    for raw in split_stream(text):
        try:
            data = load_document(raw.text)
        except yaml.YAMLError as exc:
            raise parse_error(exc, file, raw.start_line) from None
        if data is None and not keep_empty:
            continue
        out.append(Document(data=data, file=file, index=len(out), start_line=raw.start_line, text=raw.text))
    return out


def iter_stream_tolerant(text: str, file: str) -> Iterator[Document | InputFileError]:
    """Like :func:`load_stream` but yields an error for a bad document and goes on with the next one."""
    index = 0
    for raw in split_stream(text):
        try:
            data = load_document(raw.text)
        except yaml.YAMLError as exc:
            yield parse_error(exc, file, raw.start_line)
            continue
        if data is None:
            continue
        yield Document(data=data, file=file, index=index, start_line=raw.start_line, text=raw.text)
        index += 1


def read_text(path: str | Path) -> str:
    """Read a UTF-8 file, turning OS errors into :class:`InputFileError`."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputFileError("file not found", file=str(path)) from None
    except IsADirectoryError:
        raise InputFileError("is a directory, expected a file", file=str(path)) from None
    except UnicodeDecodeError as exc:
        raise InputFileError(f"not UTF-8 text ({exc.reason})", file=str(path)) from None
    except OSError as exc:
        raise InputFileError(f"cannot read: {exc.strerror}", file=str(path)) from None


def load_file(path: str | Path, *, display: str | None = None) -> list[Document]:
    """Load a YAML (or JSON) file into documents."""
    return load_stream(read_text(path), display or str(path))


def load_single(path: str | Path, *, display: str | None = None, empty_ok: bool = True) -> Document:
    """Load a file that must hold exactly one document (a values file, a config)."""
    name = display or str(path)
    docs = load_stream(read_text(path), name, keep_empty=True)
    docs = [d for d in docs if d.data is not None] or docs[:1]
    if len(docs) > 1:
        raise InputFileError(f"expected one YAML document, found {len(docs)}", file=name, line=docs[1].start_line + 1)
    if not docs:
        if not empty_ok:
            raise InputFileError("file is empty", file=name)
        return Document(data=None, file=name)
    return docs[0]


def dump(data: Any) -> str:
    """Block-style YAML with keys in insertion order."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=1000)


def dump_all(docs: Sequence[Any]) -> str:
    return yaml.dump_all(
        list(docs), Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=1000
    )


_Dumper: type[Any] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
