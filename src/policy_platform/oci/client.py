"""A small OCI distribution client on httpx.

What it does (``docs/reference/oci.md`` sections 1 and 5):

* **Auth**: anonymous first; on 401 it follows the ``WWW-Authenticate`` challenge. ``Basic`` resends with the
  credentials. ``Bearer`` fetches a token from the realm for the *scope of the operation* (``repository:<name>:pull``
  for reads, ``repository:<name>:pull,push`` for writes, requested up front), caches it per scope until it expires
  and fetches a new one after a later 401 (once per request).
* **Transport**: TLS verified by default (``ca_file`` to trust a private CA); plain HTTP only for hosts listed in
  ``insecure_registries``. Every request has a timeout; idempotent requests (GET, HEAD, and the upload start) are
  retried with exponential backoff on connection errors, timeouts, 429 and 502/503/504. Redirects are followed and
  httpx drops ``Authorization`` when the host changes.
* **Integrity**: every blob and every manifest fetched by digest is verified (sha256 of the exact bytes); manifests are
  hashed as received and never re-serialized; the ``Docker-Content-Digest`` answered on push is compared with ours.
* **Referrers**: the OCI 1.1 API, with the ``sha256-<hex>`` tag-schema fallback on 404 (distribution 2.8).
"""

from __future__ import annotations

import functools
import hashlib
import json
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO, Any

import httpx

from policy_platform.errors import IntegrityError, RegistryError
from policy_platform.oci import media
from policy_platform.oci.auth import Credentials, credentials_from_docker_config, parse_challenge
from policy_platform.oci.options import RegistryOptions, options_from_env
from policy_platform.oci.ref import Reference

_RETRY_STATUS = frozenset({429, 502, 503, 504})
_CHUNK = 1 << 16


@functools.cache
def default_tls_context() -> ssl.SSLContext:
    """The system trust store, loaded once per process (loading it costs about 50 ms); never modified."""
    return ssl.create_default_context()


def sha256_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class Manifest:
    """A manifest as received: ``raw`` bytes (hashed for ``digest``) and the parsed JSON."""

    media_type: str
    digest: str
    raw: bytes
    data: dict[str, Any]

    @property
    def is_index(self) -> bool:
        return self.media_type in media.INDEX_TYPES

    def descriptor(self) -> dict[str, Any]:
        out: dict[str, Any] = {"mediaType": self.media_type, "digest": self.digest, "size": len(self.raw)}
        if self.data.get("artifactType"):
            out["artifactType"] = self.data["artifactType"]
        return out


@dataclass(slots=True)
class _Token:
    value: str
    expires: float


def _error_text(resp: httpx.Response) -> str:
    try:
        body = json.loads(resp.content)
        errors = body.get("errors") if isinstance(body, dict) else None
        if errors:
            first = errors[0]
            return f"{first.get('code', '')}: {first.get('message', '')}".strip(": ")
    except (ValueError, AttributeError, httpx.ResponseNotRead):
        pass
    return resp.reason_phrase or str(resp.status_code)


