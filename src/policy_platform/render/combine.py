"""Combine the rendered policies of several sources: prefixes, precedence and name conflicts.

Policies are identified by ``Kind/name`` (``Kind/namespace/name`` for namespaced kinds). A source's ``prefix`` renames
its policies (``security-`` + name, unless already prefixed). Two sources defining one identity is an error naming both
origins, unless both sources are listed in ``precedence``: then the later one wins and a notice records the override.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, replace

from policy_platform.config.model import PlatformConfig
from policy_platform.errors import ConfigError
from policy_platform.render.sources import RenderedPolicy, RenderedSource


@dataclass(frozen=True, slots=True)
class Combined:
    policies: tuple[RenderedPolicy, ...]
    notices: tuple[str, ...] = ()


def identity(policy: RenderedPolicy) -> str:
    if policy.namespace:
        return f"{policy.kind}/{policy.namespace}/{policy.name}"
    return f"{policy.kind}/{policy.name}"


def _with_prefix(policy: RenderedPolicy, prefix: str) -> RenderedPolicy:
    if not prefix or policy.name.startswith(prefix):
        return policy
    data = copy.deepcopy(policy.document.data)
    data["metadata"]["name"] = prefix + policy.name
    doc = replace(policy.document, data=data)
    return replace(policy, name=prefix + policy.name, document=doc)


def combine(config: PlatformConfig, rendered: Sequence[RenderedSource]) -> Combined:
    prefixes = {s.name: s.prefix for s in config.sources}
    rank = {name: i for i, name in enumerate(config.precedence)}
    chosen: dict[str, RenderedPolicy] = {}
    notices: list[str] = []
    for source in rendered:
        for policy in source.documents:
            pol = _with_prefix(policy, prefixes.get(source.name, ""))
            key = identity(pol)
            previous = chosen.get(key)
            if previous is None:
                chosen[key] = pol
                continue
            a, b = previous.origin, pol.origin
            where_a = f"{a.source}:{a.template}"
            where_b = f"{b.source}:{b.template}"
            if a.source in rank and b.source in rank and a.source != b.source:
                winner, loser = (pol, previous) if rank[b.source] > rank[a.source] else (previous, pol)
                chosen[key] = winner
                notices.append(
                    f"{key}: {winner.origin.source} overrides {loser.origin.source} (precedence: "
                    f"{', '.join(config.precedence)})"
                )
                continue
            raise ConfigError(
                f"policy {key} is defined by {where_a} and by {where_b}; rename one, set a 'prefix' on a source, "
                f"or list both sources in 'precedence'",
                file=str(config.file),
            )
    return Combined(policies=tuple(chosen.values()), notices=tuple(notices))
