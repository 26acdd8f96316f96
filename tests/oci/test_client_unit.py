"""Client behaviour that a local distribution 2.8 cannot show, with httpx.MockTransport: token expiry and refresh,
the referrers API, retries on 503, redirects to another host, realm errors."""

from __future__ import annotations

import json

import httpx
import pytest

from policy_platform.errors import IntegrityError, RegistryError
from policy_platform.oci import media
from policy_platform.oci.client import RegistryClient, RegistryOptions, sha256_digest
from policy_platform.oci.ref import parse_reference

BLOB = b"layer bytes"
DIGEST = sha256_digest(BLOB)


def _client(handler: httpx.MockTransport, **kw: object) -> RegistryClient:
    opts = RegistryOptions(transport=handler, use_docker_config=False, backoff=0.0, **kw)  # type: ignore[arg-type]
    return RegistryClient("reg.example", opts)


def test_bearer_token_is_refreshed_after_a_later_401() -> None:
    issued: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "auth.example":
            token = f"t{len(issued)}"
            issued.append(request.url.params["scope"])
            return httpx.Response(200, json={"token": token, "expires_in": 300})
        if request.headers.get("authorization") != f"Bearer t{len(issued) - 1}" or (len(issued) == 1 and \
                request.url.path.endswith("/2")):
            return httpx.Response(401, headers={"www-authenticate": 'Bearer realm="https://auth.example/token",'
                                                                   'service="reg",scope="repository:a/b:pull"'})
        return httpx.Response(200, content=BLOB)

    with _client(httpx.MockTransport(handler)) as client:
        resp = client.request("GET", "/v2/a/b/blobs/1", scope="repository:a/b:pull")
        assert resp.status_code == 200
        resp = client.request("GET", "/v2/a/b/blobs/2", scope="repository:a/b:pull")  # token revoked → new token
        assert resp.status_code == 200
    assert issued == ["repository:a/b:pull", "repository:a/b:pull"]


def test_realm_without_url_is_a_clear_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, headers={"www-authenticate": 'Bearer realm="basic-realm"'})

    with _client(httpx.MockTransport(handler)) as client, pytest.raises(
        RegistryError, match=r"reg.example: bearer challenge without a usable realm \('basic-realm'\)"
    ):
        client.ping()


def test_503_is_retried_for_get_only() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        if len(calls) < 3:
            return httpx.Response(503)
        return httpx.Response(200, content=BLOB)

    with _client(httpx.MockTransport(handler), retries=3) as client:
        assert client.get_blob("a/b", DIGEST) == BLOB
    assert calls == ["GET", "GET", "GET"]

    calls.clear()

    def always_503(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        return httpx.Response(503)

    with _client(httpx.MockTransport(always_503), retries=3) as client:
        assert client.request("PATCH", "/v2/a/b/blobs/uploads/x", scope="s").status_code == 503
    assert calls == ["PATCH"]  # not idempotent: never retried


def test_blob_redirect_to_other_host_drops_authorization() -> None:
    seen: dict[str, str | None] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen[request.url.host] = request.headers.get("authorization")
        if request.url.host == "reg.example":
            return httpx.Response(307, headers={"location": f"https://cdn.example/blob/{DIGEST}"})
        return httpx.Response(200, content=BLOB)

    with _client(httpx.MockTransport(handler), username="u", password="p") as client:
        client._basic = True
        assert client.get_blob("a/b", DIGEST) == BLOB
    assert seen["reg.example"] is not None and seen["cdn.example"] is None


def test_referrers_api_is_used_when_available_and_filtered() -> None:
    index = {"schemaVersion": 2, "mediaType": media.OCI_INDEX, "manifests": [
        {"mediaType": media.OCI_MANIFEST, "digest": "sha256:" + "1" * 64, "size": 1, "artifactType": "a/sig"},
        {"mediaType": media.OCI_MANIFEST, "digest": "sha256:" + "2" * 64, "size": 1, "artifactType": "a/sbom"}]}

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == f"/v2/a/b/referrers/{DIGEST}"
        return httpx.Response(200, json=index, headers={"content-type": media.OCI_INDEX})

    with _client(httpx.MockTransport(handler)) as client:
        assert [d["artifactType"] for d in client.referrers("a/b", DIGEST)] == ["a/sig", "a/sbom"]
        assert [d["digest"] for d in client.referrers("a/b", DIGEST, "a/sig")] == ["sha256:" + "1" * 64]


def test_referrers_200_that_is_not_an_index_falls_back_to_tag() -> None:
    paths: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(f"{request.method} {request.url.path}")
        if "/referrers/" in request.url.path:
            return httpx.Response(200, text="<html>ok</html>", headers={"content-type": "text/html"})
        return httpx.Response(404)

    with _client(httpx.MockTransport(handler)) as client:
        assert client.referrers("a/b", DIGEST) == []
    assert paths[-1] == f"HEAD /v2/a/b/manifests/{DIGEST.replace(':', '-')}"


def test_manifest_by_digest_is_verified() -> None:
    body = json.dumps({"schemaVersion": 2, "mediaType": media.OCI_MANIFEST, "layers": []}).encode()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"content-type": media.OCI_MANIFEST})

    wrong = "sha256:" + "f" * 64
    with _client(httpx.MockTransport(handler)) as client:
        assert client.get_manifest("a/b", "v1").digest == sha256_digest(body)
        with pytest.raises(IntegrityError, match=rf"reg.example/a/b@{wrong}: manifest digest mismatch"):
            client.get_manifest("a/b", wrong)


def test_schema1_is_rejected() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"schemaVersion": 1, "name": "a/b"})

    with _client(httpx.MockTransport(handler)) as client, pytest.raises(RegistryError, match="schema 1"):
        client.get_manifest("a/b", "old")


@pytest.mark.parametrize(
    ("text", "registry", "repository", "tag", "digest"),
    [
        ("alpine", "registry-1.docker.io", "library/alpine", "", ""),
        ("team/x:1.0", "registry-1.docker.io", "team/x", "1.0", ""),
        ("127.0.0.1:5000/a/b:v1", "127.0.0.1:5000", "a/b", "v1", ""),
        ("oci://localhost/a@sha256:" + "a" * 64, "localhost", "a", "", "sha256:" + "a" * 64),
        ("ghcr.io/o/r:main@sha256:" + "b" * 64, "ghcr.io", "o/r", "main", "sha256:" + "b" * 64),
    ],
)
def test_parse_reference(text: str, registry: str, repository: str, tag: str, digest: str) -> None:
    ref = parse_reference(text)
    assert (ref.registry, ref.repository, ref.tag, ref.digest) == (registry, repository, tag, digest)
    assert ref.reference == (digest or tag or "latest")
