"""``platform.lock``: every non-local source pinned to immutable content.

JSON (sorted keys, stable diffs)::

    {"lockVersion": 1,
     "sources": {"security-policy": {"type": "image", "ref": "reg/sec-repo:2.1.2", "path": "/repos/security-policy/",
                                      "subdir": "", "platform": "linux/amd64",
                                      "pin": "sha256:<index digest>", "digest": "sha256:<platform manifest digest>",
                                      "content": "sha256:<tree hash of the materialized source>"}}}

``ref``/``path``/``subdir``/``platform`` record what was locked: when platform.yaml changes them the entry is stale
and is refused until ``policy-platform update``. ``content`` is checked against the materialized tree on every use.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from policy_platform._internal.fs import atomic_write_text
from policy_platform.config.model import PlatformConfig, SourceSpec
from policy_platform.errors import ConfigError

LOCK_NAME = "platform.lock"
LOCK_VERSION = 1


@dataclass(frozen=True, slots=True)
class LockEntry:
    type: str
    ref: str
    pin: str
    content: str
    path: str = ""
    subdir: str = ""
    platform: str = ""
    digest: str = ""

    def matches(self, spec: SourceSpec) -> bool:
        return not self.differences(spec)

    def differences(self, spec: SourceSpec) -> list[str]:
        """What platform.yaml changed since this entry was locked (``"ref 'a' -> 'b'"``), empty when it matches."""
        out = []
        for key, locked, now in (
            ("type", self.type, spec.type),
            ("ref", self.ref, spec_ref(spec)),
            ("path", self.path, spec.path),
            ("subdir", self.subdir, spec.subdir),
        ):
            if locked != now:
                out.append(f"{key} '{locked}' -> '{now}'")
        if spec.platform and spec.platform != self.platform:
            out.append(f"platform '{self.platform}' -> '{spec.platform}'")
        return out


@dataclass(frozen=True, slots=True)
class LockFile:
    path: Path
    entries: Mapping[str, LockEntry]


def spec_ref(spec: SourceSpec) -> str:
    """The reference as written in platform.yaml."""
    if spec.type == "git":
        return f"{spec.url}@{spec.ref}" if spec.ref else spec.url
    if spec.type == "archive":
        return f"{spec.url}#sha256={spec.sha256}" if spec.sha256 else spec.url
    if spec.type == "local":
        return spec.path
    return spec.ref


def lock_path(config: PlatformConfig) -> Path:
    return config.base_dir / LOCK_NAME


def load_lock(path: Path) -> LockFile | None:
    if not path.is_file():
        return None
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"invalid lock file: {exc}", file=str(path)) from exc
    ok = isinstance(data, dict) and data.get("lockVersion") == LOCK_VERSION and isinstance(data.get("sources"), dict)
    if not ok:
        raise ConfigError(f"invalid lock file (expected lockVersion {LOCK_VERSION} and 'sources')", file=str(path))
    entries: dict[str, LockEntry] = {}
    for name, raw in data["sources"].items():
        try:
            entries[name] = LockEntry(**{k: str(v) for k, v in raw.items()})
        except TypeError as exc:
            raise ConfigError(f"invalid lock entry for source '{name}': {exc}", file=str(path)) from exc
    return LockFile(path=path, entries=entries)


def write_lock(path: Path, entries: Mapping[str, LockEntry]) -> None:
    body = {"lockVersion": LOCK_VERSION, "sources": {n: asdict(entries[n]) for n in sorted(entries)}}
    atomic_write_text(path, json.dumps(body, indent=2, sort_keys=True) + "\n")
