"""``type: archive``: a ``.tar.gz``/``.tgz``/``.tar``/``.zip`` from an https, http, or file URL (or a path relative to
platform.yaml), checked against ``sha256``. Without ``sha256`` the lock records the hash it saw (and warns)."""

from __future__ import annotations

import hashlib
import ssl
from pathlib import Path
from urllib.parse import unquote, urlparse

from policy_platform.config.model import SourceSpec
from policy_platform.errors import IntegrityError, SourceError
from policy_platform.oci.tree import tree_from_archive
from policy_platform.sources.base import FetchContext, Pin

TIMEOUT = 60.0


def download(spec: SourceSpec, ctx: FetchContext) -> bytes:
    url = spec.url
    parsed = urlparse(url)
    if parsed.scheme in ("http", "https"):
        import httpx  # only for remote archives: keeps importing sources cheap

        host = parsed.netloc
        if parsed.scheme == "http" and host not in ctx.registry.insecure_registries:
            raise SourceError(f"{ctx.what}: plain http URL {url} (use https, or list the host as insecure)")
        try:
            ca = ctx.registry.ca_file
            verify: ssl.SSLContext | bool = ssl.create_default_context(cafile=ca) if ca else True
            resp = httpx.get(url, timeout=TIMEOUT, follow_redirects=True, verify=verify)
        except httpx.HTTPError as exc:
            raise SourceError(f"{ctx.what}: cannot download {url}: {exc}") from exc
        if resp.status_code != 200:
            raise SourceError(f"{ctx.what}: cannot download {url}: HTTP {resp.status_code}")
        return resp.content
    path = Path(unquote(parsed.path)) if parsed.scheme == "file" else Path(url)
    if not path.is_absolute():
        path = ctx.base_dir / path
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SourceError(f"{ctx.what}: cannot read archive {path}: {exc.strerror}") from exc


class ArchiveSource:
    def resolve(self, spec: SourceSpec, ctx: FetchContext) -> Pin:
        if spec.sha256:
            return Pin(pin=spec.sha256)
        return Pin(pin=hashlib.sha256(download(spec, ctx)).hexdigest(), mutable=True)

    def fetch(self, spec: SourceSpec, pin: Pin, dest: Path, ctx: FetchContext) -> None:
        data = download(spec, ctx)
        actual = hashlib.sha256(data).hexdigest()
        if actual != pin.pin:
            raise IntegrityError(f"{ctx.what}: {spec.url} has sha256 {actual}, expected {pin.pin}")
        tree = tree_from_archive(data, f"{ctx.what} ({spec.url})", subdir=spec.subdir)
        if not tree.nodes:
            raise SourceError(f"{ctx.what}: '{spec.subdir or '.'}' is empty or missing in {spec.url}")
        tree.write(dest, ctx.what)
