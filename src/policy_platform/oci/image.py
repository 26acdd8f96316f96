"""Extract a sub-path (``/repos/<name>/``) from an ordinary container image, as ``COPY --from=`` does, without Docker.

1. Select the manifest: an OCI index or Docker manifest list is narrowed to the requested platform
   (``os/arch[/variant]``, default ``linux/amd64``), skipping attestation entries; indexes may nest. An unknown
   platform lists the available ones.
2. Read the config for ``rootfs.diff_ids``.
3. For each layer in order: download (digest verified), decompress by magic bytes (gzip, zstd when ``zstandard`` is
   installed, else plain tar), verify the uncompressed sha256 against the ``diff_id``.
4. Per layer, collect whiteouts first (``.wh..wh..opq`` hides lower content of its directory, ``.wh.<name>`` deletes a
   path and its subtree, a whiteout or a non-directory on an ancestor wipes the sub-path), apply them to the lower
   layers, then add this layer's entries (last entry wins). Hard links resolve to earlier content; symlinks must stay
   inside the sub-path, otherwise the image is refused.
"""

from __future__ import annotations

import gzip
import hashlib
import tarfile
import tempfile
from dataclasses import dataclass
from typing import IO, Any

from policy_platform.errors import IntegrityError, RegistryError, SourceError
from policy_platform.oci import media
from policy_platform.oci.client import Manifest, RegistryClient
from policy_platform.oci.safepath import check_symlink, normalize_member, under
from policy_platform.oci.tree import Node, Tree

DEFAULT_PLATFORM = "linux/amd64"
_WH = ".wh."
_OPAQUE = ".wh..wh..opq"


@dataclass(frozen=True, slots=True)
class SelectedImage:
    """The image manifest chosen for a platform; ``index_digest`` is the digest the reference resolved to."""

    index_digest: str
    manifest: Manifest
    platform: str


def _platform_of(desc: dict[str, Any]) -> str:
    p = desc.get("platform") or {}
    parts = [str(p.get("os", "")), str(p.get("architecture", ""))]
    if p.get("variant"):
        parts.append(str(p["variant"]))
    return "/".join(parts)


def _matches(wanted: str, have: str) -> bool:
    w = wanted.split("/")
    h = have.split("/")
    if w[:2] != h[:2]:
        return False
    if len(w) == 3:
        return (len(h) == 3 and w[2] == h[2]) or (w[2] == "v8" and len(h) == 2 and w[1] == "arm64")
    return True


def select_image(client: RegistryClient, repo: str, reference: str, platform: str = "") -> SelectedImage:
    """Resolve ``reference`` to an image manifest for ``platform`` (nested indexes followed)."""
    wanted = platform or DEFAULT_PLATFORM
    top = client.get_manifest(repo, reference)
    current = top
    for _ in range(4):
        if current.media_type in media.IMAGE_MANIFEST_TYPES or (
            not current.is_index and isinstance(current.data.get("layers"), list)
        ):
            return SelectedImage(index_digest=top.digest, manifest=current, platform=platform)
        if not current.is_index:
            raise RegistryError(f"{client.registry}/{repo}:{reference}: unsupported manifest type {current.media_type}")
        candidates = []
        for desc in current.data.get("manifests") or []:
            annotations = desc.get("annotations") or {}
            plat = _platform_of(desc)
            if annotations.get("vnd.docker.reference.type") == "attestation-manifest" or plat.startswith("unknown/"):
                continue
            candidates.append((plat, desc))
        match = next((d for p, d in candidates if _matches(wanted, p)), None)
        if match is None:
            available = ", ".join(sorted({p for p, _ in candidates if p.strip("/")})) or "(none)"
            raise SourceError(f"{client.registry}/{repo}:{reference}: no image for platform {wanted} "
                              f"(available: {available})")
        current = client.get_manifest(repo, str(match["digest"]))
        chosen = _platform_of(match)
        if current.media_type in media.IMAGE_MANIFEST_TYPES:
            return SelectedImage(index_digest=top.digest, manifest=current, platform=chosen)
    raise RegistryError(f"{client.registry}/{repo}:{reference}: image indexes nested too deeply")


