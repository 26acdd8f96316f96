"""The source-type protocol: ``resolve`` a spec to an immutable :class:`Pin`, ``fetch`` a pinned tree into a directory.

Implementations live one per module (``local``, ``git``, ``oci``, ``image``, ``archive``) and are registered in the
explicit ``SOURCE_TYPES`` dict of :mod:`policy_platform.sources`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from policy_platform.config.model import SourceSpec
from policy_platform.oci.options import RegistryOptions


@dataclass(frozen=True, slots=True)
class Pin:
    """What a reference resolved to.

    ``pin``: commit SHA (git), manifest digest (oci; the index digest for image), archive sha256. ``digest`` and
    ``platform``: the platform-specific image manifest chosen from an index. ``mutable``: the reference as written can
    move (branch, ``:main``, ``:latest``, archive without sha256).
    """

    pin: str
    platform: str = ""
    digest: str = ""
    mutable: bool = False


@dataclass(frozen=True, slots=True)
class FetchContext:
    base_dir: Path
    registry: RegistryOptions
    what: str  # "source 'name'" for messages


class SourceType(Protocol):
    def resolve(self, spec: SourceSpec, ctx: FetchContext) -> Pin:
        """Resolve the spec's reference to an immutable pin (network)."""
        ...

    def fetch(self, spec: SourceSpec, pin: Pin, dest: Path, ctx: FetchContext) -> None:
        """Write the pinned tree into ``dest`` (a path that does not exist yet), verifying integrity."""
        ...


def mutable_tag(tag: str) -> bool:
    """A tag that reads as a moving pointer rather than a release (``latest``, ``main``, branches)."""
    import re

    return not re.fullmatch(r"v?\d+(\.\d+)*([-+._][0-9A-Za-z.-]+)?", tag or "latest")
