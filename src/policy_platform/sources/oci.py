"""``type: oci``: a bundle or single-repository artifact pushed by ``policy-platform push``.

The source tree is ``subdir`` of the artifact when given, else ``repos/<name>/`` when the artifact is a bundle holding
that source, else the whole artifact. Every digest is verified (see :func:`policy_platform.bundle.oci.fetch_bundle`);
with ``verify: {key: …}`` the signature is checked before anything is used.
"""

from __future__ import annotations

from pathlib import Path

from policy_platform.config.model import SourceSpec
from policy_platform.errors import RegistryError, SourceError
from policy_platform.oci.ref import parse_reference
from policy_platform.oci.tree import Tree
from policy_platform.sources.base import FetchContext, Pin, mutable_tag


def verify_signature(spec: SourceSpec, digest: str, ctx: FetchContext) -> None:
    if not spec.verify_key:
        return
    from policy_platform.bundle.signing import verify_reference

    key = Path(spec.verify_key)
    ref = parse_reference(spec.ref).with_digest(digest)
    verify_reference(ref, ctx.base_dir / key if not key.is_absolute() else key, options=ctx.registry, what=ctx.what)


def resolve_digest(spec: SourceSpec, ctx: FetchContext) -> Pin:
    from policy_platform.oci.client import RegistryClient  # httpx only when a registry is used

    ref = parse_reference(spec.ref)
    if ref.digest:
        return Pin(pin=ref.digest)
    with RegistryClient(ref.registry, ctx.registry) as client:
        found = client.head_manifest(ref.repository, ref.reference)
    if found is None:
        raise SourceError(f"{ctx.what}: {ref} not found")
    return Pin(pin=found[0], mutable=mutable_tag(ref.tag))


def subtree(tree: Tree, root: str) -> Tree:
    out = Tree()
    prefix = root.strip("/") + "/"
    for path, node in tree.nodes.items():
        if path.startswith(prefix):
            out.nodes[path[len(prefix) :]] = node
    return out


class OciSource:
    def resolve(self, spec: SourceSpec, ctx: FetchContext) -> Pin:
        return resolve_digest(spec, ctx)

    def fetch(self, spec: SourceSpec, pin: Pin, dest: Path, ctx: FetchContext) -> None:
        from policy_platform.bundle.oci import fetch_bundle

        verify_signature(spec, pin.pin, ctx)
        ref = parse_reference(spec.ref).with_digest(pin.pin)
        try:
            pulled = fetch_bundle(ref, options=ctx.registry)
        except RegistryError as exc:
            raise SourceError(f"{ctx.what}: {exc}") from exc
        tree = pulled.tree
        if spec.subdir:
            tree = subtree(tree, spec.subdir)
        elif any(p.startswith(f"repos/{spec.name}/") for p in tree.nodes):
            tree = subtree(tree, f"repos/{spec.name}")
        if not tree.nodes:
            raise SourceError(f"{ctx.what}: nothing under '{spec.subdir}' in {ref}")
        tree.write(dest, ctx.what)
