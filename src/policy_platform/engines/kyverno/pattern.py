"""Pattern validation (Kyverno ``pkg/engine/validate/validate.go`` and ``pkg/engine/anchor``).

:func:`compile_pattern` turns a pattern into a tree of closures once (at policy load for variable-free patterns);
:func:`match_pattern` runs it over a resource and returns None (match) or a :class:`PatternError` with the path that
failed and whether it means *skip* (a condition or global anchor did not hold) or *fail*. Evaluation order is Kyverno's,
because it is observable: in a map, anchor keys first (sorted, so condition anchors come before equality, negation and
existence), then plain keys with nested-anchor and global-anchor keys moved to the front.

Anchors: ``(k)`` condition, ``=(k)`` equality, ``X(k)`` negation, ``^(k)`` existence, ``<(k)`` global; ``+(k)`` is a
literal key during validation.

How the compiled form stays fast: every node is a matcher ``run(value, seen)`` that returns None on success and a
:class:`_Fail` on a mismatch (no exceptions, so skips and failures cost about as much as matches). A map pattern and
the maps nested in it through plain keys and equality anchors become one generated function (see "generated map
matchers" below) with scalar checks inlined as pre-parsed predicates (:func:`scalar.compile_check`); lists and the
other anchors are closures. Nothing builds a path on the success path: each node knows its path *relative to the
nearest array element* (``rel``), and a failure carries that relative path plus a message function of the element's
absolute path; arrays re-base a failure (prepend ``<i>/``) as it passes through them, and the root resolves it against
``/``. The result is byte-identical to the interpreted walker kept in :mod:`.pattern_reference` (the differential
tests compare both).
"""

from __future__ import annotations

import builtins
import copy
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from policy_platform.engines.kyverno import scalar, wildcard
from policy_platform.engines.kyverno.gofmt import sprint

CONDITION = "condition"
GLOBAL = "global"
NEGATION = "negation"
EQUALITY = "equality"
EXISTENCE = "existence"
ADD = "add"

_SKIP_KINDS = (CONDITION, GLOBAL)


@lru_cache(maxsize=8192)
def parse_anchor(key: str) -> tuple[str | None, str]:
    """(anchor kind or None, bare key) of a pattern key."""
    if len(key) >= 3 and key.endswith(")"):
        if key.startswith("("):
            return CONDITION, key[1:-1]
        if len(key) >= 4 and key[1] == "(":
            kind = {"<": GLOBAL, "X": NEGATION, "=": EQUALITY, "^": EXISTENCE, "+": ADD}.get(key[0])
            if kind is not None:
                return kind, key[2:-1]
    return None, key


@dataclass(frozen=True, slots=True)
class PatternError:
    """Why a pattern did not match: ``path`` is Kyverno's ``/a/b/0/`` form ('' for a pattern error without a path)."""

    message: str
    path: str
    skip: bool = False


Message = Callable[[str], str]  # the message, given the absolute path of the array element (or root) it is relative to
Seen = dict[str, bool]  # anchor keys seen in the resource (Kyverno's AnchorMap, for the KeysAreMissing rule)


class _Fail:
    """A mismatch: ``kind`` is '' (plain), 'condition', 'global' or 'negation'; ``rel`` is the failure path relative
    to the enclosing array element or root (None: the empty absolute path of a pattern error); ``msg`` builds the
    message from that element's absolute path."""

    __slots__ = ("kind", "msg", "rel")

    def __init__(self, kind: str, rel: str | None, msg: Message) -> None:
        self.kind = kind
        self.rel = rel
        self.msg = msg


Matcher = Callable[[Any, "Seen | None"], "_Fail | None"]  # None on success
Step = Callable[[dict[str, Any], "Seen | None"], "_Fail | None"]


def _const(text: str) -> Message:
    return lambda _base: text


def _rebase(fail: _Fail, rel: str, index: int) -> _Fail:
    """``fail`` from inside element ``index`` of the array at ``rel``, made relative to the array's own base."""
    step = f"{rel}{index}/"
    inner = fail.msg
    return _Fail(fail.kind, None if fail.rel is None else step + fail.rel, lambda base: inner(base + step))


def _type(value: Any) -> str:
    if value is None:
        return "<nil>"
    return {dict: "map", list: "array", str: "string", bool: "bool", int: "number", float: "number"}.get(
        type(value), type(value).__name__
    )


# --- compiled nodes ---------------------------------------------------------------------------------------------------


class PatternFailure:
    """A :class:`PatternError` whose message is built only when read (a failure with a path is usually reported by
    its path alone)."""

    __slots__ = ("_fail", "path", "skip")

    def __init__(self, fail: _Fail, seen: Seen | None) -> None:
        self._fail = fail
        self.skip = fail.kind in _SKIP_KINDS
        if self.skip:
            self.path = ""
        elif fail.kind != NEGATION and seen and not all(seen.values()):
            self.path = ""  # Kyverno's KeysAreMissing: an anchor key never seen turns the failure into an error
        else:
            self.path = "" if fail.rel is None else "/" + fail.rel

    @property
    def message(self) -> str:
        return self._fail.msg("/")


