"""``type: local``: a directory next to platform.yaml, used in place (no pin, no cache)."""

from __future__ import annotations

from pathlib import Path

from policy_platform.config.model import SourceSpec
from policy_platform.errors import SourceError


def local_root(spec: SourceSpec, base_dir: Path, config_file: str) -> Path:
    root = (base_dir / spec.path).resolve()
    if not root.is_dir():
        raise SourceError(f"source '{spec.name}': directory not found: {root}", file=config_file, line=spec.line)
    return root
