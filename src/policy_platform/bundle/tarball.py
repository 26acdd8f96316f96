"""Reproducible tar.gz: the same files always give the same bytes.

Entries sorted by path; regular files only (directories implied); mode 0644 (0755 when executable); uid/gid 0 and
empty user/group names; mtime 0; PAX format; gzip header with mtime 0, no file name, compression level 6.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile
from collections.abc import Mapping

GZIP_LEVEL = 6


def tar_bytes(files: Mapping[str, bytes], executables: frozenset[str] = frozenset()) -> bytes:
    """An uncompressed, reproducible tar of ``files`` (path → content)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in sorted(files):
            data = files[path]
            info = tarfile.TarInfo(path)
            info.size = len(data)
            info.mode = 0o755 if path in executables else 0o644
            info.mtime = 0
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.type = tarfile.REGTYPE
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def gzip_bytes(data: bytes) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=GZIP_LEVEL, mtime=0) as gz:
        gz.write(data)
    return buf.getvalue()


def tar_gz(files: Mapping[str, bytes], executables: frozenset[str] = frozenset()) -> tuple[bytes, str]:
    """(tar.gz bytes, ``sha256:`` of the uncompressed tar — the layer's diff_id)."""
    raw = tar_bytes(files, executables)
    return gzip_bytes(raw), "sha256:" + hashlib.sha256(raw).hexdigest()