class CompiledPattern:
    """A pattern compiled to matchers; :meth:`match` is :func:`match_pattern` for it, :meth:`check` the same with a
    lazily built message."""

    __slots__ = ("matcher", "stateful", "value")

    def __init__(self, value: Any) -> None:
        self.value = value
        #: whether :attr:`matcher` needs a ``seen`` dict (the pattern has condition or existence anchors)
        self.stateful = _has_state_keys(value)
        #: ``matcher(resource, seen)``: None on a match, else a failure to wrap in :class:`PatternFailure` with the same
        #: ``seen`` (what :meth:`check` does, for callers that save the call)
        self.matcher: Matcher = _compile(value, "")

    def check(self, resource: Any) -> PatternFailure | None:
        seen: Seen | None = {} if self.stateful else None
        fail = self.matcher(resource, seen)
        return None if fail is None else PatternFailure(fail, seen)

    def match(self, resource: Any) -> PatternError | None:
        failure = self.check(resource)
        if failure is None:
            return None
        return PatternError(failure.message, failure.path, failure.skip)


def compile_pattern(pattern: Any) -> CompiledPattern:
    """A reusable compiled form of ``pattern`` (anchor order, nested-anchor ordering and scalar checks precomputed)."""
    return CompiledPattern(pattern)


def match_pattern(resource: Any, pattern: Any) -> PatternError | None:
    """Validate ``resource`` against ``pattern`` (a raw pattern or a :func:`compile_pattern` result); None on match.

    Raw patterns (substituted per resource when they hold variables) are compiled through :func:`compile_cached`.
    """
    compiled = pattern if type(pattern) is CompiledPattern else compile_cached(pattern)
    return compiled.match(resource)


_CACHE: dict[Any, CompiledPattern] = {}
_CACHE_SIZE = 4096


def compile_cached(pattern: Any) -> CompiledPattern:
    """:func:`compile_pattern` memoized on the pattern's value (key order and scalar types included), for patterns
    that are rebuilt per resource by variable substitution but often come out the same."""
    try:
        key = _freeze(pattern)
        compiled = _CACHE.get(key)
    except TypeError:  # something unhashable or unusual inside: compile it as is
        return CompiledPattern(pattern)
    if compiled is None:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.clear()
        compiled = _CACHE[key] = CompiledPattern(copy.deepcopy(pattern))
    return compiled


class LeafTemplate:
    """A pattern whose variables all sit in string leaves (none in map keys, every key a string): substituting it is
    substituting those leaves, in document order, each at its own path (what :func:`variables.substitute_all` does for
    such a pattern), so the substituted pattern is determined by the leaf values alone. :meth:`compiled` maps them to
    the compiled pattern without rebuilding and re-keying the whole document each time."""

    __slots__ = ("_cache", "leaves", "pattern")

    def __init__(self, pattern: Any, leaves: list[tuple[tuple[str | int, ...], str, tuple[str, ...]]]) -> None:
        self.pattern = pattern
        #: (location in the pattern, leaf text, substitution path) of each variable leaf, in document order
        self.leaves = leaves
        self._cache: dict[Any, CompiledPattern] = {}

    def compiled(self, values: list[Any]) -> CompiledPattern:
        """The compiled pattern with the leaves replaced by ``values`` (their substituted values, in order)."""
        try:
            key = tuple([_freeze(v) for v in values])
            found = self._cache.get(key)
        except TypeError:
            return compile_cached(self._build(values))
        if found is None:
            found = compile_cached(self._build(values))
            if len(self._cache) < _CACHE_SIZE:
                self._cache[key] = found
        return found

    def _build(self, values: list[Any]) -> Any:
        doc = copy.deepcopy(self.pattern)
        for (location, _text, _path), value in zip(self.leaves, values, strict=True):
            node = doc
            for step in location[:-1]:
                node = node[step]
            node[location[-1]] = value
        return doc


def leaf_template(pattern: Any) -> LeafTemplate | None:
    """The :class:`LeafTemplate` of ``pattern`` (a map or list), or None when it does not qualify (a variable in a
    key, a non-string key, or no variable at all)."""
    if not isinstance(pattern, dict | list):
        return None
    leaves: list[tuple[tuple[str | int, ...], str, tuple[str, ...]]] = []

    def walk(node: Any, location: tuple[str | int, ...], path: tuple[str, ...]) -> bool:
        if isinstance(node, dict):
            for key, item in node.items():
                if type(key) is not str or "{{" in key:
                    return False
                if not walk(item, (*location, key), (*path, key)):
                    return False
        elif isinstance(node, list):
            for i, item in enumerate(node):
                if not walk(item, (*location, i), (*path, str(i))):
                    return False
        elif isinstance(node, str) and "{{" in node:
            leaves.append((location, node, path))
        return True

    if not walk(pattern, (), ()) or not leaves:
        return None
    return LeafTemplate(pattern, leaves)


