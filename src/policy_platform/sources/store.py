"""The content-addressed cache of materialized source trees (like pre-commit's store).

Root: ``--cache-dir``, else ``$POLICY_PLATFORM_CACHE``, else ``$XDG_CACHE_HOME/policy-platform``, else
``~/.cache/policy-platform``. Entries live in ``trees/<type>/<key>/`` where the key hashes the immutable pin and every
option that changes the tree (sub-path, platform digest). An entry is built in ``tmp/`` and renamed into place under an
exclusive file lock, after re-checking that no concurrent run created it meanwhile, so a reader never sees a partial
tree and two runs never build one entry twice. ``refs/`` remembers the last pin each reference resolved to (for
``--offline`` without a lock file).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from policy_platform._internal.fs import atomic_write_text


def default_cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    if env.get("POLICY_PLATFORM_CACHE"):
        return Path(env["POLICY_PLATFORM_CACHE"])
    xdg = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "policy-platform"


def _h(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def tree_hash(root: Path) -> str:
    """``sha256:`` over the sorted (path, kind, sha256 of content or link target) of every entry under ``root``."""
    lines: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames + [d for d in dirnames if (Path(dirpath) / d).is_symlink()]):
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                lines.append(f"l {rel} {_h(os.readlink(path))}")
            else:
                lines.append(f"f {rel} {hashlib.sha256(path.read_bytes()).hexdigest()}")
    return "sha256:" + _h("\n".join(sorted(lines)))


class Store:
    def __init__(self, root: Path | None = None) -> None:
        self.root = (root or default_cache_dir()).expanduser()

    def entry(self, kind: str, key_parts: tuple[str, ...]) -> Path:
        return self.root / "trees" / kind / _h("\x00".join(key_parts))[:40]

    @contextlib.contextmanager
    def locked(self, path: Path) -> Iterator[None]:
        locks = self.root / "locks"
        locks.mkdir(parents=True, exist_ok=True)
        with open(locks / (_h(str(path))[:40] + ".lock"), "a+b") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    def ensure(self, path: Path, build: Callable[[Path], None]) -> Path:
        """Return ``path``, building it with ``build(tmp_dest)`` first if absent (lock, re-check, temp dir, rename)."""
        if path.is_dir():
            return path
        with self.locked(path):
            if path.is_dir():
                return path
            tmp_root = self.root / "tmp"
            tmp_root.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix="build-", dir=tmp_root))
            try:
                build(tmp / "tree")
                if not (tmp / "tree").is_dir():
                    (tmp / "tree").mkdir()
                path.parent.mkdir(parents=True, exist_ok=True)
                os.rename(tmp / "tree", path)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
        return path

    def _ref_file(self, kind: str, ref: str) -> Path:
        return self.root / "refs" / f"{kind}-{_h(ref)[:40]}.json"

    def remember(self, kind: str, ref: str, pin: Mapping[str, str]) -> None:
        atomic_write_text(self._ref_file(kind, ref), json.dumps(dict(pin), sort_keys=True))

    def recall(self, kind: str, ref: str) -> dict[str, str] | None:
        try:
            data = json.loads(self._ref_file(kind, ref).read_text())
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None
