"""Docker config.json credentials (auths, credHelpers, credsStore with real helper programs) and challenges."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest
from tests.oci_registry import PASSWORD, USER, Registry

from policy_platform.errors import RegistryError
from policy_platform.oci.auth import Credentials, credentials_from_docker_config, parse_challenge
from policy_platform.oci.client import RegistryClient


def _helper(bin_dir: Path, name: str, username: str, secret: str) -> None:
    """A real docker-credential-<name> program that answers `get` for the server it is given on stdin."""
    bin_dir.mkdir(exist_ok=True)
    script = bin_dir / f"docker-credential-{name}"
    script.write_text(
        "#!/bin/sh\n"
        '[ "$1" = get ] || exit 1\n'
        "read server\n"
        'case "$server" in *nothere*) echo "credentials not found in native keychain"; exit 1;; esac\n'
        f'printf \'{{"ServerURL":"%s","Username":"{username}","Secret":"{secret}"}}\' "$server"\n'
    )
    script.chmod(0o755)


@pytest.fixture
def docker_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    return tmp_path / "config.json"


def test_auths_entry(docker_config: Path) -> None:
    auth = base64.b64encode(b"bob:pw:with:colons").decode()
    docker_config.write_text(json.dumps({"auths": {"reg.example:5000": {"auth": auth}}}))
    assert credentials_from_docker_config("reg.example:5000", docker_config) == Credentials("bob", "pw:with:colons")
    assert credentials_from_docker_config("other.example", docker_config) is None


def test_cred_helpers_win_over_auths_and_creds_store(docker_config: Path, tmp_path: Path) -> None:
    _helper(tmp_path / "bin", "special", "helper-user", "helper-secret")
    _helper(tmp_path / "bin", "store", "store-user", "store-secret")
    docker_config.write_text(json.dumps({
        "credHelpers": {"reg.example": "special"},
        "auths": {"reg.example": {"auth": base64.b64encode(b"a:b").decode()}},
        "credsStore": "store",
    }))
    assert credentials_from_docker_config("reg.example", docker_config) == Credentials("helper-user", "helper-secret")
    assert credentials_from_docker_config("else.example", docker_config) == Credentials("store-user", "store-secret")
    assert credentials_from_docker_config("nothere.example", docker_config) is None


def test_missing_helper_is_a_clear_error(docker_config: Path) -> None:
    docker_config.write_text(json.dumps({"credHelpers": {"reg.example": "absent"}}))
    with pytest.raises(RegistryError, match=r"credential helper 'docker-credential-absent' not found on PATH"):
        credentials_from_docker_config("reg.example", docker_config)


def test_docker_hub_keys(docker_config: Path) -> None:
    docker_config.write_text(json.dumps({"auths": {"https://index.docker.io/v1/": {"username": "u", "password": "p"}}}))
    assert credentials_from_docker_config("registry-1.docker.io", docker_config) == Credentials("u", "p")


def test_basic_registry_with_docker_config(basic_registry: Registry, docker_config: Path, tmp_path: Path) -> None:
    _helper(tmp_path / "bin", "test", USER, PASSWORD)
    docker_config.write_text(json.dumps({"credHelpers": {basic_registry.host: "test"}}))
    opts = basic_registry.options()
    opts = type(opts)(insecure_registries=opts.insecure_registries, ca_file=opts.ca_file, docker_config=docker_config)
    with RegistryClient(basic_registry.host, opts) as client:
        assert client.list_tags("auth/none") == []


@pytest.mark.parametrize(
    ("header", "scheme", "params"),
    [
        ('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:a/b:pull"',
         "bearer", {"realm": "https://auth.docker.io/token", "service": "registry.docker.io",
                    "scope": "repository:a/b:pull"}),
        ('Basic realm="basic-realm"', "basic", {"realm": "basic-realm"}),
        ('Bearer realm="https://x/t",scope="repository:a:pull,push"', "bearer",
         {"realm": "https://x/t", "scope": "repository:a:pull,push"}),
    ],
)
def test_parse_challenge(header: str, scheme: str, params: dict[str, str]) -> None:
    got = parse_challenge(header)
    assert (got.scheme, dict(got.params)) == (scheme, params)