def _freeze(value: Any) -> Any:
    cls = type(value)
    if cls is dict:
        return (dict, tuple((k, _freeze(v)) for k, v in value.items()))
    if cls is list:
        return (list, tuple(_freeze(v) for v in value))
    if cls in (str, int, float, bool) or value is None:
        return (cls, value)
    raise TypeError(cls.__name__)


def _has_state_keys(pattern: Any) -> bool:
    if isinstance(pattern, dict):
        return any(
            parse_anchor(k)[0] in (CONDITION, EXISTENCE) or _has_state_keys(v) for k, v in pattern.items()
        )
    if isinstance(pattern, list):
        return any(_has_state_keys(v) for v in pattern)
    return False


def _compile(pattern: Any, rel: str) -> Matcher:
    if isinstance(pattern, dict):
        if _needs_expansion(pattern):
            return _compile_map(pattern, rel)[0]
        return _generate_map(pattern, rel)
    if isinstance(pattern, list):
        return _compile_list(pattern, rel)
    return _compile_scalar(pattern, rel)


def _map_structure(rel: str, value: Any) -> _Fail:
    found = _type(value)
    return _Fail(
        "",
        rel,
        lambda base: f"pattern and resource have different structures. Path: {base}{rel}. Expected map, found {found}",
    )


def _compile_scalar(pattern: Any, rel: str) -> Matcher:
    check = scalar.compile_check(pattern)
    shown = sprint(pattern)

    def run(value: Any, seen: Seen | None) -> _Fail | None:
        if check(value):
            return None
        return _scalar_mismatch(value, check, shown, rel)

    return run


def _scalar_mismatch(value: Any, check: scalar.Check, shown: str, rel: str) -> _Fail | None:
    """The failure of a scalar pattern that ``value`` did not pass, or None when ``value`` is a list whose every item
    passes (a scalar pattern applies to each item of a list)."""
    if isinstance(value, list):
        for item in value:
            if not check(item):
                return _Fail(
                    "",
                    rel,
                    lambda base: f"resource value '{sprint(value)}' does not match '{shown}' at path {base}{rel}",
                )
        return None
    return _Fail("", rel, lambda base: f"value '{sprint(value)}' does not match '{shown}' at path {base}{rel}")


def _list_structure(rel: str) -> _Fail:
    return _Fail(
        "",
        rel,
        lambda base: (
            f"validation rule failed at path {base}{rel}, resource does not satisfy the expected overlay pattern"
        ),
    )


def _compile_list(pattern: list[Any], rel: str) -> Matcher:
    if not pattern:
        empty_fail = _Fail("", rel, _const("pattern Array empty"))

        def empty(value: Any, seen: Seen | None) -> _Fail | None:
            if not isinstance(value, list):
                return _list_structure(rel)
            return empty_fail

        return empty
    first = pattern[0]
    if isinstance(first, dict):
        element = _compile(first, "")

        def every(value: Any, seen: Seen | None) -> _Fail | None:
            if not isinstance(value, list):
                return _list_structure(rel)
            skips: list[tuple[int, _Fail]] | None = None
            applied = False
            for i, item in enumerate(value):
                fail = element(item, seen)
                if fail is None:
                    applied = True
                elif fail.kind in _SKIP_KINDS:
                    if skips is None:
                        skips = [(i, fail)]
                    else:
                        skips.append((i, fail))
                else:
                    return _rebase(fail, rel, i)
            if skips is not None and not applied:
                return _joined_skips(skips, rel)
            return None

        return every
    if not isinstance(first, list):
        scalar_run = _compile_scalar(first, rel)

        def scalars(value: Any, seen: Seen | None) -> _Fail | None:
            if not isinstance(value, list):
                return _list_structure(rel)
            return scalar_run(value, seen)

        return scalars
    items = [_compile(p, "") for p in pattern]
    length = len(items)

    def positional(value: Any, seen: Seen | None) -> _Fail | None:
        if not isinstance(value, list):
            return _list_structure(rel)
        if len(value) < length:
            text = (
                f"validate Array failed, array length mismatch, resource Array len is {len(value)} "
                f"and pattern Array len is {length}"
            )
            return _Fail("", None, _const(text))
        skips: list[tuple[int, _Fail]] = []
        applied = False
        for i, item in enumerate(items):
            fail = item(value[i], seen)
            if fail is None:
                applied = True
            elif fail.kind in _SKIP_KINDS:
                skips.append((i, fail))
            else:
                return _rebase(fail, rel, i)
        if skips and not applied:
            return _joined_skips(skips, rel)
        return None

    return positional


def _joined_skips(skips: list[tuple[int, _Fail]], rel: str) -> _Fail:
    def message(base: str) -> str:
        return "; ".join(fail.msg(f"{base}{rel}{i}/") for i, fail in skips)

    return _Fail(skips[0][1].kind, rel, message)


