"""Policy sources: resolve each configured source to a local directory tree.

This first version supports ``type: local`` only; other types are accepted by the schema and refused here with a
clear "not supported yet" error (the sources issue adds git, oci, image and archive with pinning and a cache).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from policy_platform.config.model import PlatformConfig, SourceSpec
from policy_platform.errors import SourceError, UnsupportedSourceError


@dataclass(frozen=True, slots=True)
class MaterializedSource:
    """A source's tree on local disk, with its pin (digest/commit/sha256; empty for local) ."""

    name: str
    root: Path
    pin: str = ""


def materialize(config: PlatformConfig, spec: SourceSpec) -> MaterializedSource:
    if spec.type != "local":
        raise UnsupportedSourceError(
            f"source '{spec.name}': type '{spec.type}' is not supported yet (only 'local' in this version)",
            file=str(config.file),
            line=spec.line,
        )
    root = (config.base_dir / spec.path).resolve()
    if not root.is_dir():
        raise SourceError(f"source '{spec.name}': directory not found: {root}", file=str(config.file), line=spec.line)
    return MaterializedSource(name=spec.name, root=root)


def materialize_all(config: PlatformConfig) -> dict[str, MaterializedSource]:
    """Every configured source, in configuration order."""
    return {spec.name: materialize(config, spec) for spec in config.sources}


def source_path(config: PlatformConfig, name: str) -> Path:
    return materialize(config, config.source(name)).root
