"""``type: image``: an ordinary container image (Docker v2s2 or OCI, single-platform or index) from whose layers
``path`` (default ``/repos/<name>/``) is extracted with whiteouts honoured, as ``COPY --from=`` does.

The pin is the digest the reference resolved to; for an index the chosen platform and its manifest digest are pinned
too, since content can differ per architecture.
"""

from __future__ import annotations

from pathlib import Path

from policy_platform.config.model import SourceSpec
from policy_platform.oci.ref import parse_reference
from policy_platform.sources.base import FetchContext, Pin, mutable_tag
from policy_platform.sources.oci import subtree, verify_signature


def image_path(spec: SourceSpec) -> str:
    return spec.path or f"/repos/{spec.name}/"


class ImageSource:
    def resolve(self, spec: SourceSpec, ctx: FetchContext) -> Pin:
        from policy_platform.oci.client import RegistryClient  # httpx only when a registry is used
        from policy_platform.oci.image import select_image

        ref = parse_reference(spec.ref)
        with RegistryClient(ref.registry, ctx.registry) as client:
            selected = select_image(client, ref.repository, ref.reference, spec.platform)
        return Pin(
            pin=selected.index_digest,
            platform=selected.platform,
            digest=selected.manifest.digest,
            mutable=not ref.digest and mutable_tag(ref.tag),
        )

    def fetch(self, spec: SourceSpec, pin: Pin, dest: Path, ctx: FetchContext) -> None:
        from policy_platform.oci.client import RegistryClient
        from policy_platform.oci.image import extract_path, select_image

        verify_signature(spec, pin.pin, ctx)
        ref = parse_reference(spec.ref)
        with RegistryClient(ref.registry, ctx.registry) as client:
            selected = select_image(client, ref.repository, pin.digest or pin.pin, spec.platform)
            tree = extract_path(client, ref.repository, selected, image_path(spec))
        if spec.subdir:
            tree = subtree(tree, spec.subdir)
        tree.write(dest, ctx.what)