# map entries, anchor phase: (code, bare key, child matcher or None)
_EQUALITY = 0  # checked only when the key is present
_NEGATION = 1  # the key must be absent; child is the failure
_OTHER = 2  # condition and existence anchors: child is a Step on the whole map
_EQUALITY_SCALAR = 3  # an equality anchor on a scalar pattern: child is (check, shown pattern, child rel)
# map entries, plain phase: (code, key, a, b)
_SCALAR = 0  # a = check, b = (shown pattern, child rel): value = resource.get(key), checked inline
_CHILD = 1  # a = matcher of resource.get(key)
_STAR = 2  # "*": the key must hold a non-nil value
_STEP = 3  # a = Step on the whole map (global anchors)

_Anchor = tuple[int, str, Any]
_Entry = tuple[int, str, Any, Any]


def _compile_map(pattern: dict[str, Any], rel: str, *, expand: bool = True) -> tuple[Matcher, Step]:
    """(matcher, body): the body skips the structure check and the anchor bookkeeping; ``expand=False`` for a pattern
    that is itself the result of the metadata wildcard expansion (Kyverno expands once per map)."""
    anchor_items: list[tuple[str, str, str, Any]] = []
    plain_keys: list[str] = []
    state_keys: list[tuple[str, str]] = []
    for key, item in pattern.items():
        kind, bare = parse_anchor(key)
        if kind in (CONDITION, EXISTENCE):
            state_keys.append((key, bare))
        if kind is not None and kind in (CONDITION, EQUALITY, NEGATION, EXISTENCE):
            anchor_items.append((key, kind, bare, item))
        else:
            plain_keys.append(key)
    anchor_items.sort(key=lambda a: a[0])
    anchors = tuple(_anchor_entry(kind, bare, item, rel) for _key, kind, bare, item in anchor_items)
    may_skip = any(kind == CONDITION or _has_condition(item) for _key, kind, _bare, item in anchor_items)
    front: list[str] = []
    back: list[str] = []
    for key in sorted(plain_keys):
        if parse_anchor(key)[0] == GLOBAL or _has_nested_anchor(pattern[key]):
            front.insert(0, key)
        else:
            back.append(key)
    entries = tuple(_plain_entry(key, pattern[key], rel) for key in front + back)
    state = tuple(state_keys)

    def structure(value: Any) -> _Fail:
        return _map_structure(rel, value)

    def plain(resource: dict[str, Any], seen: Seen | None) -> _Fail | None:
        return _plain_phase(entries, resource, seen, rel)

    if not anchors:
        body = plain
    elif may_skip:

        def body(resource: dict[str, Any], seen: Seen | None) -> _Fail | None:
            fail = _anchor_phase(anchors, resource, seen)
            return fail if fail is not None else _plain_phase(entries, resource, seen, rel)

    else:

        def body(resource: dict[str, Any], seen: Seen | None) -> _Fail | None:
            # no condition anchor below: the first anchor error is the result, as in the plain phase
            fail: _Fail | None
            for code, bare, child in anchors:
                if code == _EQUALITY:
                    if bare in resource:
                        fail = child(resource[bare], seen)
                        if fail is not None:
                            return fail
                elif code == _EQUALITY_SCALAR:
                    if bare in resource:
                        value = resource[bare]
                        if not child[0](value):
                            fail = _scalar_mismatch(value, *child)
                            if fail is not None:
                                return fail
                elif code == _NEGATION:
                    if bare in resource:
                        return child  # type: ignore[no-any-return]  # the constant negation failure
                else:
                    fail = child(resource, seen)
                    if fail is not None:
                        return fail
            return _plain_phase(entries, resource, seen, rel)

    main_body = body
    if expand and _needs_expansion(pattern):
        expansions: dict[tuple[Any, ...], Step] = {}

        def expanded_body(resource: dict[str, Any], seen: Seen | None) -> _Fail | None:
            new, signature = _expand_metadata(pattern, resource)
            if new is pattern:
                return body(resource, seen)
            run_body = expansions.get(signature)
            if run_body is None:
                run_body = _compile_map(new, rel, expand=False)[1]
                if len(expansions) < 256:
                    expansions[signature] = run_body
            return run_body(resource, seen)

        main_body = expanded_body

    if main_body is not body:  # metadata wildcard expansion: the anchor bookkeeping uses the keys as written

        def run_expanding(resource: Any, seen: Seen | None) -> _Fail | None:
            if not isinstance(resource, dict):
                return structure(resource)
            if state:
                assert seen is not None
                for key, bare in state:
                    if not seen.get(key):
                        seen[key] = bare in resource
            return main_body(resource, seen)

        return run_expanding, main_body

    if main_body is plain:
        # the common shape, plain keys only

        def run_plain(resource: Any, seen: Seen | None) -> _Fail | None:
            if not isinstance(resource, dict):
                return structure(resource)
            return _plain_phase(entries, resource, seen, rel)

        return run_plain, main_body

    def run(resource: Any, seen: Seen | None) -> _Fail | None:
        """Structure check, anchor bookkeeping, anchor phase and plain phase in one frame."""
        if not isinstance(resource, dict):
            return structure(resource)
        if state:
            assert seen is not None
            for key, bare in state:
                if not seen.get(key):
                    seen[key] = bare in resource
        fail: _Fail | None
        if may_skip:
            fail = _anchor_phase(anchors, resource, seen)
            if fail is not None:
                return fail
        else:
            for code, bare, child in anchors:
                if code == _EQUALITY:
                    if bare in resource:
                        fail = child(resource[bare], seen)
                        if fail is not None:
                            return fail
                elif code == _EQUALITY_SCALAR:
                    if bare in resource:
                        value = resource[bare]
                        if not child[0](value):
                            fail = _scalar_mismatch(value, *child)
                            if fail is not None:
                                return fail
                elif code == _NEGATION:
                    if bare in resource:
                        return child  # type: ignore[no-any-return]  # the constant negation failure
                else:
                    fail = child(resource, seen)
                    if fail is not None:
                        return fail
        return _plain_phase(entries, resource, seen, rel)

    return run, main_body


