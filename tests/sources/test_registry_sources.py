"""oci and image sources against a real registry; signatures; faults (registry stopped mid-pull); concurrency."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from helpers import POLICY, platform
from tests.oci_registry import Registry, push_image

from policy_platform.bundle.build import build_bundle
from policy_platform.bundle.oci import push_bundle
from policy_platform.bundle.signing import generate_keypair, sign_reference, verify_reference
from policy_platform.config import load_config
from policy_platform.errors import IntegrityError, RegistryError
from policy_platform.oci.client import RegistryClient
from policy_platform.oci.ref import parse_reference
from policy_platform.sources import lock_sources, materialize, materialize_all

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "platform"


@pytest.fixture(autouse=True)
def _insecure(registry: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICY_PLATFORM_INSECURE_REGISTRIES", registry.host)


@pytest.fixture(scope="module")
def bundle_ref(registry: Registry) -> str:
    tarball = build_bundle(load_config(EXAMPLE), environments=["dev"]).tarball()[0]
    ref = parse_reference(f"{registry.host}/sources/bundle:v1.4.0")
    push_bundle(tarball, ref, options=registry.options())
    return str(ref)


def test_oci_source_takes_its_repo_from_a_bundle(tmp_path: Path, bundle_ref: str) -> None:
    cfg = load_config(platform(tmp_path, f"  - {{name: security-policy, type: oci, ref: '{bundle_ref}'}}\n"
                                         f"  - {{name: whole, type: oci, ref: '{bundle_ref}', "
                                         f"subdir: repos/devops-policy}}\n"))
    roots = materialize_all(cfg)
    assert (roots["security-policy"].root / "charts/security-policy/Chart.yaml").is_file()
    assert (roots["whole"].root / "charts/devops-policy/Chart.yaml").is_file()
    assert roots["security-policy"].pin.startswith("sha256:") and roots["security-policy"].notices == ()


def test_image_source_extracts_repos_path_and_locks_platform(tmp_path: Path, registry: Registry) -> None:
    with RegistryClient(registry.host, registry.options()) as client:
        digest, _ = push_image(client, "sources/sec-repo", "main", [
            [("repos/security-policy/p.yaml", "file", POLICY.format(name="p")), ("repos/x/y", "file", "y")],
        ])
    ref = f"{registry.host}/sources/sec-repo:main"
    cfg = load_config(platform(tmp_path, f"  - {{name: security-policy, type: image, ref: '{ref}'}}\n"))
    src = materialize(cfg, cfg.sources[0])
    assert [p.name for p in src.root.iterdir()] == ["p.yaml"]
    assert src.pin == digest and src.notices[0].startswith(f"source 'security-policy': '{ref}' is a mutable reference")
    entries, _ = lock_sources(cfg)
    assert (entries["security-policy"].pin, entries["security-policy"].digest) == (digest, digest)


def test_required_signature(tmp_path: Path, registry: Registry, bundle_ref: str) -> None:
    generate_keypair(tmp_path / "k.key", tmp_path / "k.pub")
    generate_keypair(tmp_path / "other.key", tmp_path / "other.pub")
    ref = parse_reference(bundle_ref)
    unsigned_ref = parse_reference(f"{registry.host}/sources/unsigned:v1")
    push_bundle(build_bundle(load_config(EXAMPLE), environments=["prd"]).tarball()[0], unsigned_ref,
                options=registry.options())
    cfg = load_config(platform(tmp_path, f"  - {{name: security-policy, type: oci, ref: '{unsigned_ref}', "
                                         f"verify: {{key: k.pub}}}}\n"))
    with pytest.raises(IntegrityError, match=r"source 'security-policy': .*sources/unsigned@sha256:[0-9a-f]{64} is not "
                                             r"signed"):
        materialize(cfg, cfg.sources[0])
    result = sign_reference(ref, tmp_path / "k.key", options=registry.options())
    assert result.fallback_tag == result.subject.replace(":", "-")  # distribution 2.8: tag-schema fallback
    assert verify_reference(ref, tmp_path / "k.pub", options=registry.options()) == result.subject
    with pytest.raises(IntegrityError, match=r"no valid signature .* \(signature does not verify with this key\)"):
        verify_reference(ref, tmp_path / "other.pub", options=registry.options())
    signed = load_config(platform(tmp_path / "s", f"  - {{name: security-policy, type: oci, ref: '{bundle_ref}', "
                                                  f"verify: {{key: ../k.pub}}}}\n"))
    assert materialize(signed, signed.sources[0]).pin == result.subject


class _StopAfter(httpx.BaseTransport):
    """A real HTTP transport that stops the real registry after ``n`` requests (a registry dying mid-pull)."""

    def __init__(self, reg: Registry, n: int) -> None:
        self.inner = httpx.HTTPTransport()
        self.reg, self.n, self.count = reg, n, 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.count += 1
        if self.count == self.n:
            self.reg.stop()
        return self.inner.handle_request(request)


def test_registry_stopped_mid_pull(tmp_path: Path, own_registry: Registry, isolated_cache: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    layers = [[(f"repos/sec/f{i}.yaml", "file", POLICY.format(name=f"p{i}"))] for i in range(4)]
    with RegistryClient(own_registry.host, own_registry.options()) as client:
        push_image(client, "fault/sec", "v1.0.0", layers)
    monkeypatch.setenv("POLICY_PLATFORM_INSECURE_REGISTRIES", own_registry.host)
    cfg = load_config(platform(tmp_path, f"  - {{name: sec, type: image, ref: '{own_registry.host}/fault/sec:v1.0.0', "
                                         f"path: /repos/sec/}}\n"))
    opts = own_registry.options(transport=_StopAfter(own_registry, 5), retries=1)
    host = own_registry.host
    with pytest.raises(RegistryError, match=rf"GET http://{host}/v2/fault/sec/blobs/sha256:[0-9a-f]{{64}}: "
                                            r"cannot reach registry"):
        materialize(cfg, cfg.sources[0], registry=opts)
    trees = isolated_cache / "trees"
    assert not trees.exists() or not any(trees.rglob("*.yaml"))  # nothing partial was cached
    assert not any((isolated_cache / "tmp").iterdir())
    own_registry.start()  # same port, same storage
    src = materialize(cfg, cfg.sources[0], registry=own_registry.options())
    assert sorted(p.name for p in src.root.iterdir()) == [f"f{i}.yaml" for i in range(4)]


def test_two_concurrent_builds_share_one_cache(tmp_path: Path, registry: Registry, isolated_cache: Path,
                                               bundle_ref: str) -> None:
    for i in (1, 2):
        platform(tmp_path / f"p{i}", f"  - {{name: security-policy, type: oci, ref: '{bundle_ref}'}}\n"
                                     f"  - {{name: devops-policy, type: oci, ref: '{bundle_ref}'}}\n")
    env = dict(os.environ, POLICY_PLATFORM_CACHE=str(isolated_cache), POLICY_PLATFORM_INSECURE_REGISTRIES=registry.host)
    procs = [
        subprocess.Popen([sys.executable, "-m", "policy_platform", "build", "-c", str(tmp_path / f"p{i}"),
                          "-o", str(tmp_path / f"out{i}.tar.gz")], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
        for i in (1, 2)
    ]
    results = [(*p.communicate(timeout=120), p.returncode) for p in procs]
    assert [r[2] for r in results] == [0, 0], results
    assert (tmp_path / "out1.tar.gz").read_bytes() == (tmp_path / "out2.tar.gz").read_bytes()
    entries = sorted(p.name for p in (isolated_cache / "trees" / "oci").iterdir())
    assert len(entries) == 2  # one per source, each built once
    assert not any((isolated_cache / "tmp").iterdir())


def test_moved_tag_after_signing_is_refused(tmp_path: Path, registry: Registry) -> None:
    generate_keypair(tmp_path / "k.key", tmp_path / "k.pub")
    ref = parse_reference(f"{registry.host}/sources/retagged:v2.0.0")
    push_bundle(build_bundle(load_config(EXAMPLE), environments=["dev"]).tarball()[0], ref, options=registry.options())
    signed = sign_reference(ref, tmp_path / "k.key", options=registry.options())
    tampered = push_bundle(build_bundle(load_config(EXAMPLE), environments=["prd"]).tarball()[0], ref,
                           options=registry.options(), force=True)
    assert tampered.digest != signed.subject
    cfg = load_config(platform(tmp_path / "p", f"  - {{name: security-policy, type: oci, ref: '{ref}', "
                                               f"verify: {{key: ../k.pub}}}}\n"))
    with pytest.raises(IntegrityError, match=rf"source 'security-policy': .*sources/retagged@{tampered.digest} is not "
                                             r"signed"):
        materialize(cfg, cfg.sources[0])
    by_digest = ref.with_digest(signed.subject)
    pinned = load_config(platform(tmp_path / "q", f"  - {{name: security-policy, type: oci, "
                                                  f"ref: '{by_digest}', verify: {{key: ../k.pub}}}}\n"))
    assert materialize(pinned, pinned.sources[0]).pin == signed.subject


def test_image_index_platform_is_locked(tmp_path: Path, registry: Registry) -> None:
    from tests.oci_registry import push_index

    with RegistryClient(registry.host, registry.options()) as client:
        amd = push_image(client, "sources/multi", "amd", [[("repos/sec/arch.txt", "file", "amd64\n")]])
        arm = push_image(client, "sources/multi", "arm", [[("repos/sec/arch.txt", "file", "arm64\n")]],
                         platform=("linux", "arm64"))
        index = push_index(client, "sources/multi", "1.0.0", [(amd[0], amd[1], "linux", "amd64"),
                                                               (arm[0], arm[1], "linux", "arm64")])
    ref = f"{registry.host}/sources/multi:1.0.0"
    cfg_path = platform(tmp_path, f"  - {{name: sec, type: image, ref: '{ref}', platform: linux/arm64}}\n")
    entries, _ = lock_sources(load_config(cfg_path))
    assert (entries["sec"].pin, entries["sec"].digest, entries["sec"].platform) == (index, arm[0], "linux/arm64")
    cfg = load_config(cfg_path)
    src = materialize(cfg, cfg.sources[0])
    assert (src.root / "arch.txt").read_text() == "arm64\n" and src.platform == "linux/arm64"
    cfg_path.write_text(cfg_path.read_text().replace("linux/arm64", "linux/amd64"))
    cfg = load_config(cfg_path)
    with pytest.raises(IntegrityError, match=r"source 'sec': platform.lock is out of date \(platform 'linux/arm64' -> "
                                             r"'linux/amd64'\); run 'policy-platform update sec'"):
        materialize(cfg, cfg.sources[0])


def test_adding_verify_to_a_cached_source_still_verifies(tmp_path: Path, registry: Registry) -> None:
    generate_keypair(tmp_path / "k.key", tmp_path / "k.pub")
    ref = parse_reference(f"{registry.host}/sources/cached-unsigned:v1.0.0")
    push_bundle(build_bundle(load_config(EXAMPLE), environments=["dev"]).tarball()[0], ref, options=registry.options())
    cfg_path = platform(tmp_path / "p", f"  - {{name: security-policy, type: oci, ref: '{ref}'}}\n")
    cfg = load_config(cfg_path)
    assert materialize(cfg, cfg.sources[0]).root.is_dir()  # cached without verification
    cfg_path.write_text(cfg_path.read_text().replace(f"ref: '{ref}'}}", f"ref: '{ref}', verify: {{key: ../k.pub}}}}"))
    cfg = load_config(cfg_path)
    with pytest.raises(IntegrityError, match=r"is not signed"):
        materialize(cfg, cfg.sources[0])
