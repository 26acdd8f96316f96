"""The Kyverno CLI values file (``kind: Values``): global, policy, rule and resource values, namespace labels.

Keys are dotted paths (CSV-split on ``.``, quotes protect dots) merged into the JSON context as a JSON merge patch.
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
class Values:
    """A parsed values file (all parts optional)."""

    global_values: Mapping[str, Any] = field(default_factory=dict)
    rules: Mapping[tuple[str, str], RuleValues] = field(default_factory=dict)
    resources: Mapping[tuple[str, str], Mapping[str, Any]] = field(default_factory=dict)
    namespace_labels: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

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
        return Values(global_values=gv, rules=rules, resources=resources, namespace_labels=ns_labels)

    def operation_for(self, policy: str, resource_name: str) -> str:
        op = self.resources.get((policy, resource_name), {}).get("request.operation")
        if op is None:
            op = self.global_values.get("request.operation")
        return str(op) if op else "CREATE"