def _plain_phase(entries: tuple[_Entry, ...], resource: dict[str, Any], seen: Seen | None, rel: str) -> _Fail | None:
    """The plain keys of a map pattern, in order: the first failure, else None."""
    fail: _Fail | None
    get = resource.get
    for code, key, a, b in entries:
        if code == _SCALAR:
            value = get(key)
            if not a(value):
                fail = _scalar_mismatch(value, a, b[0], b[1])
                if fail is not None:
                    return fail
        elif code == _CHILD:
            fail = a(get(key), seen)
            if fail is not None:
                return fail
        elif code == _STAR:
            if get(key) is None:
                return _star_missing(rel, key)
        else:
            fail = a(resource, seen)
            if fail is not None:
                return fail
    return None


def _star_missing(rel: str, key: str) -> _Fail:
    return _Fail("", rel, lambda base: f"{base}{rel}/{key} not found")


def _negation(rel: str, bare: str) -> _Fail:
    return _Fail(NEGATION, f"{rel}{bare}/", lambda base: f"negation anchor matched in resource: {base}{rel}{bare}")


def _anchor_phase(anchors: tuple[_Anchor, ...], resource: dict[str, Any], seen: Seen | None) -> _Fail | None:
    """Anchor keys in order; a condition skip is remembered and, once one happened, later anchor errors are ignored;
    the remembered skip is the result."""
    skip: _Fail | None = None
    fail: _Fail | None
    for code, bare, child in anchors:
        if code == _EQUALITY:
            if bare not in resource:
                continue
            fail = child(resource[bare], seen)
        elif code == _EQUALITY_SCALAR:
            if bare not in resource:
                continue
            value = resource[bare]
            if child[0](value):
                continue
            fail = _scalar_mismatch(value, *child)
        elif code == _NEGATION:
            if bare not in resource:
                continue
            fail = child
        else:
            fail = child(resource, seen)
        if fail is None:
            continue
        if fail.kind == CONDITION:
            if skip is None:
                skip = fail
            continue
        if skip is None:
            return fail
    return skip


def _plain_entry(key: str, item: Any, rel: str) -> _Entry:
    kind, bare = parse_anchor(key)
    if kind == GLOBAL:
        return (_STEP, key, _global_step(bare, item, rel), None)
    # plain keys, and +() which is a literal key during validation
    if not isinstance(item, dict | list):
        if item == "*":
            return (_STAR, key, None, None)
        if kind is None:
            return (_SCALAR, key, scalar.compile_check(item), (sprint(item), f"{rel}{key}/"))
    return (_CHILD, key, _compile(item, f"{rel}{key}/"), None)


def _global_step(bare: str, item: Any, rel: str) -> Step:
    child = _compile(item, f"{rel}{bare}/")

    def step(resource: dict[str, Any], seen: Seen | None) -> _Fail | None:
        if bare not in resource:
            return None
        fail = child(resource[bare], seen)
        if fail is None:
            return None
        inner = fail.msg
        return _Fail(GLOBAL, fail.rel, lambda base: f"global anchor mismatch: {inner(base)}")

    return step


def _anchor_entry(kind: str, bare: str, item: Any, rel: str) -> _Anchor:
    child_rel = f"{rel}{bare}/"
    if kind == NEGATION:
        return (_NEGATION, bare, _negation(rel, bare))  # a constant failure, returned when the key is present
    if kind == EQUALITY:
        if not isinstance(item, dict | list):
            return (_EQUALITY_SCALAR, bare, (scalar.compile_check(item), sprint(item), child_rel))
        return (_EQUALITY, bare, _compile(item, child_rel))
    if kind == CONDITION:
        return (_OTHER, bare, _condition_step(bare, item, child_rel))
    return (_OTHER, bare, _existence_step(bare, item, child_rel))


