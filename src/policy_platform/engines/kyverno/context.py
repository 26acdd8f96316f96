"""Rule context entries (Kyverno ``pkg/engine/context/loaders``), offline like the Kyverno CLI.

Values injected from the values file come first; ``variable`` entries then load (``value`` substituted and queried with
``jmesPath``; without ``value``, ``jmesPath`` queries the context; ``default`` covers an error or nil; a final nil is an
error). ``apiCall``, ``configMap``, ``globalReference`` and ``imageRegistry`` entries need a cluster or registry: they
load nothing, so their names resolve only from injected values ("Unknown key" otherwise).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from policy_platform.engines.kyverno.jmespath_dialect import JMESPathError, search
from policy_platform.engines.kyverno.values import add_variable
from policy_platform.engines.kyverno.variables import SubstitutionError, substitute_all


class ContextError(Exception):
    """A context entry that failed to load."""


def load_entries(entries: Sequence[Any] | None, context: dict[str, Any]) -> dict[str, Any]:
    """Load ``entries`` into a new context dict."""
    for entry in entries or []:
        if type(entry) is not dict and not isinstance(entry, Mapping):  # the exact-type test skips the ABC check
            raise ContextError("context entries must be mappings")
        name = str(entry.get("name", ""))
        variable = entry.get("variable")
        if variable is None:
            continue
        if type(variable) is not dict and not isinstance(variable, Mapping):
            raise ContextError(f"context entry {name}: variable must be a mapping")
        context = {**context, name: _variable(name, variable, context)}
    return context


def _variable(name: str, spec: Mapping[str, Any], context: dict[str, Any]) -> Any:
    path = ""
    if spec.get("jmesPath"):
        try:
            path = str(substitute_all(spec["jmesPath"], context))
        except SubstitutionError as exc:
            raise ContextError(f"failed to substitute variables in context entry {name}: {exc}") from None
    default: Any = None
    if spec.get("default") is not None:
        try:
            default = substitute_all(spec["default"], context)
        except SubstitutionError as exc:
            raise ContextError(f"failed to substitute variables in context entry {name}: {exc}") from None
    output: Any = default
    if spec.get("value") is not None:
        try:
            value = substitute_all(spec["value"], context)
        except SubstitutionError as exc:
            raise ContextError(f"failed to substitute variables in context entry {name}: {exc}") from None
        if path:
            try:
                output = search(path, value)
            except JMESPathError as exc:
                if default is None:
                    raise ContextError(f"failed to apply jmespath {path} to variable {name}: {exc}") from None
        else:
            output = value
    elif path:
        try:
            result = search(path, context)
            if result is not None:
                output = result
        except JMESPathError as exc:
            if default is None:
                raise ContextError(f"failed to apply jmespath {path} to variable {name}: {exc}") from None
    if output is None:
        raise ContextError(f"unable to add context entry for variable {name} since it evaluated to nil")
    return output


def inject(context: dict[str, Any], values: Mapping[str, Any] | None) -> dict[str, Any]:
    """Merge dotted-key values into the context."""
    for key, value in (values or {}).items():
        context = add_variable(context, str(key), value)
    return context
