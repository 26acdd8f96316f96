"""Policy sources: resolve each configured source to a pinned, verified directory tree.

Types (one module each, registered in :data:`SOURCE_TYPES`): ``local`` (used in place), ``git``, ``oci``, ``image``,
``archive``. Non-local sources are resolved to an immutable pin (commit SHA, manifest digest plus chosen platform
digest, archive sha256), fetched once into the content-addressed cache (:mod:`.store`) and reused.

``platform.lock`` next to platform.yaml (:mod:`.lockfile`) is used automatically when present: a locked source is
fetched at its pin and its tree must match the recorded content hash; an entry that no longer matches platform.yaml is
refused until ``policy-platform update``. A mutable reference (branch, ``:main``, ``:latest``) that is not locked is
resolved live and yields a notice. ``offline=True`` uses only the lock file and the cache and names what is missing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from policy_platform.config.model import PlatformConfig, SourceSpec
from policy_platform.errors import IntegrityError, SourceError, UnsupportedSourceError
from policy_platform.oci.options import RegistryOptions, options_from_env
from policy_platform.sources.archive import ArchiveSource
from policy_platform.sources.base import FetchContext, Pin, SourceType
from policy_platform.sources.git import GitSource
from policy_platform.sources.image import ImageSource
from policy_platform.sources.local import local_root
from policy_platform.sources.lockfile import LockEntry, LockFile, load_lock, lock_path, spec_ref, write_lock
from policy_platform.sources.oci import OciSource
from policy_platform.sources.store import Store, tree_hash

SOURCE_TYPES: dict[str, SourceType] = {
    "git": GitSource(),
    "oci": OciSource(),
    "image": ImageSource(),
    "archive": ArchiveSource(),
}

LockOption = LockFile | Literal["auto"] | None


@dataclass(frozen=True, slots=True)
class MaterializedSource:
    """A source's tree on local disk, with its pin (digest/commit/sha256; empty for local)."""

    name: str
    root: Path
    pin: str = ""
    type: str = "local"
    platform: str = ""
    notices: tuple[str, ...] = ()


def _ctx(config: PlatformConfig, spec: SourceSpec, registry: RegistryOptions | None) -> FetchContext:
    import os

    return FetchContext(
        base_dir=config.base_dir,
        registry=registry if registry is not None else options_from_env(os.environ),
        what=f"source '{spec.name}'",
    )


def _impl(config: PlatformConfig, spec: SourceSpec) -> SourceType:
    impl = SOURCE_TYPES.get(spec.type)
    if impl is None:
        raise UnsupportedSourceError(f"source '{spec.name}': unknown type '{spec.type}'", file=str(config.file),
                                     line=spec.line)
    return impl


def _key_fingerprint(config: PlatformConfig, spec: SourceSpec) -> str:
    """Part of the cache key when ``verify`` is set: an entry exists only once verified with exactly this key."""
    if not spec.verify_key:
        return ""
    key = Path(spec.verify_key)
    path = key if key.is_absolute() else config.base_dir / key
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise SourceError(f"source '{spec.name}': cannot read verify key {path}: {exc.strerror}",
                          file=str(config.file), line=spec.line) from exc


def _entry_path(store: Store, config: PlatformConfig, spec: SourceSpec, pin: Pin) -> Path:
    scoped = spec.name if spec.type == "oci" else ""
    parts = (pin.pin, pin.digest, spec.path, spec.subdir, scoped, _key_fingerprint(config, spec))
    return store.entry(spec.type, parts)


def _lock_for(config: PlatformConfig, lock: LockOption) -> LockFile | None:
    if lock == "auto":
        return load_lock(lock_path(config))
    return lock


def _fetch(config: PlatformConfig, spec: SourceSpec, pin: Pin, store: Store, ctx: FetchContext, offline: bool) -> Path:
    path = _entry_path(store, config, spec, pin)
    if path.is_dir():
        return path
    if offline:
        raise SourceError(
            f"source '{spec.name}': {pin.digest or pin.pin} is not in the cache ({store.root}); run without --offline",
            file=str(config.file), line=spec.line,
        )
    impl = _impl(config, spec)
    return store.ensure(path, lambda dest: impl.fetch(spec, pin, dest, ctx))


def materialize(
    config: PlatformConfig,
    spec: SourceSpec,
    *,
    cache_dir: Path | None = None,
    offline: bool = False,
    lock: LockOption = "auto",
    registry: RegistryOptions | None = None,
) -> MaterializedSource:
    """The source's tree on disk. ``local`` needs no cache; other types go through the lock file and the cache."""
    if spec.type == "local":
        return MaterializedSource(name=spec.name, root=local_root(spec, config.base_dir, str(config.file)))
    store = Store(cache_dir)
    ctx = _ctx(config, spec, registry)
    lockfile = _lock_for(config, lock)
    entry = lockfile.entries.get(spec.name) if lockfile is not None else None
    notices: list[str] = []
    if entry is not None:
        changed = entry.differences(spec)
        if changed:
            raise IntegrityError(
                f"source '{spec.name}': platform.lock is out of date ({', '.join(changed)}); "
                f"run 'policy-platform update {spec.name}'",
                file=str(config.file), line=spec.line,
            )
        pin = Pin(pin=entry.pin, platform=entry.platform, digest=entry.digest)
    elif offline:
        remembered = store.recall(spec.type, spec_ref(spec))
        if remembered is None:
            raise SourceError(
                f"source '{spec.name}': not locked and never fetched into the cache ({store.root}); "
                "cannot work offline",
                file=str(config.file), line=spec.line,
            )
        pin = Pin(pin=remembered.get("pin", ""), platform=remembered.get("platform", ""),
                  digest=remembered.get("digest", ""))
        notices.append(f"source '{spec.name}': offline, using the last resolved pin {pin.pin}")
    else:
        pin = _impl(config, spec).resolve(spec, ctx)
        store.remember(spec.type, spec_ref(spec), {"pin": pin.pin, "platform": pin.platform, "digest": pin.digest})
        if pin.mutable:
            notices.append(
                f"source '{spec.name}': '{spec_ref(spec)}' is a mutable reference and not locked "
                f"(resolved to {pin.pin}); run 'policy-platform lock' to pin it"
            )
    root = _fetch(config, spec, pin, store, ctx, offline)
    if entry is not None and entry.content:
        actual = tree_hash(root)
        if actual != entry.content:
            raise IntegrityError(
                f"source '{spec.name}': content {actual} does not match the pin in platform.lock ({entry.content}); "
                f"cache entry {root} was modified? remove it and retry",
                file=str(config.file), line=spec.line,
            )
    return MaterializedSource(
        name=spec.name, root=root, pin=pin.pin, type=spec.type, platform=pin.platform, notices=tuple(notices)
    )