class RegistryClient:
    """One registry host. Not thread-safe (tokens are cached on the instance); create one per thread."""

    def __init__(self, registry: str, options: RegistryOptions | None = None) -> None:
        self.registry = registry
        self.options = opts = options or RegistryOptions()
        self.scheme = "http" if registry in opts.insecure_registries else "https"
        self.base = f"{self.scheme}://{registry}"
        verify = ssl.create_default_context(cafile=opts.ca_file) if opts.ca_file else default_tls_context()
        self._http = httpx.Client(
            timeout=httpx.Timeout(opts.timeout),
            follow_redirects=True,
            verify=verify,
            transport=opts.transport,
            headers={"User-Agent": "policy-platform"},
        )
        self._credentials_loaded = False
        self._credentials: Credentials | None = None
        self._basic = False
        self._tokens: dict[str, _Token] = {}

    # -- lifecycle ---------------------------------------------------------------------------------------------
    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> RegistryClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- auth --------------------------------------------------------------------------------------------------
    @property
    def credentials(self) -> Credentials | None:
        if not self._credentials_loaded:
            self._credentials_loaded = True
            if self.options.username:
                self._credentials = Credentials(self.options.username, self.options.password)
            elif self.options.use_docker_config:
                self._credentials = credentials_from_docker_config(self.registry, self.options.docker_config)
        return self._credentials

    def _auth_header(self, scope: str) -> str | None:
        token = self._tokens.get(scope)
        if token is not None and token.expires > time.monotonic():
            return f"Bearer {token.value}"
        if self._basic and self.credentials is not None:
            return self.credentials.basic_header
        return None

    def _authenticate(self, header: str, scope: str) -> None:
        if not header:
            raise RegistryError(f"{self.registry}: 401 Unauthorized without a WWW-Authenticate challenge")
        challenge = parse_challenge(header)
        if challenge.scheme == "basic":
            if self.credentials is None:
                raise RegistryError(
                    f"{self.registry}: authentication required (use --username/--password-stdin or docker login)"
                )
            self._basic = True
            return
        if challenge.scheme != "bearer":
            raise RegistryError(f"{self.registry}: unsupported authentication scheme '{challenge.scheme}'")
        realm = challenge.params.get("realm", "")
        if not realm.startswith(("http://", "https://")):
            raise RegistryError(f"{self.registry}: bearer challenge without a usable realm ({realm!r})")
        params = {"service": challenge.params.get("service", "")}
        want = scope or challenge.params.get("scope", "")
        if want:
            params["scope"] = want
        headers = {}
        if self.credentials is not None:
            headers["Authorization"] = self.credentials.basic_header
        resp = self._with_retries("GET", realm, lambda: self._http.get(realm, params=params, headers=headers))
        if resp.status_code != 200:
            what = "credentials rejected" if resp.status_code in (401, 403) else f"HTTP {resp.status_code}"
            raise RegistryError(f"{self.registry}: token request to {realm} failed: {what}")
        try:
            body = resp.json()
            value = str(body.get("token") or body.get("access_token"))
            expires_in = float(body.get("expires_in") or 60)
        except (ValueError, AttributeError) as exc:
            raise RegistryError(f"{self.registry}: token server {realm} returned invalid JSON") from exc
        if not value or value == "None":
            raise RegistryError(f"{self.registry}: token server {realm} returned no token")
        self._tokens[want] = _Token(value, time.monotonic() + max(expires_in - 5, 1))

    # -- transport ---------------------------------------------------------------------------------------------
    def _with_retries(self, method: str, url: str, send: Any, *, idempotent: bool = True) -> httpx.Response:
        attempts = self.options.retries + 1 if idempotent else 1
        for attempt in range(attempts):
            try:
                resp: httpx.Response = send()
            except httpx.TimeoutException as exc:
                if attempt + 1 < attempts:
                    time.sleep(self.options.backoff * 2**attempt)
                    continue
                raise RegistryError(f"{method} {url}: timed out after {self.options.timeout:g}s") from exc
            except httpx.TransportError as exc:
                if "CERTIFICATE_VERIFY_FAILED" in str(exc) or isinstance(exc.__cause__, ssl.SSLCertVerificationError):
                    raise RegistryError(
                        f"{method} {url}: TLS certificate verification failed ({exc}); trust the registry's CA with "
                        f"--ca-file, or use --insecure-registry for a plain-HTTP registry"
                    ) from exc
                if attempt + 1 < attempts:
                    time.sleep(self.options.backoff * 2**attempt)
                    continue
                raise RegistryError(f"{method} {url}: cannot reach registry: {exc or type(exc).__name__}") from exc
            if resp.status_code in _RETRY_STATUS and attempt + 1 < attempts:
                resp.close()
                time.sleep(self.options.backoff * 2**attempt)
                continue
            return resp
        raise AssertionError("unreachable")

    def request(
        self,
        method: str,
        url: str,
        *,
        scope: str,
        headers: Mapping[str, str] | None = None,
        content: bytes | None = None,
        params: Mapping[str, str] | None = None,
        stream: bool = False,
        idempotent: bool | None = None,
    ) -> httpx.Response:
        """Send one request with auth handling; ``stream=True`` leaves the body unread (close the response)."""
        if not url.startswith(("http://", "https://")):
            url = self.base + url
        retry = method in ("GET", "HEAD") if idempotent is None else idempotent
        for auth_round in range(2):
            hdrs = dict(headers or {})
            auth = self._auth_header(scope)
            if auth:
                hdrs["Authorization"] = auth
            req = self._http.build_request(method, url, headers=hdrs, content=content, params=params)
            resp = self._with_retries(method, url, lambda r=req: self._http.send(r, stream=True), idempotent=retry)
            if resp.status_code == 401 and auth_round == 0:
                challenge = resp.headers.get("www-authenticate", "")
                resp.close()
                self._tokens.pop(scope, None)
                self._authenticate(challenge, scope)
                continue
            if not stream:
                try:
                    resp.read()
                except httpx.TransportError as exc:
                    raise RegistryError(f"{method} {url}: connection lost while reading: {exc}") from exc
                finally:
                    resp.close()
            return resp
        raise AssertionError("unreachable")

    def _fail(self, resp: httpx.Response, what: str) -> RegistryError:
        if resp.status_code == 401:
            return RegistryError(f"{what}: unauthorized (check credentials)")
        if resp.status_code == 403:
            return RegistryError(f"{what}: access denied")
        return RegistryError(f"{what}: HTTP {resp.status_code} {_error_text(resp)}")

    @staticmethod
    def pull_scope(repo: str) -> str:
        return f"repository:{repo}:pull"

    @staticmethod
    def push_scope(repo: str) -> str:
        return f"repository:{repo}:pull,push"

    # -- API check ---------------------------------------------------------------------------------------------
    def ping(self) -> None:
        resp = self.request("GET", "/v2/", scope="")
        if resp.status_code != 200:
            raise self._fail(resp, f"{self.registry}: /v2/")

    # -- blobs -------------------------------------------------------------------------------------------------
    def blob_exists(self, repo: str, digest: str, *, push: bool = False) -> bool:
        scope = self.push_scope(repo) if push else self.pull_scope(repo)
        resp = self.request("HEAD", f"/v2/{repo}/blobs/{digest}", scope=scope)
        if resp.status_code == 200:
            return True
        if resp.status_code == 404:
            return False
        raise self._fail(resp, f"{self.registry}/{repo}: HEAD blob {digest}")

    def download_blob(self, repo: str, digest: str, out: IO[bytes]) -> int:
        """Stream a blob into ``out`` (truncated and rewritten on a retry) and verify its digest; return its size."""
        what = f"{self.registry}/{repo}: blob {digest}"
        if not digest.startswith("sha256:"):
            raise IntegrityError(f"{what}: unsupported digest algorithm")
        for attempt in range(self.options.retries + 1):
            out.seek(0)
            out.truncate()
            hasher = hashlib.sha256()
            size = 0
            resp = self.request("GET", f"/v2/{repo}/blobs/{digest}", scope=self.pull_scope(repo), stream=True)
            try:
                if resp.status_code != 200:
                    resp.read()
                    raise self._fail(resp, what)
                for chunk in resp.iter_bytes(_CHUNK):
                    hasher.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
            except (httpx.TransportError, httpx.StreamError) as exc:
                if attempt < self.options.retries:
                    time.sleep(self.options.backoff * 2**attempt)
                    continue
                raise RegistryError(f"{what}: connection lost during download: {exc}") from exc
            finally:
                resp.close()
            actual = "sha256:" + hasher.hexdigest()
            if actual != digest:
                raise IntegrityError(f"{what}: content digest mismatch (got {actual})")
            out.flush()
            return size
        raise AssertionError("unreachable")

    def get_blob(self, repo: str, digest: str) -> bytes:
        import io

        buf = io.BytesIO()
        self.download_blob(repo, digest, buf)
        return buf.getvalue()

    def push_blob(self, repo: str, data: bytes, digest: str | None = None) -> str:
        """Upload ``data`` (monolithic POST + PUT) unless the registry already has it; return its digest."""
        digest = digest or sha256_digest(data)
        if self.blob_exists(repo, digest, push=True):
            return digest
        scope = self.push_scope(repo)
        what = f"{self.registry}/{repo}: upload {digest}"
        start = self.request("POST", f"/v2/{repo}/blobs/uploads/", scope=scope, idempotent=True)
        if start.status_code != 202 or "location" not in start.headers:
            raise self._fail(start, what)
        location = httpx.URL(self.base + "/").join(start.headers["location"])
        url = location.copy_merge_params({"digest": digest})
        resp = self.request(
            "PUT",
            str(url),
            scope=scope,
            content=data,
            headers={"Content-Type": "application/octet-stream"},
        )
        if resp.status_code != 201:
            raise self._fail(resp, what)
        answered = resp.headers.get("docker-content-digest")
        if answered and answered != digest:
            raise IntegrityError(f"{what}: registry stored digest {answered}")
        return digest

    def push_blob_chunked(self, repo: str, fh: IO[bytes], digest: str, *, chunk_size: int = 8 << 20) -> str:
        """Stream a blob from ``fh`` in ``PATCH`` chunks (each to the new ``Location``), then ``PUT ?digest=``.

        For blobs too large to hold in memory; ``digest`` must be known up front (the registry verifies it).
        """
        if self.blob_exists(repo, digest, push=True):
            return digest
        scope = self.push_scope(repo)
        what = f"{self.registry}/{repo}: chunked upload {digest}"
        resp = self.request("POST", f"/v2/{repo}/blobs/uploads/", scope=scope, idempotent=True)
        if resp.status_code != 202 or "location" not in resp.headers:
            raise self._fail(resp, what)
        base = httpx.URL(self.base + "/")
        location = base.join(resp.headers["location"])
        offset = 0
        fh.seek(0)
        while chunk := fh.read(chunk_size):
            resp = self.request(
                "PATCH",
                str(location),
                scope=scope,
                content=chunk,
                headers={
                    "Content-Type": "application/octet-stream",
                    "Content-Range": f"{offset}-{offset + len(chunk) - 1}",
                    "Content-Length": str(len(chunk)),
                },
            )
            if resp.status_code != 202 or "location" not in resp.headers:
                raise self._fail(resp, f"{what} (at byte {offset})")
            location = base.join(resp.headers["location"])
            offset += len(chunk)
        resp = self.request("PUT", str(location.copy_merge_params({"digest": digest})), scope=scope)
        if resp.status_code != 201:
            raise self._fail(resp, what)
        answered = resp.headers.get("docker-content-digest")
        if answered and answered != digest:
            raise IntegrityError(f"{what}: registry stored digest {answered}")
        return digest

    # -- manifests ---------------------------------------------------------------------------------------------
    def head_manifest(self, repo: str, reference: str) -> tuple[str, str] | None:
        """(digest, media type) of a tag or digest, or None when absent."""
        resp = self.request(
            "HEAD",
            f"/v2/{repo}/manifests/{reference}",
            scope=self.pull_scope(repo),
            headers={"Accept": ", ".join(media.MANIFEST_TYPES)},
        )
        if resp.status_code == 404:
            return None
        if resp.status_code != 200:
            raise self._fail(resp, f"{self.registry}/{repo}:{reference}")
        digest = resp.headers.get("docker-content-digest", "")
        if not digest:
            return (self.get_manifest(repo, reference).digest, resp.headers.get("content-type", ""))
        return digest, resp.headers.get("content-type", "").split(";")[0]

    def get_manifest(self, repo: str, reference: str, *, missing_ok: bool = False) -> Manifest:
        sep = "@" if reference.startswith("sha256:") else ":"
        what = f"{self.registry}/{repo}{sep}{reference}"
        resp = self.request(
            "GET",
            f"/v2/{repo}/manifests/{reference}",
            scope=self.pull_scope(repo),
            headers={"Accept": ", ".join(media.MANIFEST_TYPES)},
        )
        if resp.status_code == 404:
            raise RegistryError(f"{what}: manifest not found")
        if resp.status_code != 200:
            raise self._fail(resp, what)
        raw = resp.content
        digest = sha256_digest(raw)
        if reference.startswith("sha256:") and digest != reference:
            raise IntegrityError(f"{what}: manifest digest mismatch (got {digest})")
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise RegistryError(f"{what}: manifest is not JSON") from exc
        if not isinstance(data, dict):
            raise RegistryError(f"{what}: manifest is not a JSON object")
        media_type = str(data.get("mediaType") or resp.headers.get("content-type", "").split(";")[0])
        if media_type in (media.DOCKER_SCHEMA1, media.DOCKER_SCHEMA1_SIGNED) or data.get("schemaVersion") == 1:
            raise RegistryError(f"{what}: Docker schema 1 manifests are not supported")
        return Manifest(media_type=media_type, digest=digest, raw=raw, data=data)

    def put_manifest(self, repo: str, reference: str, raw: bytes, media_type: str) -> tuple[str, bool]:
        """PUT a manifest under a tag or its digest; return (digest, registry-handled-subject)."""
        digest = sha256_digest(raw)
        what = f"{self.registry}/{repo}:{reference}"
        resp = self.request(
            "PUT",
            f"/v2/{repo}/manifests/{reference}",
            scope=self.push_scope(repo),
            content=raw,
            headers={"Content-Type": media_type},
            idempotent=True,
        )
        if resp.status_code not in (200, 201):
            raise self._fail(resp, what)
        answered = resp.headers.get("docker-content-digest")
        if answered and answered != digest:
            raise IntegrityError(f"{what}: registry computed digest {answered}, expected {digest}")
        return digest, "oci-subject" in resp.headers

    # -- tags --------------------------------------------------------------------------------------------------
    def list_tags(self, repo: str, page_size: int = 1000) -> list[str]:
        url = f"/v2/{repo}/tags/list"
        params: dict[str, str] | None = {"n": str(page_size)}
        tags: list[str] = []
        while url:
            resp = self.request("GET", url, scope=self.pull_scope(repo), params=params)
            if resp.status_code == 404:
                return []
            if resp.status_code != 200:
                raise self._fail(resp, f"{self.registry}/{repo}: tags")
            tags.extend(resp.json().get("tags") or [])
            link = resp.headers.get("link", "")
            url = ""
            params = None
            if 'rel="next"' in link and "<" in link:
                url = str(httpx.URL(self.base + "/").join(link[link.index("<") + 1 : link.index(">")]))
        return tags

    # -- referrers ---------------------------------------------------------------------------------------------
    @staticmethod
    def fallback_tag(digest: str) -> str:
        return digest.replace(":", "-")

    def referrers(self, repo: str, digest: str, artifact_type: str = "") -> list[dict[str, Any]]:
        """Descriptors of manifests whose ``subject`` is ``digest`` (API first, tag schema on 404)."""
        params = {"artifactType": artifact_type} if artifact_type else None
        resp = self.request(
            "GET", f"/v2/{repo}/referrers/{digest}", scope=self.pull_scope(repo), params=params,
            headers={"Accept": media.OCI_INDEX},
        )
        index: Any = None
        if resp.status_code == 200 and resp.headers.get("content-type", "").startswith(media.OCI_INDEX):
            try:
                index = resp.json()
            except ValueError:
                index = None
        if not (isinstance(index, dict) and isinstance(index.get("manifests"), list)):
            if resp.status_code not in (200, 404, 400, 405):
                raise self._fail(resp, f"{self.registry}/{repo}: referrers of {digest}")
            index = self._fallback_index(repo, digest)
        out = [d for d in index.get("manifests") or [] if isinstance(d, dict)]
        if artifact_type:
            out = [d for d in out if d.get("artifactType") == artifact_type]
        return out

    def _fallback_index(self, repo: str, digest: str) -> dict[str, Any]:
        tag = self.fallback_tag(digest)
        if self.head_manifest(repo, tag) is None:
            return {"schemaVersion": 2, "mediaType": media.OCI_INDEX, "manifests": []}
        found = self.get_manifest(repo, tag)
        if not found.is_index:
            raise RegistryError(f"{self.registry}/{repo}:{tag}: referrers fallback tag is not an index")
        return found.data

    def add_referrer_fallback(self, repo: str, subject: str, descriptor: dict[str, Any]) -> None:
        """Add ``descriptor`` to the ``sha256-<hex>`` fallback index (read-modify-write)."""
        index = self._fallback_index(repo, subject)
        manifests = [d for d in index.get("manifests") or [] if d.get("digest") != descriptor["digest"]]
        manifests.append(descriptor)
        index = {"schemaVersion": 2, "mediaType": media.OCI_INDEX, "manifests": manifests}
        raw = json.dumps(index, separators=(",", ":"), sort_keys=True).encode()
        self.put_manifest(repo, self.fallback_tag(subject), raw, media.OCI_INDEX)


def client_for(ref: Reference, options: RegistryOptions | None = None) -> RegistryClient:
    """A client for the registry of ``ref`` (use as a context manager)."""
    return RegistryClient(ref.registry, options)



__all__ = ["Manifest", "RegistryClient", "RegistryOptions", "client_for", "options_from_env", "sha256_digest"]
