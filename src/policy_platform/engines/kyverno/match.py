"""match/exclude (Kyverno ``pkg/engine/utils/match.go`` and ``pkg/utils/match``).

``any``: one block must match; ``all``: every block; otherwise the legacy top-level block. Inside a block the
attributes AND and list entries OR; an empty block never matches. Offline (no user info), match-side ``subjects``,
``roles`` and ``clusterRoles`` are dropped and exclude-side ones never match.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from policy_platform.engines.kyverno import wildcard

_VERSION = re.compile(r"^(v\d+((alpha|beta)\d+)?|\*)$")
_DESCRIPTION_KEYS = (
    "kinds",
    "name",
    "names",
    "namespaces",
    "annotations",
    "selector",
    "namespaceSelector",
    "operations",
)
_USER_KEYS = ("subjects", "roles", "clusterRoles")


def as_map(value: Any) -> Mapping[str, Any]:
    """``value`` when it is a mapping, else an empty one."""
    return value if isinstance(value, dict) else {}


@lru_cache(maxsize=4096)
def parse_kind_selector(selector: str) -> tuple[str, str, str, str]:
    """(group, version, kind, subresource) of ``Kind``, ``v1/Kind``, ``group/version/Kind``, ``Kind/sub``, ``*/*``."""
    parts = selector.split("/")
    if len(parts) == 1:
        return "*", "*", parts[0], ""
    if len(parts) == 2:
        if parts[0] == "*" and parts[1] == "*":
            return "*", "*", "*", "*"
        if _VERSION.match(parts[0]):
            return "*", parts[0], parts[1], ""
        return "*", "*", parts[0], parts[1]
    if len(parts) == 3:
        if _VERSION.match(parts[1]):
            return parts[0], parts[1], parts[2], ""
        return "*", parts[0], parts[1], parts[2]
    return parts[0], parts[1], parts[2], "/".join(parts[3:])


def split_api_version(api_version: str) -> tuple[str, str]:
    """(group, version) of ``apps/v1`` or ``v1``."""
    if "/" in api_version:
        group, _, version = api_version.partition("/")
        return group, version
    return "", api_version


def kind_matches(selectors: list[Any], group: str, version: str, kind: str, subresource: str = "") -> bool:
    for sel in selectors:
        g, v, k, sub = parse_kind_selector(str(sel))
        if (
            wildcard.match(g, group)
            and wildcard.match(v, version)
            and wildcard.match(k, kind)
            and (wildcard.match(sub, subresource) or (sub == "" and subresource == ""))
        ):
            return True
    return False


@dataclass(frozen=True, slots=True)
class Request:
    """What matching needs to know about one admission (offline) request."""

    resource: Mapping[str, Any]
    group: str
    version: str
    kind: str
    name: str
    namespace: str
    labels: Mapping[str, Any]
    annotations: Mapping[str, Any]
    operation: str = "CREATE"
    namespace_labels: Mapping[str, Any] = field(default_factory=dict)
    user_info: Mapping[str, Any] | None = None
    subresource: str = ""

    @staticmethod
    def of(
        resource: Mapping[str, Any],
        *,
        operation: str = "CREATE",
        namespace_labels: Mapping[str, Any] | None = None,
        user_info: Mapping[str, Any] | None = None,
        target: tuple[str, str, str, str] | None = None,
    ) -> Request:
        """``target`` overrides the resource's (group, version, kind) and sets the subresource: a resource the values
        file's ``subresources`` declare as a subresource is matched as ``ParentKind/subresource``."""
        meta = resource.get("metadata")
        meta = meta if isinstance(meta, dict) else {}
        group, version = split_api_version(str(resource.get("apiVersion") or ""))
        kind, subresource = str(resource.get("kind") or ""), ""
        if target is not None:
            group, version, kind, subresource = target
        name = meta.get("name") or meta.get("generateName") or ""
        labels = meta.get("labels")
        annotations = meta.get("annotations")
        return Request(
            resource=resource,
            group=group,
            version=version,
            kind=kind,
            name=str(name),
            namespace=str(meta.get("namespace") or ""),
            labels=labels if isinstance(labels, dict) else {},
            annotations=annotations if isinstance(annotations, dict) else {},
            operation=operation,
            namespace_labels=namespace_labels or {},
            user_info=user_info,
            subresource=subresource,
        )


class SelectorError(Exception):
    """An invalid label selector."""


def selector_matches(selector: Any, labels: Mapping[str, Any], *, expand_wildcards: bool = True) -> bool:
    """A Kubernetes LabelSelector (``matchLabels`` with Kyverno wildcard expansion, ``matchExpressions``)."""
    if not isinstance(selector, dict):
        raise SelectorError("selector must be a mapping")
    match_labels = selector.get("matchLabels") or {}
    if not isinstance(match_labels, dict):
        raise SelectorError("matchLabels must be a mapping")
    for key, value in match_labels.items():
        key_s, value_s = str(key), "" if value is None else str(value)
        if expand_wildcards and (wildcard.has_wildcard(key_s) or wildcard.has_wildcard(value_s)):
            if not any(
                wildcard.match(key_s, str(k)) and wildcard.match(value_s, str(v)) for k, v in labels.items()
            ):
                return False
            continue
        if key_s not in labels or str(labels[key_s]) != value_s:
            return False
    for expr in selector.get("matchExpressions") or []:
        if not isinstance(expr, dict):
            raise SelectorError("matchExpressions entries must be mappings")
        key = str(expr.get("key"))
        op = str(expr.get("operator"))
        values = [str(v) for v in expr.get("values") or []]
        present = key in labels
        if op == "In":
            if not present or str(labels[key]) not in values:
                return False
        elif op == "NotIn":
            if present and str(labels[key]) in values:
                return False
        elif op == "Exists":
            if not present:
                return False
        elif op == "DoesNotExist":
            if present:
                return False
        else:
            raise SelectorError(f"{op!r} is not a valid label selector operator")
    return True


def _block_is_empty(block: Mapping[str, Any], *, drop_user: bool) -> bool:
    keys = _DESCRIPTION_KEYS if drop_user else (*_DESCRIPTION_KEYS, *_USER_KEYS)
    raw = block.get("resources")
    desc: Mapping[str, Any] = raw if isinstance(raw, dict) else {}
    return not any(desc.get(k) for k in _DESCRIPTION_KEYS) and not any(block.get(k) for k in keys)


def _user_matches(block: Mapping[str, Any], req: Request) -> bool:
    """subjects/roles/clusterRoles against the request's user info (only with a userinfo file)."""
    info = req.user_info
    if info is None:
        return False
    roles = set(info.get("roles") or [])
    cluster_roles = set(info.get("clusterRoles") or [])
    user = info.get("userInfo") or {}
    if block.get("roles") and not roles.intersection(block["roles"]):
        return False
    if block.get("clusterRoles") and not cluster_roles.intersection(block["clusterRoles"]):
        return False
    subjects = block.get("subjects")
    if subjects:
        username = str(user.get("username") or "")
        groups = set(user.get("groups") or [])
        ok = False
        for s in subjects:
            if not isinstance(s, dict):
                continue
            kind, name = s.get("kind"), str(s.get("name") or "")
            sa = f"system:serviceaccount:{s.get('namespace')}:{name}"
            if (
                (kind == "Group" and name in groups)
                or (kind == "User" and wildcard.match(name, username))
                or (kind == "ServiceAccount" and username == sa)
            ):
                ok = True
        if not ok:
            return False
    return True


def _description_matches(desc: Mapping[str, Any], req: Request) -> bool:
    ops = desc.get("operations")
    if ops and req.operation not in ops:
        return False
    kinds = desc.get("kinds")
    if kinds and not kind_matches(list(kinds), req.group, req.version, req.kind, req.subresource):
        return False
    name = desc.get("name")
    if name and not wildcard.match(str(name), req.name):
        return False
    names = desc.get("names")
    if names and not any(wildcard.match(str(n), req.name) for n in names):
        return False
    namespaces = desc.get("namespaces")
    if namespaces:
        ns = req.name if req.kind == "Namespace" else req.namespace
        if not any(wildcard.match(str(n), ns) for n in namespaces):
            return False
    annotations = desc.get("annotations")
    if annotations:
        for key, value in annotations.items():
            if not any(
                wildcard.match(str(key), str(k)) and wildcard.match(str(value), str(v))
                for k, v in req.annotations.items()
            ):
                return False
    selector = desc.get("selector")
    if selector is not None and not selector_matches(selector, req.labels):
        return False
    ns_selector = desc.get("namespaceSelector")
    if ns_selector is not None:
        if req.kind == "Namespace":
            return False
        if not selector_matches(ns_selector, req.namespace_labels, expand_wildcards=False):
            return False
    return True


def block_matches(block: Any, req: Request, *, exclude: bool) -> bool:
    """One ResourceFilter (``resources`` + user fields) against the request."""
    if not isinstance(block, dict):
        return False
    has_user = any(block.get(k) for k in _USER_KEYS)
    if req.user_info is None:
        if exclude and has_user:
            return False
        if _block_is_empty(block, drop_user=True):
            return False
    elif _block_is_empty(block, drop_user=False):
        return False
    desc = block.get("resources")
    if isinstance(desc, dict) and not _description_matches(desc, req):
        return False
    return not (req.user_info is not None and has_user and not _user_matches(block, req))


def matches(statement: Any, req: Request, *, exclude: bool = False) -> bool:
    """A ``match`` or ``exclude`` statement against the request."""
    if not isinstance(statement, dict):
        return False
    any_blocks = statement.get("any")
    if any_blocks:
        return any(block_matches(b, req, exclude=exclude) for b in any_blocks)
    all_blocks = statement.get("all")
    if all_blocks:
        return all(block_matches(b, req, exclude=exclude) for b in all_blocks)
    legacy = {k: statement[k] for k in ("resources", *_USER_KEYS) if k in statement}
    return block_matches(legacy, req, exclude=exclude)


def rule_applies(rule: Mapping[str, Any], req: Request) -> bool:
    """match satisfied and exclude not."""
    if not matches(rule.get("match"), req):
        return False
    exclude = rule.get("exclude")
    return not (isinstance(exclude, dict) and matches(exclude, req, exclude=True))


def kinds_only(statement: Any) -> bool:
    """Whether a match statement is only bare ``Kind`` lists (``any`` blocks, one ``all`` block or the legacy block),
    so that the kind index alone decides it."""
    if not isinstance(statement, dict):
        return False
    if any(statement.get(k) for k in _USER_KEYS):
        return False
    if statement.get("any"):
        blocks = list(statement["any"])
    elif statement.get("all"):
        blocks = list(statement["all"])
        if len(blocks) != 1:
            return False
    else:
        blocks = [{"resources": statement.get("resources")}]
    for block in blocks:
        if not isinstance(block, dict) or set(block) != {"resources"}:
            return False
        desc = block["resources"]
        if not isinstance(desc, dict) or set(desc) != {"kinds"} or not isinstance(desc["kinds"], list):
            return False
        if not desc["kinds"]:
            return False
        for k in desc["kinds"]:
            if not isinstance(k, str) or "/" in k or wildcard.has_wildcard(k):
                return False
    return True


def statement_kinds(statement: Any) -> list[str] | None:
    """All kind selectors of a statement's blocks; None when some block has no kinds (so it may match any kind)."""
    if not isinstance(statement, dict):
        return None
    blocks: list[Any] = list(statement.get("any") or []) or list(statement.get("all") or [])
    if not blocks:
        blocks = [{"resources": statement.get("resources")}]
    kinds: list[str] = []
    for b in blocks:
        desc = b.get("resources") if isinstance(b, dict) else None
        ks = desc.get("kinds") if isinstance(desc, dict) else None
        if not ks:
            if statement.get("all"):
                continue
            return None
        kinds.extend(str(k) for k in ks)
    return kinds if kinds else None
