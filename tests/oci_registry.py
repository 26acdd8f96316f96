"""Real registries for tests: Debian's ``docker-registry`` (distribution 2.8) on 127.0.0.1 with a free port and a temp
storage dir, in three modes — ``plain`` (no auth, HTTP), ``basic`` (htpasswd over TLS with a self-signed certificate)
and ``token`` (bearer tokens from a small in-process token server). Imported by the conftests of tests/oci,
tests/sources and tests/bundle, and by the registry CLI tests. Skips when the binary is absent.
"""

from __future__ import annotations

import base64
import datetime
import json
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from policy_platform.oci.client import RegistryOptions

USER = "alice"
PASSWORD = "s3cret"
BINARY = shutil.which("docker-registry")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _self_signed(dir_: Path, name: str) -> tuple[Path, Path, rsa.RSAPrivateKey, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    import ipaddress

    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = dir_ / f"{name}-cert.pem", dir_ / f"{name}-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                          serialization.NoEncryption())
    )
    return cert_path, key_path, key, cert


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class TokenServer:
    """Issues RS256 JWTs (``x5c`` header) for ``GET /token?service=&scope=``; anonymous gets pull, alice gets all."""

    key: rsa.RSAPrivateKey
    cert: x509.Certificate
    service: str = "test-registry"
    issuer: str = "test-issuer"
    requests: list[str] = field(default_factory=list)
    port: int = 0
    _server: ThreadingHTTPServer | None = None

    def token(self, scope: str, user: str) -> str:
        access = []
        for item in scope.split(" "):
            if not item:
                continue
            typ, name, actions = item.split(":", 2)
            granted = [a for a in actions.split(",") if user == USER or a == "pull"]
            access.append({"type": typ, "name": name, "actions": granted})
        now = int(time.time())
        header = {"alg": "RS256", "typ": "JWT",
                  "x5c": [base64.b64encode(self.cert.public_bytes(serialization.Encoding.DER)).decode()]}
        claims = {"iss": self.issuer, "sub": user, "aud": self.service, "exp": now + 300, "nbf": now - 10,
                  "iat": now, "jti": str(now) + scope, "access": access}
        signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
        sig = self.key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input}.{_b64(sig)}"

    def start(self) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                query = parse_qs(urlparse(self.path).query)
                scope = " ".join(query.get("scope", []))
                user = ""
                auth = self.headers.get("Authorization", "")
                if auth.startswith("Basic "):
                    u, _, p = base64.b64decode(auth[6:]).decode().partition(":")
                    if (u, p) != (USER, PASSWORD):
                        self.send_response(401)
                        self.end_headers()
                        return
                    user = u
                outer.requests.append(scope)
                body = json.dumps({"token": outer.token(scope, user), "expires_in": 300}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


@dataclass
class Registry:
    mode: str  # plain | basic | token
    workdir: Path
    port: int = 0
    ca_file: str = ""
    token_server: TokenServer | None = None
    proc: subprocess.Popen[bytes] | None = None
    env: dict[str, str] = field(default_factory=dict)

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def options(self, *, username: str = "", password: str = "", **kw: object) -> RegistryOptions:
        insecure = frozenset() if self.mode == "basic" else frozenset({self.host})
        return RegistryOptions(username=username, password=password, insecure_registries=insecure,
                               ca_file=self.ca_file, use_docker_config=False, retries=kw.pop("retries", 2),  # type: ignore[arg-type]
                               backoff=0.05, timeout=10.0, **kw)  # type: ignore[arg-type]

    def auth_options(self) -> RegistryOptions:
        return self.options(username=USER, password=PASSWORD) if self.mode != "plain" else self.options()

    def start(self) -> None:
        assert BINARY is not None
        if not self.port:
            self.port = free_port()
        env = {"PATH": "/usr/bin:/bin", "REGISTRY_HTTP_ADDR": self.host, **self.env}
        self.proc = subprocess.Popen([BINARY, "serve", str(self.workdir / "registry.yml")], env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        scheme = "https" if self.mode == "basic" else "http"
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                verify = ssl.create_default_context(cafile=self.ca_file) if self.ca_file else True
                resp = httpx.get(f"{scheme}://{self.host}/v2/", verify=verify, timeout=1)
                if resp.status_code in (200, 401):
                    return
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError(f"docker-registry exited with {self.proc.returncode}")
            time.sleep(0.03)
        raise RuntimeError("docker-registry did not become ready")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


def make_registry(mode: str, workdir: Path) -> Registry:
    workdir.mkdir(parents=True, exist_ok=True)
    lines = [
        "version: 0.1",
        "log: {level: error, accesslog: {disabled: true}}",
        f"storage: {{filesystem: {{rootdirectory: {workdir / 'data'}}}, delete: {{enabled: true}}, "
        "cache: {blobdescriptor: inmemory}}",
    ]
    reg = Registry(mode=mode, workdir=workdir)
    http = "http: {addr: 127.0.0.1:5000"
    if mode == "basic":
        cert, key, _, _ = _self_signed(workdir, "tls")
        reg.ca_file = str(cert)
        http += f", tls: {{certificate: {cert}, key: {key}}}"
    lines.append(http + "}")
    if mode == "basic":
        htpasswd = shutil.which("htpasswd")
        if htpasswd is None:
            pytest.skip("htpasswd is not installed (apt-get install apache2-utils)")
        out = subprocess.run([htpasswd, "-Bbn", USER, PASSWORD], capture_output=True, check=True).stdout
        (workdir / "htpasswd").write_bytes(out)
        lines.append(f"auth: {{htpasswd: {{realm: basic-realm, path: {workdir / 'htpasswd'}}}}}")
    if mode == "token":
        cert_path, _, key, cert = _self_signed(workdir, "token")
        ts = TokenServer(key=key, cert=cert)
        ts.start()
        reg.token_server = ts
        lines.append(
            f"auth: {{token: {{realm: 'http://127.0.0.1:{ts.port}/token', service: {ts.service}, "
            f"issuer: {ts.issuer}, rootcertbundle: {cert_path}}}}}"
        )
    (workdir / "registry.yml").write_text("\n".join(lines) + "\n")
    return reg


@pytest.fixture(scope="session")
def _registry_binary() -> str:
    if BINARY is None:
        pytest.skip("docker-registry is not installed (apt-get install docker-registry)")
    return BINARY


def _registry(mode: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    reg = make_registry(mode, tmp_path_factory.mktemp(f"registry-{mode}"))
    try:
        reg.start()
        yield reg
    finally:
        reg.stop()
        if reg.token_server is not None:
            reg.token_server.stop()


@pytest.fixture(scope="session")
def registry(_registry_binary: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    """A plain-HTTP, no-auth registry shared by the session (use distinct repository names per test)."""
    yield from _registry("plain", tmp_path_factory)


@pytest.fixture(scope="session")
def basic_registry(_registry_binary: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    """htpasswd basic auth over TLS with a self-signed certificate (``ca_file``)."""
    yield from _registry("basic", tmp_path_factory)


@pytest.fixture(scope="session")
def token_registry(_registry_binary: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    """Bearer-token auth: anonymous tokens allow pull, alice's allow push."""
    yield from _registry("token", tmp_path_factory)


@pytest.fixture
def own_registry(_registry_binary: str, tmp_path: Path) -> Iterator[Registry]:
    """A private plain registry that a test may stop and restart."""
    yield from _registry_fn("plain", tmp_path / "registry")


def _registry_fn(mode: str, workdir: Path) -> Iterator[Registry]:
    reg = make_registry(mode, workdir)
    try:
        reg.start()
        yield reg
    finally:
        reg.stop()


@pytest.fixture(autouse=False)
def isolated_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the source cache at a temp dir so tests never touch the real one."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("POLICY_PLATFORM_CACHE", str(cache))
    monkeypatch.delenv("POLICY_PLATFORM_INSECURE_REGISTRIES", raising=False)
    return cache


# -- hand-built images -------------------------------------------------------------------------------------------
def layer_tar(entries: list[tuple[str, str, bytes | str]]) -> bytes:
    """A plain tar from (name, kind, data) with kind file|dir|symlink|hardlink (data = target for links)."""
    import io
    import tarfile

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, kind, data in entries:
            info = tarfile.TarInfo(name)
            if kind == "file":
                raw = data.encode() if isinstance(data, str) else data
                info.size = len(raw)
                tar.addfile(info, io.BytesIO(raw))
                continue
            if kind == "dir":
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
            elif kind == "symlink":
                info.type = tarfile.SYMTYPE
                info.linkname = str(data)
            elif kind == "hardlink":
                info.type = tarfile.LNKTYPE
                info.linkname = str(data)
            tar.addfile(info)
    return buf.getvalue()


def push_image(
    client: object,
    repo: str,
    tag: str,
    layers: list[list[tuple[str, str, bytes | str]]],
    *,
    docker: bool = False,
    platform: tuple[str, str] = ("linux", "amd64"),
    compression: str = "gzip",
) -> tuple[str, int]:
    """Push an image of gzip (or zstd, or uncompressed) layers; return (manifest digest, manifest size)."""
    import gzip
    import hashlib

    from policy_platform.oci import media
    from policy_platform.oci.client import RegistryClient, sha256_digest

    assert isinstance(client, RegistryClient)
    descs, diff_ids = [], []
    for entries in layers:
        raw = layer_tar(entries)
        if compression == "zstd":
            import zstandard

            gz = zstandard.ZstdCompressor().compress(raw)
            layer_type = media.OCI_LAYER_ZSTD
        elif compression == "none":
            gz = raw
            layer_type = "application/vnd.oci.image.layer.v1.tar"
        else:
            gz = gzip.compress(raw, mtime=0)
            layer_type = media.DOCKER_LAYER_GZIP if docker else media.OCI_LAYER_GZIP
        diff_ids.append("sha256:" + hashlib.sha256(raw).hexdigest())
        client.push_blob(repo, gz)
        descs.append({"mediaType": layer_type, "digest": sha256_digest(gz), "size": len(gz)})
    config = json.dumps({"os": platform[0], "architecture": platform[1],
                         "rootfs": {"type": "layers", "diff_ids": diff_ids}}).encode()
    client.push_blob(repo, config)
    mtype = media.DOCKER_MANIFEST if docker else media.OCI_MANIFEST
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": mtype,
        "config": {"mediaType": media.DOCKER_IMAGE_CONFIG if docker else media.OCI_IMAGE_CONFIG,
                   "digest": sha256_digest(config), "size": len(config)},
        "layers": descs}).encode()
    digest, _ = client.put_manifest(repo, tag, manifest, mtype)
    return digest, len(manifest)


def push_index(client: object, repo: str, tag: str, children: list[tuple[str, int, str, str]]) -> str:
    """Push an OCI index of (digest, size, os, arch) children plus an attestation entry; return its digest."""
    from policy_platform.oci import media
    from policy_platform.oci.client import RegistryClient

    assert isinstance(client, RegistryClient)
    manifests = [{"mediaType": media.OCI_MANIFEST, "digest": d, "size": s, "platform": {"os": o, "architecture": a}}
                 for d, s, o, a in children]
    manifests.append({"mediaType": media.OCI_MANIFEST, "digest": children[0][0], "size": children[0][1],
                      "platform": {"os": "unknown", "architecture": "unknown"},
                      "annotations": {"vnd.docker.reference.type": "attestation-manifest"}})
    raw = json.dumps({"schemaVersion": 2, "mediaType": media.OCI_INDEX, "manifests": manifests}).encode()
    digest, _ = client.put_manifest(repo, tag, raw, media.OCI_INDEX)
    return digest