def _condition_step(bare: str, item: Any, rel: str) -> Step:
    child = _compile(item, rel)
    missing = _Fail(
        CONDITION, rel, _const("conditional anchor mismatch: conditional anchor key doesn't exist in the resource")
    )

    def condition(resource: dict[str, Any], seen: Seen | None) -> _Fail | None:
        if bare not in resource:
            return missing
        fail = child(resource[bare], seen)
        if fail is None:
            return None
        inner = fail.msg
        return _Fail(CONDITION, fail.rel, lambda base: f"conditional anchor mismatch: {inner(base)}")

    return condition


def _existence_step(bare: str, item: Any, rel: str) -> Step:
    # per pattern item: its matcher when it is a map, else None (an invalid pattern, reported when reached)
    items: list[Matcher | None] | None = (
        [_compile(p, "") if isinstance(p, dict) else None for p in item] if isinstance(item, list) else None
    )
    failed = _Fail("", rel, lambda base: f"existence anchor validation failed at path {base}{rel}")

    def existence(resource: dict[str, Any], seen: Seen | None) -> _Fail | None:
        if bare not in resource:
            return None
        value = resource[bare]
        if not isinstance(value, list):
            found = _type(value)
            return _Fail(
                "",
                rel,
                _const(
                    f"invalid resource type {found}: Existence ^ () anchor can be used only on list/array type resource"
                ),
            )
        if items is None:
            return _Fail("", rel, _const("invalid pattern type: Pattern has to be of list to compare against resource"))
        for matcher in items:
            if matcher is None:
                return _Fail(
                    "", rel, _const("invalid pattern type: Pattern has to be of type map to compare against items")
                )
            for element in value:
                if matcher(element, seen) is None:
                    break
            else:
                return failed
        return None

    return existence


# --- generated map matchers ------------------------------------------------------------------------------------------
#
# A map pattern (and every map nested in it through plain keys and equality anchors, unless it needs the metadata
# wildcard expansion) becomes one generated Python function: the structure checks, anchor bookkeeping, anchor phase and
# plain phase of each nested map are emitted inline, in Kyverno's order, so that matching a typical pattern makes one
# call per map-of-lists element instead of one per node. Lists, condition/existence/global anchors and expanding maps
# stay closures (called from the generated code). Keys, checks and failure data are passed as globals named by
# position, so patterns of the same shape share one code object.


