"""Interoperability with a real image builder (buildah, no Docker engine).

1. The seed's policy-repo image (``FROM scratch`` + ``COPY . /repos/security-policy/``) built by buildah and pushed to
   the test registry is read back as an ``image`` source.
2. A bundle pushed with ``--image`` is used by buildah in ``COPY --from=<bundle image> /repos/ /repos/``.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from tests.oci_registry import Registry

from policy_platform.bundle.build import build_bundle
from policy_platform.bundle.oci import push_bundle
from policy_platform.config import load_config
from policy_platform.oci.client import RegistryClient
from policy_platform.oci.image import extract_path, select_image
from policy_platform.oci.ref import parse_reference
from policy_platform.sources import materialize

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "platform"
BUILDAH = shutil.which("buildah")
pytestmark = pytest.mark.skipif(BUILDAH is None, reason="buildah is not installed (apt-get install buildah)")


def _buildah(store: Path, *args: str) -> str:
    assert BUILDAH is not None
    cmd = [BUILDAH, "--root", str(store / "root"), "--runroot", str(store / "run"), "--storage-driver", "vfs", *args]
    proc = subprocess.run(cmd, capture_output=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr.decode()
    return proc.stdout.decode()


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("fmt", ["oci", "docker"])
def test_seed_policy_repo_image_built_by_buildah(fmt: str, tmp_path: Path, registry: Registry,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = tmp_path / "ctx"
    shutil.copytree(EXAMPLE / "security-policy", ctx / "security-policy")
    (ctx / "Dockerfile").write_text("FROM scratch\nCOPY security-policy /repos/security-policy/\n")
    store = tmp_path / "buildah"
    _buildah(store, "bud", "--isolation", "chroot", "-q", "--format", fmt, "-t", "localhost/sec-repo:2.1.2", str(ctx))
    ref = f"{registry.host}/seed/security-policy-repo-{fmt}:2.1.2"
    _buildah(store, "push", "--tls-verify=false", "localhost/sec-repo:2.1.2", f"docker://{ref}")
    monkeypatch.setenv("POLICY_PLATFORM_INSECURE_REGISTRIES", registry.host)
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "platform.yaml").write_text(
        "apiVersion: policy-platform/v1\nkind: Platform\nmetadata: {name: d}\n"
        f"sources: [{{name: security-policy, type: image, ref: '{ref}'}}]\n")
    cfg = load_config(tmp_path / "p")
    src = materialize(cfg, cfg.sources[0])
    assert _files(src.root) == _files(EXAMPLE / "security-policy")


def test_buildah_copies_from_the_pushed_bundle_image(tmp_path: Path, registry: Registry) -> None:
    bundle = build_bundle(load_config(EXAMPLE), environments=["dev"])
    ref = parse_reference(f"{registry.host}/platform/bundle-image:v1.4.0")
    push_bundle(bundle.tarball()[0], ref, options=registry.options(), image=True)
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text(f"FROM scratch\nCOPY --from={ref} /repos/ /repos/\n")
    store = tmp_path / "buildah"
    _buildah(store, "bud", "--isolation", "chroot", "-q", "--tls-verify=false", "-t", "localhost/consumer:1", str(ctx))
    out = f"{registry.host}/platform/consumer:1"
    _buildah(store, "push", "--tls-verify=false", "localhost/consumer:1", f"docker://{out}")
    with RegistryClient(registry.host, registry.options()) as client:
        image = select_image(client, "platform/consumer", "1")
        tree = extract_path(client, "platform/consumer", image, "/repos/")
    got = {p: n.data for p, n in tree.files() if n.kind == "file"}
    expected = {p.removeprefix("repos/"): d for p, d in bundle.files.items() if p.startswith("repos/")}
    assert got == expected
