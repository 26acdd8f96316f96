"""The Kyverno CLI values file (``kind: Values``): global, policy, rule and resource values, namespace labels.

Keys are dotted paths (CSV-split on ``.``, quotes protect dots) merged into the JSON context as a JSON merge patch.

``subresources: [{subresource: {name, kind, group, version}, parentResource: {kind, group, version}}]`` declares that
a resource whose (group, version, kind) equals ``subresource``'s is a subresource of ``parentResource``: it is matched
as ``ParentKind/<name after "/">`` (``Deployment/scale`` for ``name: deployments/scale``), as the Kyverno CLI does
without ``--cluster`` (``processor/policy_processor.go``; the last matching entry wins). A bare ``ParentKind`` selector
then no longer selects it, and its own kind no longer does either. Other APIResource fields (``singularName``,
``namespaced``, ``verbs``…) are accepted and ignored.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from policy_platform.errors import InputFileError


def split_key(key: str) -> list[str]:
    """``a.b."c.d"`` → ``["a", "b", "c.d"]`` (Go's csv reader with ``.`` as the separator)."""
    if '"' not in key:
        return key.split(".")
    return next(csv.reader(io.StringIO(key), delimiter="."))


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch; returns a new structure, never mutating ``target``."""
    if not isinstance(patch, dict):
        return patch
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


def add_variable(context: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    """Merge ``value`` at the dotted ``key`` into ``context`` (a new top-level dict)."""
    fields = split_key(key)
    patch: Any = value
    for name in reversed(fields):
        patch = {name: patch}
    merged = merge_patch(context, patch)
    assert isinstance(merged, dict)
    return merged


def add_values(context: dict[str, Any], values: Mapping[str, Any] | None) -> dict[str, Any]:
    for key, value in (values or {}).items():
        context = add_variable(context, str(key), value)
    return context


@dataclass(frozen=True, slots=True)
class RuleValues:
    values: Mapping[str, Any] = field(default_factory=dict)
    foreach_values: Mapping[str, list[Any]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Subresource:
    """One ``subresources`` entry: resources of (group, version, kind) are the ``name`` subresource of the parent."""

    name: str
    group: str
    version: str
    kind: str
    parent_group: str
    parent_version: str
    parent_kind: str

    @property
    def subresource(self) -> str:
        return self.name.split("/")[1]


def _subresources(entries: Any, file: str) -> tuple[Subresource, ...]:
    if entries is None:
        return ()
    if not isinstance(entries, list):
        raise InputFileError("subresources must be a list", file=file or None)
    out: list[Subresource] = []
    for i, entry in enumerate(entries):
        where = f"subresources[{i}]"
        if not isinstance(entry, dict):
            raise InputFileError(f"{where} must be a mapping", file=file or None)
        sub, parent = entry.get("subresource"), entry.get("parentResource")
        if not isinstance(sub, dict) or not isinstance(parent, dict):
            raise InputFileError(f"{where} needs subresource and parentResource mappings", file=file or None)
        name = sub.get("name")
        if not isinstance(name, str) or len(name.split("/")) < 2 or not name.split("/")[1]:
            raise InputFileError(
                f"{where}.subresource.name must be <resource>/<subresource>, got {name!r}", file=file or None
            )
        for label, part in (("subresource", sub), ("parentResource", parent)):
            if not isinstance(part.get("kind"), str) or not part["kind"]:
                raise InputFileError(f"{where}.{label}.kind is required", file=file or None)
            for key in ("group", "version"):
                if part.get(key) is not None and not isinstance(part[key], str):
                    raise InputFileError(f"{where}.{label}.{key} must be a string", file=file or None)
        out.append(
            Subresource(
                name=name,
                group=sub.get("group") or "",
                version=sub.get("version") or "",
                kind=sub["kind"],
                parent_group=parent.get("group") or "",
                parent_version=parent.get("version") or "",
                parent_kind=parent["kind"],
            )
        )
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Values:
    """A parsed values file (all parts optional)."""

    global_values: Mapping[str, Any] = field(default_factory=dict)
    rules: Mapping[tuple[str, str], RuleValues] = field(default_factory=dict)
    resources: Mapping[tuple[str, str], Mapping[str, Any]] = field(default_factory=dict)
    namespace_labels: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    subresources: tuple[Subresource, ...] = ()

    @staticmethod
    def parse(data: Any, *, file: str = "") -> Values:
        if data is None:
            return Values()
        if not isinstance(data, dict):
            raise InputFileError("values file must be a mapping", file=file or None)
        gv = data.get("globalValues") or {}
        if not isinstance(gv, dict):
            raise InputFileError("globalValues must be a mapping", file=file or None)
        rules: dict[tuple[str, str], RuleValues] = {}
        resources: dict[tuple[str, str], Mapping[str, Any]] = {}
        for pol in data.get("policies") or []:
            if not isinstance(pol, dict):
                raise InputFileError("policies entries must be mappings", file=file or None)
            pname = str(pol.get("name", ""))
            for rule in pol.get("rules") or []:
                if isinstance(rule, dict):
                    rules[(pname, str(rule.get("name", "")))] = RuleValues(
                        values=rule.get("values") or {}, foreach_values=rule.get("foreachValues") or {}
                    )
            for res in pol.get("resources") or []:
                if isinstance(res, dict):
                    resources[(pname, str(res.get("name", "")))] = res.get("values") or {}
        ns_labels: dict[str, Mapping[str, Any]] = {}
        for entry in data.get("namespaceSelector") or []:
            if isinstance(entry, dict):
                ns_labels[str(entry.get("name", ""))] = entry.get("labels") or {}
        return Values(
            global_values=gv,
            rules=rules,
            resources=resources,
            namespace_labels=ns_labels,
            subresources=_subresources(data.get("subresources"), file),
        )

    def subresource_target(self, api_version: str, kind: str) -> tuple[str, str, str, str] | None:
        """(group, version, kind, subresource) to match a resource as, when ``subresources`` declares it, else None."""
        if not self.subresources:
            return None
        group, _, version = api_version.rpartition("/")
        target = None
        for s in self.subresources:
            if (s.group, s.version, s.kind) == (group, version, kind):
                target = (s.parent_group, s.parent_version, s.parent_kind, s.subresource)
        return target

    def operation_for(self, policy: str, resource_name: str) -> str:
        op = self.resources.get((policy, resource_name), {}).get("request.operation")
        if op is None:
            op = self.global_values.get("request.operation")
        return str(op) if op else "CREATE"