class _Generator:
    """Emits the body of ``def match(r0, seen)``. A failure leaves the function (``return f``) or, inside the
    element of an inlined list of maps, the element's single-pass ``while True`` block (``f = ...; break``)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.consts: dict[str, Any] = {}
        self.vars = 0
        self.in_element = False

    def exit(self, indent: int, expr: str) -> None:
        if self.in_element:
            self.emit(indent, f"f = {expr}")
            self.emit(indent, "break")
        else:
            self.emit(indent, f"return {expr}")

    def const(self, value: Any) -> str:
        name = f"_k{len(self.consts)}"
        self.consts[name] = value
        return name

    def emit(self, indent: int, text: str) -> None:
        self.lines.append(" " * indent + text)

    def emit_call(self, indent: int, call: str) -> None:
        self.emit(indent, f"f = {call}")
        self.emit(indent, "if f is not None:")
        self.emit(indent + 4, "break" if self.in_element else "return f")

    def emit_list(self, indent: int, value_expr: str, item: list[Any], rel: str) -> None:
        """A list whose first pattern is a map: every element must match it (the ``every`` closure, inlined)."""
        self.vars += 1
        n = self.vars
        items, index, element, applied, skips = f"l{n}", f"i{n}", f"e{n}", f"a{n}", f"s{n}"
        r = self.const(rel)
        self.emit(indent, f"{items} = {value_expr}")
        self.emit(indent, f"if not isinstance({items}, list):")
        self.exit(indent + 4, f"_list_structure({r})")
        self.emit(indent, f"{applied} = False")
        self.emit(indent, f"{skips} = None")
        self.emit(indent, "f = None")
        self.emit(indent, f"for {index}, {element} in enumerate({items}):")
        self.emit(indent + 4, "while True:")
        outer = self.in_element
        self.in_element = True
        self.emit_map(indent + 8, element, item[0], "")
        self.in_element = outer
        self.emit(indent + 8, "break")
        self.emit(indent + 4, "if f is None:")
        self.emit(indent + 8, f"{applied} = True")
        self.emit(indent + 4, "elif f.kind in _SKIP_KINDS:")
        self.emit(indent + 8, f"{skips} = [({index}, f)] if {skips} is None else [*{skips}, ({index}, f)]")
        self.emit(indent + 8, "f = None")
        self.emit(indent + 4, "else:")
        self.emit(indent + 8, f"f = _rebase(f, {r}, {index})")
        self.emit(indent + 8, "break")
        self.emit(indent, "if f is not None:")
        self.emit(indent + 4, "break" if self.in_element else "return f")
        self.emit(indent, f"if {skips} is not None and not {applied}:")
        self.exit(indent + 4, f"_joined_skips({skips}, {r})")

    def emit_scalar(self, indent: int, value_expr: str, item: Any, rel: str) -> None:
        check = self.const(scalar.compile_check(item))
        self.emit(indent, f"v = {value_expr}")
        self.emit(indent, f"if not {check}(v):")
        self.emit_call(indent + 4, f"_scalar_mismatch(v, {check}, {self.const(sprint(item))}, {self.const(rel)})")

    def emit_child(self, indent: int, value_expr: str, item: Any, rel: str) -> None:
        """Match ``value_expr`` against ``item`` (a map or list pattern) at ``rel``."""
        if isinstance(item, dict) and not _needs_expansion(item):
            self.vars += 1
            var = f"r{self.vars}"
            self.emit(indent, f"{var} = {value_expr}")
            self.emit_map(indent, var, item, rel)
        elif isinstance(item, list) and item and isinstance(item[0], dict) and not _needs_expansion(item[0]):
            self.emit_list(indent, value_expr, item, rel)
        else:
            self.emit_call(indent, f"{self.const(_compile(item, rel))}({value_expr}, seen)")

    def emit_map(self, indent: int, var: str, pattern: dict[str, Any], rel: str) -> None:
        layout = _layout(pattern)
        self.emit(indent, f"if not isinstance({var}, dict):")
        self.exit(indent + 4, f"_map_structure({self.const(rel)}, {var})")
        for key, bare in layout.state:
            k = self.const(key)
            self.emit(indent, f"if not seen.get({k}):")
            self.emit(indent + 4, f"seen[{k}] = {self.const(bare)} in {var}")
        if layout.may_skip:
            anchors = tuple(_anchor_entry(kind, bare, item, rel) for _key, kind, bare, item in layout.anchors)
            self.emit_call(indent, f"_anchor_phase({self.const(anchors)}, {var}, seen)")
        else:
            for _key, kind, bare, item in layout.anchors:
                b = self.const(bare)
                child_rel = f"{rel}{bare}/"
                if kind == EQUALITY:
                    self.emit(indent, f"if {b} in {var}:")
                    if isinstance(item, dict | list):
                        self.emit_child(indent + 4, f"{var}[{b}]", item, child_rel)
                    else:
                        self.emit_scalar(indent + 4, f"{var}[{b}]", item, child_rel)
                elif kind == NEGATION:
                    self.emit(indent, f"if {b} in {var}:")
                    self.exit(indent + 4, self.const(_negation(rel, bare)))
                else:
                    step = _anchor_entry(kind, bare, item, rel)[2]
                    self.emit_call(indent, f"{self.const(step)}({var}, seen)")
        for key in layout.plain:
            item = pattern[key]
            plain_kind, plain_bare = parse_anchor(key)
            k = self.const(key)
            if plain_kind == GLOBAL:
                self.emit_call(indent, f"{self.const(_global_step(plain_bare, item, rel))}({var}, seen)")
            elif isinstance(item, dict | list):
                self.emit_child(indent, f"{var}.get({k})", item, f"{rel}{key}/")
            elif item == "*":
                self.emit(indent, f"if {var}.get({k}) is None:")
                self.exit(indent + 4, f"_star_missing({self.const(rel)}, {k})")
            else:
                # plain scalar, or +() which is a literal key during validation
                self.emit_scalar(indent, f"{var}.get({k})", item, f"{rel}{key}/")


_GENERATED: dict[str, Any] = {}  # source -> code object
_GENERATED_SIZE = 4096
_HELPERS: dict[str, Any] = {
    "__builtins__": builtins,
    "_map_structure": None,  # filled below, once the helpers exist
}


def _generate_map(pattern: dict[str, Any], rel: str) -> Matcher:
    gen = _Generator()
    gen.emit_map(4, "r0", pattern, rel)
    source = "def match(r0, seen):\n" + "\n".join(gen.lines) + "\n    return None\n"
    code = _GENERATED.get(source)
    if code is None:
        namespace: dict[str, Any] = {}
        exec(compile(source, "<pattern>", "exec"), {"__builtins__": builtins}, namespace)
        code = namespace["match"].__code__
        if len(_GENERATED) < _GENERATED_SIZE:  # shapes are few, unless substitution builds maps per resource
            _GENERATED[source] = code
    scope = {**_HELPERS, **gen.consts}
    function: Matcher = types.FunctionType(code, scope)
    return function


class _Layout:
    """A map pattern's evaluation plan: anchor bookkeeping keys, sorted anchors, whether the anchor phase needs the
    condition-skip rule, and the plain keys in Kyverno's order."""

    __slots__ = ("anchors", "may_skip", "plain", "state")

    def __init__(self, pattern: dict[str, Any]) -> None:
        anchors: list[tuple[str, str, str, Any]] = []
        plain_keys: list[str] = []
        state: list[tuple[str, str]] = []
        for key, item in pattern.items():
            kind, bare = parse_anchor(key)
            if kind in (CONDITION, EXISTENCE):
                state.append((key, bare))
            if kind is not None and kind in (CONDITION, EQUALITY, NEGATION, EXISTENCE):
                anchors.append((key, kind, bare, item))
            else:
                plain_keys.append(key)
        anchors.sort(key=lambda a: a[0])
        front: list[str] = []
        back: list[str] = []
        for key in sorted(plain_keys):
            if parse_anchor(key)[0] == GLOBAL or _has_nested_anchor(pattern[key]):
                front.insert(0, key)
            else:
                back.append(key)
        self.state = tuple(state)
        self.anchors = tuple(anchors)
        self.may_skip = any(kind == CONDITION or _has_condition(item) for _key, kind, _bare, item in anchors)
        self.plain = tuple(front + back)