def materialize_all(
    config: PlatformConfig,
    *,
    cache_dir: Path | None = None,
    offline: bool = False,
    lock: LockOption = "auto",
    registry: RegistryOptions | None = None,
) -> dict[str, MaterializedSource]:
    """Every configured source, in configuration order (the lock file is read once)."""
    lockfile = _lock_for(config, lock)
    return {
        spec.name: materialize(config, spec, cache_dir=cache_dir, offline=offline, lock=lockfile, registry=registry)
        for spec in config.sources
    }


def source_path(config: PlatformConfig, name: str) -> Path:
    return materialize(config, config.source(name)).root


def lock_sources(
    config: PlatformConfig,
    *,
    update: Iterable[str] | None = None,
    cache_dir: Path | None = None,
    registry: RegistryOptions | None = None,
) -> tuple[dict[str, LockEntry], list[str]]:
    """Resolve, fetch and pin every non-local source and write ``platform.lock``; return (entries, changes).

    Existing entries that still match platform.yaml are kept unless named in ``update`` (``update=[]`` → none,
    ``update=None`` → ``lock`` semantics: only missing or stale entries are resolved). ``update`` with every name
    re-resolves everything.
    """
    path = lock_path(config)
    current = load_lock(path)
    old = dict(current.entries) if current is not None else {}
    wanted = set(update or ())
    unknown = wanted - {s.name for s in config.sources}
    if unknown:
        raise SourceError(f"unknown source(s): {', '.join(sorted(unknown))}", file=str(config.file))
    store = Store(cache_dir)
    entries: dict[str, LockEntry] = {}
    changes: list[str] = []
    for spec in config.sources:
        if spec.type == "local":
            continue
        prev = old.get(spec.name)
        if prev is not None and prev.matches(spec) and spec.name not in wanted:
            entries[spec.name] = prev
            continue
        ctx = _ctx(config, spec, registry)
        pin = _impl(config, spec).resolve(spec, ctx)
        store.remember(spec.type, spec_ref(spec), {"pin": pin.pin, "platform": pin.platform, "digest": pin.digest})
        root = _fetch(config, spec, pin, store, ctx, offline=False)
        entry = LockEntry(
            type=spec.type, ref=spec_ref(spec), pin=pin.pin, content=tree_hash(root), path=spec.path,
            subdir=spec.subdir, platform=pin.platform, digest=pin.digest,
        )
        entries[spec.name] = entry
        if prev is None:
            changes.append(f"{spec.name}: locked {entry.ref} -> {entry.pin}")
        elif prev != entry:
            changes.append(f"{spec.name}: {prev.pin} -> {entry.pin}")
    write_lock(path, entries)
    return entries, changes


@dataclass(frozen=True, slots=True)
class SourceStatus:
    name: str
    type: str
    ref: str
    pin: str
    locked: str  # "locked" | "unlocked" | "stale" | "-" (local)
    cached: str  # "cached" | "missing" | "local"
    root: Path | None


def source_statuses(config: PlatformConfig, *, cache_dir: Path | None = None) -> list[SourceStatus]:
    """What ``policy-platform sources`` shows; never touches the network."""
    lockfile = load_lock(lock_path(config))
    store = Store(cache_dir)
    out: list[SourceStatus] = []
    for spec in config.sources:
        if spec.type == "local":
            root = (config.base_dir / spec.path).resolve()
            out.append(SourceStatus(spec.name, spec.type, spec.path, "", "-", "local" if root.is_dir() else "missing",
                                    root if root.is_dir() else None))
            continue
        entry = lockfile.entries.get(spec.name) if lockfile else None
        if entry is not None:
            state = "locked" if entry.matches(spec) else "stale"
            pin = Pin(entry.pin, entry.platform, entry.digest)
        else:
            state = "unlocked"
            remembered = store.recall(spec.type, spec_ref(spec)) or {}
            pin = Pin(remembered.get("pin", ""), remembered.get("platform", ""), remembered.get("digest", ""))
        path = _entry_path(store, config, spec, pin) if pin.pin else None
        cached = "cached" if path is not None and path.is_dir() else "missing"
        out.append(SourceStatus(spec.name, spec.type, spec_ref(spec), pin.pin, state, cached,
                                path if cached == "cached" else None))
    return out


__all__ = [
    "SOURCE_TYPES",
    "MaterializedSource",
    "SourceStatus",
    "lock_sources",
    "materialize",
    "materialize_all",
    "source_path",
    "source_statuses",
]


