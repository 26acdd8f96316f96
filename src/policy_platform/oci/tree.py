"""An in-memory file tree (regular files, directories, symlinks) and safe extraction of tar/zip archives into it."""

from __future__ import annotations

import io
import os
import stat
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from policy_platform.errors import IntegrityError, SourceError
from policy_platform.oci.safepath import check_symlink, normalize_member, under


@dataclass(frozen=True, slots=True)
class Node:
    """``kind`` is ``file`` (``data``, ``executable``), ``dir`` or ``symlink`` (``target``)."""

    kind: str
    data: bytes = b""
    target: str = ""
    executable: bool = False


class Tree:
    """Paths (``a/b/c``, relative, normalised) → nodes. Directories are implied by paths and may be explicit."""

    def __init__(self) -> None:
        self.nodes: dict[str, Node] = {}
        self._prefixes: set[str] = set()  # every ancestor ever added: the fast path of put() skips subtree scans

    def _has_children(self, path: str) -> bool:
        return path in self._prefixes

    def remove_subtree(self, path: str) -> None:
        """Delete ``path`` and everything below it."""
        prefix = path + "/"
        for key in [k for k in self.nodes if k == path or k.startswith(prefix)]:
            del self.nodes[key]

    def remove_children(self, path: str) -> None:
        """Delete everything below ``path`` (``""``: the whole tree) but keep ``path`` itself."""
        prefix = path + "/" if path else ""
        for key in [k for k in self.nodes if k.startswith(prefix) and k != path]:
            del self.nodes[key]

    def put(self, path: str, node: Node) -> None:
        """Add ``path`` (last entry wins): a non-directory replaces a directory and its subtree, and an entry below
        a non-directory replaces that non-directory with the implied directory."""
        if node.kind != "dir":
            if self._has_children(path):
                self.remove_children(path)
        elif path in self.nodes and self.nodes[path].kind != "dir":
            del self.nodes[path]
        parts = path.split("/")
        for i in range(1, len(parts)):
            anc = "/".join(parts[:i])
            self._prefixes.add(anc)
            existing = self.nodes.get(anc)
            if existing is not None and existing.kind != "dir":
                del self.nodes[anc]
        self.nodes[path] = node

    def files(self) -> Iterator[tuple[str, Node]]:
        for path in sorted(self.nodes):
            yield path, self.nodes[path]

    def write(self, dest: Path, what: str) -> None:
        """Materialise under ``dest`` (which must not exist yet or be empty); symlinks re-checked before creation."""
        dest.mkdir(parents=True, exist_ok=True)
        for path, node in self.files():
            if not path:
                continue
            target = dest / path
            target.parent.mkdir(parents=True, exist_ok=True)
            if node.kind == "dir":
                target.mkdir(exist_ok=True)
            elif node.kind == "file":
                target.write_bytes(node.data)
                os.chmod(target, 0o755 if node.executable else 0o644)
            elif node.kind == "symlink":
                check_symlink(path, node.target, what)
                os.symlink(node.target, target)


def _read_member(tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    fh = tar.extractfile(member)
    return fh.read() if fh is not None else b""


def tree_from_tar(fileobj: IO[bytes], what: str, *, subdir: str = "") -> Tree:
    """Read a (possibly compressed) tar stream into a :class:`Tree`, keeping only ``subdir`` (re-rooted)."""
    tree = Tree()
    root = normalize_member(subdir, what) if subdir else ""
    try:
        with tarfile.open(fileobj=fileobj, mode="r|*") as tar:
            for member in tar:
                name = normalize_member(member.name, what)
                rel = under(name, root)
                if rel is None:
                    continue
                if member.isdir():
                    if rel:
                        tree.put(rel, Node("dir"))
                elif member.isreg():
                    tree.put(rel, Node("file", _read_member(tar, member), executable=bool(member.mode & 0o111)))
                elif member.issym():
                    check_symlink(rel, member.linkname, f"{what}: {member.name}")
                    tree.put(rel, Node("symlink", target=member.linkname))
                elif member.islnk():
                    link = under(normalize_member(member.linkname, what), root)
                    node = tree.nodes.get(link) if link is not None else None
                    if node is None or node.kind != "file":
                        raise IntegrityError(f"{what}: hard link '{member.name}' -> '{member.linkname}' has no target")
                    tree.put(rel, node)
                # devices, fifos: ignored
    except (tarfile.TarError, EOFError, OSError, zlib_error()) as exc:
        raise SourceError(f"{what}: not a readable tar archive: {exc}") from exc
    return tree


def zlib_error() -> type[Exception]:
    import zlib

    return zlib.error


def tree_from_zip(data: bytes, what: str, *, subdir: str = "") -> Tree:
    tree = Tree()
    root = normalize_member(subdir, what) if subdir else ""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for info in zf.infolist():
                name = normalize_member(info.filename, what)
                rel = under(name, root)
                if rel is None:
                    continue
                mode = info.external_attr >> 16
                if info.is_dir():
                    if rel:
                        tree.put(rel, Node("dir"))
                elif stat.S_ISLNK(mode):
                    target = zf.read(info).decode("utf-8")
                    check_symlink(rel, target, f"{what}: {info.filename}")
                    tree.put(rel, Node("symlink", target=target))
                else:
                    tree.put(rel, Node("file", zf.read(info), executable=bool(mode & 0o111)))
    except (zipfile.BadZipFile, OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"{what}: not a readable zip archive: {exc}") from exc
    return tree


def tree_from_archive(data: bytes, what: str, *, subdir: str = "") -> Tree:
    """A .zip (by magic bytes) or a tar, plain or compressed."""
    if data[:4] == b"PK\x03\x04" or data[:4] == b"PK\x05\x06":
        return tree_from_zip(data, what, subdir=subdir)
    return tree_from_tar(io.BytesIO(data), what, subdir=subdir)
