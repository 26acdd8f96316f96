"""Push and pull bundles as OCI artifacts (or as ordinary images whose layer holds ``/repos/...``).

Artifact: one OCI image manifest, ``artifactType`` = ``application/vnd.policy-platform.bundle.v1``, config blob of type
``application/vnd.policy-platform.bundle.config.v1+json`` (the bundle's ``manifest.json`` plus the uncompressed tar's
digest), one ``tar+gzip`` layer. ``--image``: the same layer under a standard OCI image config (``linux/amd64``,
``rootfs.diff_ids``) so ``COPY --from=<ref> /repos/ /repos/`` works in a Dockerfile.

Pull verifies the manifest (when pinned), config and layer digests, the uncompressed digest, and every file against
the per-file sha256 index of ``manifest.json``.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from policy_platform._internal.fs import atomic_write_bytes
from policy_platform.errors import IntegrityError, RegistryError, UsageError
from policy_platform.oci import media
from policy_platform.oci.client import RegistryClient, RegistryOptions, sha256_digest
from policy_platform.oci.ref import Reference
from policy_platform.oci.tree import Tree, tree_from_tar

MANIFEST = "manifest.json"
_VERSION_TAG = re.compile(r"v?\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?")


@dataclass(frozen=True, slots=True)
class PushResult:
    reference: Reference
    digest: str
    tags: tuple[str, ...]
    size: int


@dataclass(frozen=True, slots=True)
class PulledBundle:
    reference: Reference
    digest: str
    manifest: Mapping[str, Any]
    tree: Tree
    layer: bytes


def _canonical(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode("utf-8")


def read_bundle_manifest(tar_gz: bytes, what: str) -> dict[str, Any]:
    return manifest_of(tree_from_tar(io.BytesIO(tar_gz), what), what)


def manifest_of(tree: Tree, what: str) -> dict[str, Any]:
    node = tree.nodes.get(MANIFEST)
    if node is None or node.kind != "file":
        raise UsageError(f"{what}: not a policy-platform bundle (no {MANIFEST})")
    try:
        data = json.loads(node.data)
    except ValueError as exc:
        raise UsageError(f"{what}: {MANIFEST} is not valid JSON") from exc
    if not isinstance(data, dict):
        raise UsageError(f"{what}: {MANIFEST} is not a JSON object")
    return data


def default_tags(version: str, commit: str) -> list[str]:
    """The seed's tags: ``vX.Y.Z``, ``sha-<7 chars>``, ``latest``."""
    tags = []
    if version:
        tags.append(version if version.startswith("v") else f"v{version}")
    if commit:
        tags.append(f"sha-{commit[:7]}")
    tags.append("latest")
    return tags


def _diff_id(tar_gz: bytes) -> str:
    try:
        return "sha256:" + hashlib.sha256(gzip.decompress(tar_gz)).hexdigest()
    except (OSError, EOFError) as exc:
        raise UsageError(f"bundle is not a gzip-compressed tar: {exc}") from exc


def push_bundle(
    tar_gz: bytes,
    ref: Reference,
    *,
    tags: Sequence[str] = (),
    options: RegistryOptions | None = None,
    image: bool = False,
    revision: str = "",
    source_url: str = "",
    force: bool = False,
) -> PushResult:
    """Push ``tar_gz`` (a bundle built by ``build``) to ``ref`` under ``tags`` (or ref's tag); return the digest."""
    bundle_manifest = read_bundle_manifest(tar_gz, "bundle")
    diff_id = _diff_id(tar_gz)
    version = str(bundle_manifest.get("version") or "")
    annotations: dict[str, str] = {}
    if version:
        annotations["org.opencontainers.image.version"] = version if version.startswith("v") else f"v{version}"
    if revision:
        annotations["org.opencontainers.image.revision"] = revision
    if source_url:
        annotations["org.opencontainers.image.source"] = source_url
    if bundle_manifest.get("name"):
        annotations["org.opencontainers.image.title"] = str(bundle_manifest["name"])
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        import datetime

        created = datetime.datetime.fromtimestamp(int(epoch), tz=datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        annotations["org.opencontainers.image.created"] = created
    if image:
        config_obj: dict[str, Any] = {
            "architecture": "amd64",
            "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": [diff_id]},
            "config": {"Labels": dict(annotations)},
        }
        config_type = media.OCI_IMAGE_CONFIG
    else:
        config_obj = {"bundle": bundle_manifest, "diffID": diff_id, "mediaType": media.BUNDLE_CONFIG}
        config_type = media.BUNDLE_CONFIG
    config_raw = _canonical(config_obj)
    manifest: dict[str, Any] = {
        "schemaVersion": 2,
        "mediaType": media.OCI_MANIFEST,
        "config": {"mediaType": config_type, "digest": sha256_digest(config_raw), "size": len(config_raw)},
        "layers": [{"mediaType": media.OCI_LAYER_GZIP, "digest": sha256_digest(tar_gz), "size": len(tar_gz)}],
    }
    if not image:
        manifest["artifactType"] = media.BUNDLE_ARTIFACT
    if annotations:
        manifest["annotations"] = annotations
    raw = _canonical(manifest)
    digest = sha256_digest(raw)
    all_tags = list(dict.fromkeys([*([ref.tag] if ref.tag else []), *tags]))
    with RegistryClient(ref.registry, options) as client:
        if not force:
            for tag in all_tags:
                if _VERSION_TAG.fullmatch(tag):
                    current = client.head_manifest(ref.repository, tag)
                    if current is not None and current[0] != digest:
                        raise RegistryError(
                            f"{ref.name}:{tag} already points at {current[0]}; refusing to move a version tag "
                            f"(bump the version, or use --force)"
                        )
        client.push_blob(ref.repository, tar_gz)
        client.push_blob(ref.repository, config_raw)
        if not all_tags:
            client.put_manifest(ref.repository, digest, raw, media.OCI_MANIFEST)
        for tag in all_tags:
            client.put_manifest(ref.repository, tag, raw, media.OCI_MANIFEST)
    return PushResult(reference=ref.with_digest(digest), digest=digest, tags=tuple(all_tags), size=len(tar_gz))