class _HashingReader:
    """A read-only stream that hashes what passes through (for the diff_id)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.hasher = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.hasher.update(data)
        return data

    def drain(self) -> str:
        while self.read(1 << 16):
            pass
        return "sha256:" + self.hasher.hexdigest()


def _decompressed(fh: IO[bytes], media_type: str, what: str) -> IO[bytes]:
    fh.seek(0)
    magic = fh.read(4)
    fh.seek(0)
    if magic[:2] == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=fh, mode="rb")  # type: ignore[return-value]
    if magic == b"\x28\xb5\x2f\xfd" or media_type.endswith("+zstd"):
        try:
            import zstandard
        except ImportError as exc:
            raise SourceError(f"{what}: zstd-compressed layer needs the 'zstandard' package") from exc
        return zstandard.ZstdDecompressor().stream_reader(fh)
    return fh


def _apply_layer(tree: Tree, tar_stream: IO[bytes], root: str, what: str) -> None:
    """Merge one layer's tar into ``tree`` (paths relative to ``root``), whiteouts first."""
    whiteouts: list[str] = []  # paths (relative to root, or "" for the whole sub-path) to delete from lower layers
    opaque: list[str] = []  # directories whose lower content is hidden
    entries: list[tuple[str, Node | None]] = []  # (rel, node); node None = a non-directory on an ancestor
    with tarfile.open(fileobj=tar_stream, mode="r|") as tar:
        for member in tar:
            name = normalize_member(member.name, what, allow_absolute=True)
            base = name.rsplit("/", 1)[-1]
            parent = name.rsplit("/", 1)[0] if "/" in name else ""
            if base == _OPAQUE:
                rel = under(parent, root)
                if rel is not None:
                    opaque.append(rel)
                continue
            if base.startswith(_WH):
                target = f"{parent}/{base[len(_WH):]}" if parent else base[len(_WH) :]
                rel = under(target, root)
                if rel is not None:
                    whiteouts.append(rel)
                elif root.startswith(target + "/"):
                    whiteouts.append("")
                continue
            rel = under(name, root)
            if rel is None:
                if root.startswith(name + "/") and not member.isdir():
                    entries.append(("", None))  # a file/link replacing an ancestor directory wipes the sub-path
                continue
            if member.isdir():
                entries.append((rel, Node("dir")))
            elif member.isreg():
                fh = tar.extractfile(member)
                data = fh.read() if fh is not None else b""
                entries.append((rel, Node("file", data, executable=bool(member.mode & 0o111))))
            elif member.issym():
                entries.append((rel, Node("symlink", target=member.linkname)))
            elif member.islnk():
                link = under(normalize_member(member.linkname, what, allow_absolute=True), root)
                node = None
                if link is not None:
                    node = next((n for r, n in reversed(entries) if r == link and n is not None), None)
                    node = node or tree.nodes.get(link)
                if node is None or node.kind != "file":
                    raise IntegrityError(
                        f"{what}: hard link '{member.name}' -> '{member.linkname}' points outside the extracted path"
                    )
                entries.append((rel, node))
    for rel in opaque:
        tree.remove_children(rel)
    for rel in whiteouts:
        if rel:
            tree.remove_subtree(rel)
        else:
            tree.remove_children("")
    for rel, entry in entries:
        if entry is None:
            tree.remove_children("")
        elif rel == "":
            if entry.kind != "dir":
                tree.remove_children("")
        else:
            tree.put(rel, entry)


def extract_path(client: RegistryClient, repo: str, image: SelectedImage, path: str) -> Tree:
    """The tree under ``path`` (e.g. ``/repos/security-policy/``) of the selected image, layers applied in order."""
    what = f"{client.registry}/{repo}@{image.manifest.digest}"
    root = normalize_member(path, what, allow_absolute=True)
    config_desc = image.manifest.data.get("config") or {}
    diff_ids: list[str] = []
    if config_desc.get("mediaType") in (media.OCI_IMAGE_CONFIG, media.DOCKER_IMAGE_CONFIG):
        import json

        config = json.loads(client.get_blob(repo, str(config_desc["digest"])))
        diff_ids = list((config.get("rootfs") or {}).get("diff_ids") or [])
    layers = list(image.manifest.data.get("layers") or [])
    if diff_ids and len(diff_ids) != len(layers):
        raise IntegrityError(f"{what}: config lists {len(diff_ids)} diff_ids for {len(layers)} layers")
    tree = Tree()
    for i, layer in enumerate(layers):
        digest = str(layer["digest"])
        layer_what = f"{what}: layer {digest}"
        if layer.get("urls") and layer.get("mediaType") in (media.DOCKER_LAYER_FOREIGN, media.OCI_LAYER_NONDIST_GZIP):
            raise SourceError(f"{layer_what}: foreign (non-distributable) layers are not supported")
        with tempfile.TemporaryFile() as fh:
            client.download_blob(repo, digest, fh)
            reader = _HashingReader(_decompressed(fh, str(layer.get("mediaType", "")), layer_what))
            try:
                _apply_layer(tree, reader, root, layer_what)  # type: ignore[arg-type]
                actual = reader.drain()
            except (tarfile.TarError, OSError, EOFError) as exc:
                raise SourceError(f"{layer_what}: unreadable layer: {exc}") from exc
            if diff_ids and actual != diff_ids[i]:
                raise IntegrityError(f"{layer_what}: uncompressed content does not match diff_id {diff_ids[i]}")
    for rel, node in tree.files():
        if node.kind == "symlink":
            check_symlink(rel, node.target, f"{what}: /{root}/{rel}")
    if not tree.nodes:
        raise SourceError(f"{what}: the image has nothing under /{root}/")
    return tree
