"""The httpx OCI client against a real distribution 2.8 registry in three auth modes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.oci_registry import PASSWORD, USER, Registry

from policy_platform.errors import IntegrityError, RegistryError
from policy_platform.oci import media
from policy_platform.oci.client import RegistryClient, sha256_digest


def _manifest(config: bytes, layer: bytes, **extra: object) -> bytes:
    body = {
        "schemaVersion": 2,
        "mediaType": media.OCI_MANIFEST,
        "config": {"mediaType": media.EMPTY_CONFIG, "digest": sha256_digest(config), "size": len(config)},
        "layers": [{"mediaType": "application/octet-stream", "digest": sha256_digest(layer), "size": len(layer)}],
        **extra,
    }
    return json.dumps(body, separators=(",", ":")).encode()


def _roundtrip(reg: Registry, repo: str, client: RegistryClient) -> None:
    layer = b"hello policy-platform\n" * 10
    client.push_blob(repo, media.EMPTY_JSON)
    digest = client.push_blob(repo, layer)
    assert digest == sha256_digest(layer)
    assert client.blob_exists(repo, digest)
    raw = _manifest(media.EMPTY_JSON, layer, artifactType="application/vnd.test")
    man_digest, _ = client.put_manifest(repo, "v1.0.0", raw, media.OCI_MANIFEST)
    assert man_digest == sha256_digest(raw)
    got = client.get_manifest(repo, "v1.0.0")
    assert got.raw == raw and got.digest == man_digest and got.media_type == media.OCI_MANIFEST
    assert client.get_manifest(repo, man_digest).raw == raw
    assert client.head_manifest(repo, "v1.0.0") == (man_digest, media.OCI_MANIFEST)
    assert client.head_manifest(repo, "nope") is None
    assert client.get_blob(repo, digest) == layer
    assert "v1.0.0" in client.list_tags(repo)
    del reg


def test_plain_registry_roundtrip(registry: Registry) -> None:
    with RegistryClient(registry.host, registry.options()) as client:
        _roundtrip(registry, "client/plain", client)


def test_basic_auth_over_tls_roundtrip(basic_registry: Registry) -> None:
    with RegistryClient(basic_registry.host, basic_registry.auth_options()) as client:
        assert client.scheme == "https"
        _roundtrip(basic_registry, "client/basic", client)


def test_basic_auth_without_credentials_is_a_clear_error(basic_registry: Registry) -> None:
    with RegistryClient(basic_registry.host, basic_registry.options()) as client, pytest.raises(
        RegistryError, match=r"authentication required \(use --username/--password-stdin or docker login\)"
    ):
        client.get_manifest("client/basic", "v1.0.0")


def test_basic_auth_wrong_password(basic_registry: Registry) -> None:
    opts = basic_registry.options(username=USER, password="wrong")
    with RegistryClient(basic_registry.host, opts) as client, pytest.raises(RegistryError, match="unauthorized"):
        client.list_tags("client/basic")


def test_tls_is_verified_by_default(basic_registry: Registry) -> None:
    opts = basic_registry.options(username=USER, password=PASSWORD)
    untrusting = RegistryClient(basic_registry.host, type(opts)(username=USER, password=PASSWORD, retries=0,
                                                                  use_docker_config=False))
    with untrusting as client, pytest.raises(RegistryError, match="TLS certificate verification failed"):
        client.ping()


def test_token_auth_upgrades_scope_for_push(token_registry: Registry) -> None:
    ts = token_registry.token_server
    assert ts is not None
    ts.requests.clear()
    with RegistryClient(token_registry.host, token_registry.auth_options()) as client:
        _roundtrip(token_registry, "client/token", client)
    # push asks for pull,push up front; reads use a separate pull token (per-scope cache, one request each)
    assert ts.requests.count("repository:client/token:pull,push") == 1
    assert ts.requests.count("repository:client/token:pull") == 1


def test_token_auth_anonymous_can_pull_but_not_push(token_registry: Registry) -> None:
    with RegistryClient(token_registry.host, token_registry.auth_options()) as client:
        client.push_blob("client/anon", b"x")
    with RegistryClient(token_registry.host, token_registry.options()) as anon:
        assert anon.get_blob("client/anon", sha256_digest(b"x")) == b"x"
        with pytest.raises(RegistryError, match=r"client/anon: (HEAD blob|upload)"):
            anon.push_blob("client/anon", b"y")


def test_tampered_blob_is_a_digest_error(registry: Registry) -> None:
    repo = "client/tamper"
    data = b"original content!"
    with RegistryClient(registry.host, registry.options()) as client:
        digest = client.push_blob(repo, data)
        hexd = digest.split(":")[1]
        blob = registry.workdir / "data/docker/registry/v2/blobs/sha256" / hexd[:2] / hexd / "data"
        blob.write_bytes(b"tampered content!")  # same length
        with pytest.raises(IntegrityError, match=rf"client/tamper: blob {digest}: content digest mismatch"):
            client.get_blob(repo, digest)


def test_referrers_fall_back_to_tag_schema(registry: Registry) -> None:
    repo = "client/referrers"
    with RegistryClient(registry.host, registry.options()) as client:
        client.push_blob(repo, media.EMPTY_JSON)
        client.push_blob(repo, b"subject")
        subject_raw = _manifest(media.EMPTY_JSON, b"subject", artifactType="application/vnd.test")
        subject, _ = client.put_manifest(repo, "v1", subject_raw, media.OCI_MANIFEST)
        assert client.referrers(repo, subject) == []
        sig_raw = _manifest(media.EMPTY_JSON, b"subject", artifactType="application/vnd.sig")
        sig, _ = client.put_manifest(repo, sha256_digest(sig_raw), sig_raw, media.OCI_MANIFEST)
        desc = {"mediaType": media.OCI_MANIFEST, "digest": sig, "size": len(sig_raw),
                "artifactType": "application/vnd.sig"}
        client.add_referrer_fallback(repo, subject, desc)
        client.add_referrer_fallback(repo, subject, desc)  # idempotent
        assert client.referrers(repo, subject) == [desc]
        assert client.referrers(repo, subject, "application/vnd.other") == []
        assert client.fallback_tag(subject) in client.list_tags(repo)


def test_tag_pagination(registry: Registry) -> None:
    repo = "client/pages"
    with RegistryClient(registry.host, registry.options()) as client:
        client.push_blob(repo, media.EMPTY_JSON)
        client.push_blob(repo, b"p")
        raw = _manifest(media.EMPTY_JSON, b"p")
        for i in range(5):
            client.put_manifest(repo, f"t{i}", raw, media.OCI_MANIFEST)
        assert sorted(client.list_tags(repo, page_size=2)) == [f"t{i}" for i in range(5)]


def test_unreachable_registry_fails_after_retries(tmp_path: Path) -> None:
    from tests.oci_registry import free_port

    from policy_platform.oci.client import RegistryOptions

    host = f"127.0.0.1:{free_port()}"
    opts = RegistryOptions(insecure_registries=frozenset({host}), retries=1, backoff=0.01, use_docker_config=False)
    with RegistryClient(host, opts) as client, pytest.raises(RegistryError, match=rf"GET http://{host}/v2/x/manifests/"
                                                              r"latest: cannot reach registry"):
        client.get_manifest("x", "latest")
    del tmp_path


@pytest.mark.parametrize("mode", ["registry", "token_registry"])
def test_chunked_upload(mode: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    import hashlib
    import os

    reg: Registry = request.getfixturevalue(mode)
    data = os.urandom(300_000)
    path = tmp_path / "blob"
    path.write_bytes(data)
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    with RegistryClient(reg.host, reg.auth_options()) as client, path.open("rb") as fh:
        assert client.push_blob_chunked("client/chunked", fh, digest, chunk_size=64 * 1024) == digest
        assert client.get_blob("client/chunked", digest) == data
        wrong = "sha256:" + "0" * 64
        with pytest.raises(RegistryError, match=r"chunked upload sha256:0{64}: HTTP 400 DIGEST_INVALID"):
            client.push_blob_chunked("client/chunked2", fh, wrong, chunk_size=100_000)