def fetch_bundle(ref: Reference, *, options: RegistryOptions | None = None) -> PulledBundle:
    """Download and verify a bundle (artifact or ``--image`` form)."""
    with RegistryClient(ref.registry, options) as client:
        man = client.get_manifest(ref.repository, ref.reference)
        what = f"{ref.name}@{man.digest}"
        if man.is_index:
            raise RegistryError(f"{what}: is an image index, not a policy-platform bundle")
        layers = [layer for layer in man.data.get("layers") or [] if isinstance(layer, dict)]
        config_desc = man.data.get("config") or {}
        if len(layers) != 1:
            raise RegistryError(f"{what}: a bundle has exactly one layer, found {len(layers)}")
        config = json.loads(client.get_blob(ref.repository, str(config_desc.get("digest"))))
        if config_desc.get("mediaType") == media.BUNDLE_CONFIG:
            expected_diff = str(config.get("diffID", ""))
        else:
            expected_diff = str(((config.get("rootfs") or {}).get("diff_ids") or [""])[0])
        layer = client.get_blob(ref.repository, str(layers[0]["digest"]))
    try:
        raw_tar = gzip.decompress(layer)
    except (OSError, EOFError) as exc:
        raise IntegrityError(f"{what}: bundle layer is not gzip") from exc
    actual = "sha256:" + hashlib.sha256(raw_tar).hexdigest()
    if expected_diff and actual != expected_diff:
        raise IntegrityError(f"{what}: uncompressed layer digest {actual} does not match {expected_diff}")
    tree = tree_from_tar(io.BytesIO(raw_tar), what)
    bundle_manifest = manifest_of(tree, what)
    verify_tree(tree, bundle_manifest, what)
    return PulledBundle(reference=ref, digest=man.digest, manifest=bundle_manifest, tree=tree, layer=layer)


def verify_tree(tree: Tree, bundle_manifest: Mapping[str, Any], what: str) -> None:
    """Every file listed in the bundle's index is present with its sha256, and nothing unlisted is present."""
    index = bundle_manifest.get("files") or {}
    if not isinstance(index, dict):
        raise IntegrityError(f"{what}: {MANIFEST} has no file index")
    present = {p for p, n in tree.nodes.items() if n.kind == "file" and p != MANIFEST}
    for path, info in index.items():
        node = tree.nodes.get(path)
        if node is None or node.kind != "file":
            raise IntegrityError(f"{what}: file {path} listed in {MANIFEST} is missing")
        if hashlib.sha256(node.data).hexdigest() != info.get("sha256"):
            raise IntegrityError(f"{what}: file {path} does not match its sha256 in {MANIFEST}")
    extra = sorted(present - set(index))
    if extra:
        raise IntegrityError(f"{what}: file {extra[0]} is not listed in {MANIFEST}")


def write_pulled(pulled: PulledBundle, out: Path) -> Path:
    """Write a pulled bundle: the layer itself for ``*.tar.gz``, else the extracted tree (atomic directory swap)."""
    if out.name.endswith((".tar.gz", ".tgz")):
        atomic_write_bytes(out, pulled.layer)
        return out
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UsageError(f"output directory {out} exists and is not empty")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        pulled.tree.write(tmp / "t", str(pulled.reference))
        if out.exists():
            out.rmdir()
        (tmp / "t").rename(out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out
