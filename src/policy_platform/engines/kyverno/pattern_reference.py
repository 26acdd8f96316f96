"""Reference pattern walker: the interpreted implementation that :mod:`.pattern` replaced by compiled matchers.

Kept callable so the differential tests can run every (pattern, resource) pair through both and compare status,
message and path; the engine does not use it. Scalars use :func:`scalar.validate` (the uncompiled reference).

:func:`match_pattern` walks a pattern over a resource and returns None (match) or a :class:`PatternError` with the
path that failed and whether it means *skip* (a condition or global anchor did not hold) or *fail*. Evaluation order
is Kyverno's, because it is observable: in a map, anchor keys first (sorted, so condition anchors come before equality,
negation and existence), then plain keys with nested-anchor and global-anchor keys moved to the front.

Anchors: ``(k)`` condition, ``=(k)`` equality, ``X(k)`` negation, ``^(k)`` existence, ``<(k)`` global; ``+(k)`` is a
literal key during validation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from policy_platform.engines.kyverno import scalar, wildcard
from policy_platform.engines.kyverno.gofmt import sprint
from policy_platform.engines.kyverno.pattern import (  # the parts both walkers share
    ADD,
    CONDITION,
    EQUALITY,
    EXISTENCE,
    GLOBAL,
    NEGATION,
    PatternError,
    _has_nested_anchor,
    _needs_expansion,
    _tag_key,
    _type,
    parse_anchor,
)


class _Err(Exception):
    """An internal pattern mismatch; ``kind`` is '' (plain), 'condition', 'global' or 'negation'."""

    def __init__(self, message: str, kind: str = "") -> None:
        super().__init__(message)
        self.kind = kind

    @property
    def is_skip(self) -> bool:
        return self.kind in (CONDITION, GLOBAL)


class _State:
    """Anchor keys seen in the resource (Kyverno's AnchorMap, for the KeysAreMissing rule)."""

    __slots__ = ("seen",)

    def __init__(self) -> None:
        self.seen: dict[str, bool] = {}

    def check(self, pattern: Mapping[str, Any], resource: Mapping[str, Any]) -> None:
        for key in pattern:
            kind, bare = parse_anchor(key)
            if kind in (CONDITION, EXISTENCE):
                if self.seen.get(key):
                    continue
                self.seen[key] = bare in resource

    def keys_missing(self) -> bool:
        return any(not v for v in self.seen.values())


Node = Any  # _MapNode | _ListNode | _ScalarNode


class _ScalarNode:
    __slots__ = ("check", "value")

    def __init__(self, value: Any) -> None:
        self.value = value
        self.check: Any = lambda v: scalar.validate(v, value)


class _ListNode:
    __slots__ = ("first_kind", "items", "value")

    def __init__(self, value: list[Any]) -> None:
        self.value = value
        self.items = [compile_pattern(v) for v in value]
        first = value[0] if value else None
        self.first_kind = "map" if isinstance(first, dict) else "list" if isinstance(first, list) else "scalar"


class _MapNode:
    __slots__ = ("anchors", "expand", "plain", "state_keys", "value")

    def __init__(self, value: dict[str, Any]) -> None:
        self.value = value
        anchors: list[tuple[str, str | None, str, Node]] = []
        plain_keys: list[str] = []
        self.state_keys: list[tuple[str, str]] = []
        for key, item in value.items():
            kind, bare = parse_anchor(key)
            if kind in (CONDITION, EXISTENCE):
                self.state_keys.append((key, bare))
            if kind in (CONDITION, EQUALITY, NEGATION, EXISTENCE):
                anchors.append((key, kind, bare, compile_pattern(item)))
            else:
                plain_keys.append(key)
        anchors.sort(key=lambda a: a[0])
        self.anchors = anchors
        front: list[str] = []
        back: list[str] = []
        for key in sorted(plain_keys):
            if parse_anchor(key)[0] == GLOBAL or _has_nested_anchor(value[key]):
                front.insert(0, key)
            else:
                back.append(key)
        self.plain = [(k, *parse_anchor(k), compile_pattern(value[k])) for k in front + back]
        self.expand = _needs_expansion(value)


def compile_pattern(pattern: Any) -> Node:
    """A reusable plan for ``pattern`` (anchor order, nested-anchor ordering and scalar checks precomputed)."""
    if isinstance(pattern, dict):
        return _MapNode(pattern)
    if isinstance(pattern, list):
        return _ListNode(pattern)
    return _ScalarNode(pattern)


def match_pattern(resource: Any, pattern: Any) -> PatternError | None:
    """Validate ``resource`` against ``pattern`` (a raw pattern or a :func:`compile_pattern` plan); None on match."""
    node = pattern if isinstance(pattern, _MapNode | _ListNode | _ScalarNode) else compile_pattern(pattern)
    state = _State()
    try:
        _element(resource, node, "/", state)
    except _Fail as exc:
        err = exc.err
        if err.is_skip:
            return PatternError(str(err), "", skip=True)
        if err.kind == NEGATION:
            return PatternError(str(err), exc.path)
        if state.keys_missing():
            return PatternError(str(err), "")
        return PatternError(str(err), exc.path)
    return None


class _Fail(Exception):
    def __init__(self, path: str, err: _Err) -> None:
        super().__init__(str(err))
        self.path = path
        self.err = err


def _element(resource: Any, node: Node, path: str, state: _State) -> None:
    cls = type(node)
    if cls is _MapNode:
        if not isinstance(resource, dict):
            raise _Fail(
                path,
                _Err(
                    f"pattern and resource have different structures. Path: {path}. "
                    f"Expected map, found {_type(resource)}"
                ),
            )
        for key, bare in node.state_keys:
            if not state.seen.get(key):
                state.seen[key] = bare in resource
        _map(resource, node, path, state)
        return
    if cls is _ListNode:
        if not isinstance(resource, list):
            raise _Fail(
                path,
                _Err(f"validation rule failed at path {path}, resource does not satisfy the expected overlay pattern"),
            )
        _array(resource, node, path, state)
        return
    if isinstance(resource, list):
        for item in resource:
            if not node.check(item):
                raise _Fail(
                    path,
                    _Err(f"resource value '{sprint(resource)}' does not match '{sprint(node.value)}' at path {path}"),
                )
        return
    if not node.check(resource):
        raise _Fail(path, _Err(f"value '{sprint(resource)}' does not match '{sprint(node.value)}' at path {path}"))


def _expand_metadata(pattern: dict[str, Any], resource: dict[str, Any]) -> dict[str, Any]:
    """Replace wildcard keys under ``metadata.labels``/``annotations`` by the first matching resource key."""
    meta_key = _tag_key("metadata", pattern)
    meta_p = pattern.get(meta_key) if meta_key else None
    meta_r = resource.get("metadata")
    if not isinstance(meta_p, dict) or not isinstance(meta_r, dict):
        return pattern
    changed = False
    new_meta = dict(meta_p)
    for tag in ("labels", "annotations"):
        field = _tag_key(tag, meta_p)
        block_p = meta_p.get(field) if field else None
        if not isinstance(block_p, dict) or not any(wildcard.has_wildcard(k) for k in block_p):
            continue
        block_r = meta_r.get(tag)
        if not isinstance(block_r, dict):
            continue
        new_block: dict[str, Any] = {}
        for key, value in block_p.items():
            kind, bare = parse_anchor(key)
            new_key = key
            if wildcard.has_wildcard(bare):
                for rkey in block_r:
                    if wildcard.match(bare, rkey):
                        new_key = rkey if kind is None else key.replace(bare, rkey)
                        break
            new_block[new_key] = value
        new_meta[field or tag] = new_block
        changed = True
    if not changed or meta_key is None:
        return pattern
    out = dict(pattern)
    out[meta_key] = new_meta
    return out


def _map(resource: dict[str, Any], node: _MapNode, path: str, state: _State) -> None:
    if node.expand:
        expanded = _expand_metadata(node.value, resource)
        if expanded is not node.value:
            node = _MapNode(expanded)
    skip: _Fail | None = None
    for key, kind, bare, child in node.anchors:
        try:
            _handle(key, kind, bare, child, resource, path, state)
        except _Fail as exc:
            if exc.err.kind == CONDITION:
                if skip is None:
                    skip = exc
                continue
            if skip is None:
                raise
    if skip is not None:
        raise skip
    for key, kind, bare, child in node.plain:
        if kind is None and type(child) is _ScalarNode:
            value = resource.get(key)
            if child.value == "*":
                if value is None:
                    raise _Fail(path, _Err(f"{path}/{key} not found"))
                continue
            if isinstance(value, list):
                _element(value, child, path + key + "/", state)
            elif not child.check(value):
                p = path + key + "/"
                raise _Fail(p, _Err(f"value '{sprint(value)}' does not match '{sprint(child.value)}' at path {p}"))
            continue
        _handle(key, kind, bare, child, resource, path, state)


def _handle(
    key: str, kind: str | None, bare: str, child: Node, resource: dict[str, Any], path: str, state: _State
) -> None:
    if kind is None or kind == ADD:
        # plain key (and +() which is literal during validation)
        value = resource.get(key)
        if type(child) is _ScalarNode and child.value == "*":
            if value is None:
                raise _Fail(path, _Err(f"{path}/{key} not found"))
            return
        _element(value, child, path + key + "/", state)
        return
    if kind == NEGATION:
        if bare in resource:
            raise _Fail(path + bare + "/", _Err(f"negation anchor matched in resource: {path}{bare}", NEGATION))
        return
    if kind == EQUALITY:
        if bare in resource:
            _element(resource[bare], child, path + bare + "/", state)
        return
    if kind == CONDITION:
        if bare not in resource:
            raise _Fail(
                path + bare + "/",
                _Err("conditional anchor mismatch: conditional anchor key doesn't exist in the resource", CONDITION),
            )
        try:
            _element(resource[bare], child, path + bare + "/", state)
        except _Fail as exc:
            raise _Fail(exc.path, _Err(f"conditional anchor mismatch: {exc.err}", CONDITION)) from None
        return
    if kind == GLOBAL:
        if bare in resource:
            try:
                _element(resource[bare], child, path + bare + "/", state)
            except _Fail as exc:
                raise _Fail(exc.path, _Err(f"global anchor mismatch: {exc.err}", GLOBAL)) from None
        return
    _existence(bare, child, resource, path + bare + "/", state)


def _existence(key: str, child: Node, resource: dict[str, Any], path: str, state: _State) -> None:
    if key not in resource:
        return
    value = resource[key]
    if not isinstance(value, list):
        raise _Fail(
            path,
            _Err(
                f"invalid resource type {_type(value)}: "
                "Existence ^ () anchor can be used only on list/array type resource"
            ),
        )
    if type(child) is not _ListNode:
        raise _Fail(path, _Err("invalid pattern type: Pattern has to be of list to compare against resource"))
    for item in child.items:
        if type(item) is not _MapNode:
            raise _Fail(path, _Err("invalid pattern type: Pattern has to be of type map to compare against items"))
        found = False
        for i, element in enumerate(value):
            try:
                _element(element, item, f"{path}{i}/", state)
            except _Fail:
                continue
            found = True
            break
        if not found:
            raise _Fail(path, _Err(f"existence anchor validation failed at path {path}"))


def _array(resource: list[Any], node: _ListNode, path: str, state: _State) -> None:
    if not node.items:
        raise _Fail(path, _Err("pattern Array empty"))
    first = node.items[0]
    if node.first_kind == "map":
        applied = 0
        skips: list[_Fail] = []
        for i, element in enumerate(resource):
            try:
                _element(element, first, f"{path}{i}/", state)
            except _Fail as exc:
                if exc.err.is_skip:
                    skips.append(exc)
                    continue
                raise
            applied += 1
        if applied == 0 and skips:
            raise _Fail(path, _Err("; ".join(str(s.err) for s in skips), skips[0].err.kind))
        return
    if node.first_kind == "scalar":
        _element(resource, first, path, state)
        return
    if len(resource) < len(node.items):
        raise _Fail(
            "",
            _Err(
                f"validate Array failed, array length mismatch, resource Array len is {len(resource)} "
                f"and pattern Array len is {len(node.items)}"
            ),
        )
    applied = 0
    skips = []
    for i, item in enumerate(node.items):
        try:
            _element(resource[i], item, f"{path}{i}/", state)
        except _Fail as exc:
            if exc.err.is_skip:
                skips.append(exc)
                continue
            raise
        applied += 1
    if applied == 0 and skips:
        raise _Fail(path, _Err("; ".join(str(s.err) for s in skips), skips[0].err.kind))