def _layout(pattern: dict[str, Any]) -> _Layout:
    return _Layout(pattern)


# --- pattern analysis (compile time) ----------------------------------------------------------------------------------


def _has_nested_anchor(value: Any) -> bool:
    if isinstance(value, dict):
        return any(parse_anchor(k)[0] is not None or _has_nested_anchor(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nested_anchor(v) for v in value)
    return False


def _has_condition(value: Any) -> bool:
    """Whether a condition anchor (whose skip the anchor phase must treat specially) occurs anywhere in ``value``."""
    if isinstance(value, dict):
        return any(parse_anchor(k)[0] == CONDITION or _has_condition(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_condition(v) for v in value)
    return False


def _tag_key(tag: str, pattern: Mapping[str, Any]) -> str | None:
    for key in pattern:
        if parse_anchor(key)[1] == tag:
            return key
    return None


def _needs_expansion(pattern: dict[str, Any]) -> bool:
    meta_key = _tag_key("metadata", pattern)
    meta = pattern.get(meta_key) if meta_key else None
    if not isinstance(meta, dict):
        return False
    for tag in ("labels", "annotations"):
        field = _tag_key(tag, meta)
        block = meta.get(field) if field else None
        if isinstance(block, dict) and any(wildcard.has_wildcard(k) for k in block):
            return True
    return False


def _expand_metadata(pattern: dict[str, Any], resource: dict[str, Any]) -> tuple[dict[str, Any], tuple[Any, ...]]:
    """Replace wildcard keys under ``metadata.labels``/``annotations`` by the first matching resource key.

    Returns the pattern (the same object when nothing applies) and a signature of the replacement: the new key of every
    entry of each rewritten block, which with ``pattern`` determines the result.
    """
    meta_key = _tag_key("metadata", pattern)
    meta_p = pattern.get(meta_key) if meta_key else None
    meta_r = resource.get("metadata")
    if not isinstance(meta_p, dict) or not isinstance(meta_r, dict):
        return pattern, ()
    changed = False
    new_meta = dict(meta_p)
    signature: list[Any] = []
    for tag in ("labels", "annotations"):
        field = _tag_key(tag, meta_p)
        block_p = meta_p.get(field) if field else None
        if not isinstance(block_p, dict) or not any(wildcard.has_wildcard(k) for k in block_p):
            continue
        block_r = meta_r.get(tag)
        if not isinstance(block_r, dict):
            continue
        new_block: dict[str, Any] = {}
        new_keys: list[str] = []
        for key, value in block_p.items():
            kind, bare = parse_anchor(key)
            new_key = key
            if wildcard.has_wildcard(bare):
                for rkey in block_r:
                    if wildcard.match(bare, rkey):
                        new_key = rkey if kind is None else key.replace(bare, rkey)
                        break
            new_block[new_key] = value
            new_keys.append(new_key)
        new_meta[field or tag] = new_block
        signature.append((tag, tuple(new_keys)))
        changed = True
    if not changed or meta_key is None:
        return pattern, ()
    out = dict(pattern)
    out[meta_key] = new_meta
    return out, tuple(signature)


@lru_cache(maxsize=8192)
def path_tuple(path: str) -> tuple[str | int, ...]:
    """Kyverno's ``/spec/containers/0/image/`` as a tuple path (numeric segments become ints)."""
    out: list[str | int] = []
    for seg in path.strip("/").split("/"):
        if not seg:
            continue
        out.append(int(seg) if seg.isdigit() else seg)
    return tuple(out)


_HELPERS.update(
    {
        "_map_structure": _map_structure,
        "_scalar_mismatch": _scalar_mismatch,
        "_star_missing": _star_missing,
        "_anchor_phase": _anchor_phase,
        "_list_structure": _list_structure,
        "_rebase": _rebase,
        "_joined_skips": _joined_skips,
        "_SKIP_KINDS": _SKIP_KINDS,
    }
)
