"""Bundle push/pull against real registries: artifact and image forms, default tags, tag protection, tampering."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pytest
from tests.oci_registry import Registry

from policy_platform.bundle.build import build_bundle
from policy_platform.bundle.oci import default_tags, fetch_bundle, push_bundle, write_pulled
from policy_platform.config import load_config
from policy_platform.errors import IntegrityError, RegistryError
from policy_platform.oci import media
from policy_platform.oci.client import RegistryClient
from policy_platform.oci.ref import parse_reference

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "platform"


@pytest.fixture(scope="module")
def tarball() -> bytes:
    return build_bundle(load_config(EXAMPLE), environments=["dev", "prd"]).tarball()[0]


@pytest.mark.parametrize("mode", ["registry", "basic_registry", "token_registry"])
def test_push_then_pull_roundtrip(mode: str, request: pytest.FixtureRequest, tarball: bytes, tmp_path: Path) -> None:
    reg: Registry = request.getfixturevalue(mode)
    ref = parse_reference(f"{reg.host}/platform/bundle-{mode}")
    result = push_bundle(tarball, ref, tags=["v1.4.0", "latest"], options=reg.auth_options())
    assert result.tags == ("v1.4.0", "latest")
    with RegistryClient(reg.host, reg.auth_options()) as client:
        man = client.get_manifest(ref.repository, "v1.4.0")
        assert man.digest == result.digest
        assert man.data["artifactType"] == media.BUNDLE_ARTIFACT
        assert man.data["config"]["mediaType"] == media.BUNDLE_CONFIG
        assert [layer["mediaType"] for layer in man.data["layers"]] == [media.OCI_LAYER_GZIP]
        assert man.data["annotations"]["org.opencontainers.image.version"] == "v1.4.0"
        config = json.loads(client.get_blob(ref.repository, man.data["config"]["digest"]))
        assert config["bundle"]["name"] == "acme-policy-platform"
    pulled = fetch_bundle(ref.with_tag("latest"), options=reg.auth_options())
    assert pulled.digest == result.digest and pulled.layer == tarball
    out = write_pulled(pulled, tmp_path / "out")
    assert (out / "repos/security-policy/charts/security-policy/Chart.yaml").is_file()
    assert json.loads((out / "manifest.json").read_text())["version"] == "1.4.0"


def test_same_bundle_gives_same_digest(registry: Registry, tarball: bytes) -> None:
    ref = parse_reference(f"{registry.host}/platform/same")
    a = push_bundle(tarball, ref.with_tag("a"), options=registry.options())
    b = push_bundle(tarball, ref.with_tag("b"), options=registry.options())
    assert a.digest == b.digest


def test_version_tag_is_never_moved(registry: Registry, tarball: bytes, tmp_path: Path) -> None:
    ref = parse_reference(f"{registry.host}/platform/protected:v1.4.0")
    push_bundle(tarball, ref, options=registry.options())
    other = build_bundle(load_config(EXAMPLE), environments=["dev"]).tarball()[0]
    with pytest.raises(RegistryError, match=r"platform/protected:v1.4.0 already points at sha256:[0-9a-f]{64}; "
                                            r"refusing to move a version tag"):
        push_bundle(other, ref, options=registry.options())
    moved = push_bundle(other, ref, options=registry.options(), force=True)
    assert fetch_bundle(ref, options=registry.options()).digest == moved.digest
    del tmp_path


def test_image_form_is_an_ordinary_image(registry: Registry, tarball: bytes) -> None:
    ref = parse_reference(f"{registry.host}/platform/image:v1.4.0")
    result = push_bundle(tarball, ref, options=registry.options(), image=True)
    with RegistryClient(registry.host, registry.options()) as client:
        man = client.get_manifest(ref.repository, result.digest)
        assert "artifactType" not in man.data
        assert man.data["config"]["mediaType"] == media.OCI_IMAGE_CONFIG
        config = json.loads(client.get_blob(ref.repository, man.data["config"]["digest"]))
    assert (config["os"], config["architecture"]) == ("linux", "amd64")
    assert config["rootfs"]["diff_ids"] == ["sha256:" + hashlib.sha256(gzip.decompress(tarball)).hexdigest()]
    pulled = fetch_bundle(ref, options=registry.options())
    assert "repos/devops-policy/charts/devops-policy/Chart.yaml" in pulled.tree.nodes


def test_tampered_layer_is_refused(registry: Registry, tarball: bytes) -> None:
    ref = parse_reference(f"{registry.host}/platform/tampered:v1.0.0")
    result = push_bundle(tarball, ref, options=registry.options())
    with RegistryClient(registry.host, registry.options()) as client:
        layer = client.get_manifest(ref.repository, result.digest).data["layers"][0]["digest"]
    hexd = layer.split(":")[1]
    blob = registry.workdir / "data/docker/registry/v2/blobs/sha256" / hexd[:2] / hexd / "data"
    data = bytearray(blob.read_bytes())
    data[-20] ^= 0xFF
    blob.write_bytes(bytes(data))
    with pytest.raises(IntegrityError, match=rf"blob {layer}: content digest mismatch"):
        fetch_bundle(ref, options=registry.options())
    # restore so other tests sharing the blob are unaffected
    data[-20] ^= 0xFF
    blob.write_bytes(bytes(data))


def test_pinned_digest_mismatch_is_refused(registry: Registry, tarball: bytes) -> None:
    ref = parse_reference(f"{registry.host}/platform/pinned:v1.0.0")
    push_bundle(tarball, ref, options=registry.options())
    wrong = ref.with_digest("sha256:" + "0" * 64)
    with pytest.raises(RegistryError, match="manifest not found"):
        fetch_bundle(wrong, options=registry.options())


@pytest.mark.parametrize(
    ("version", "commit", "expected"),
    [("1.4.0", "0123456789abcdef", ["v1.4.0", "sha-0123456", "latest"]),
     ("v2.0.0", "", ["v2.0.0", "latest"]),
     ("", "", ["latest"])],
)
def test_default_tags_follow_the_seed(version: str, commit: str, expected: list[str]) -> None:
    assert default_tags(version, commit) == expected
