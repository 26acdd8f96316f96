"""Registry credentials and ``WWW-Authenticate`` challenges.

Credentials come, in this order, from explicit ``--username``/``--password-stdin``, then Docker's ``config.json``
(``$DOCKER_CONFIG/config.json`` or ``~/.docker/config.json``): ``credHelpers[<registry>]`` then ``credsStore`` (each
run as ``docker-credential-<name> get`` with the server on stdin), then ``auths[<registry>].auth`` (base64
``user:password``) or ``username``/``password``. Nothing found means anonymous.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from policy_platform.errors import RegistryError

_HELPER_TIMEOUT = 30.0
_PARAM = re.compile(r'([A-Za-z_][A-Za-z0-9_-]*)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))')


@dataclass(frozen=True, slots=True)
class Credentials:
    username: str
    password: str

    @property
    def basic_header(self) -> str:
        token = base64.b64encode(f"{self.username}:{self.password}".encode()).decode("ascii")
        return f"Basic {token}"


@dataclass(frozen=True, slots=True)
class Challenge:
    scheme: str  # "basic" | "bearer" (lower case)
    params: Mapping[str, str]


def parse_challenge(header: str) -> Challenge:
    """Parse one ``WWW-Authenticate`` header such as ``Bearer realm="…",service="…",scope="…"``."""
    scheme, _, rest = header.strip().partition(" ")
    params = {m.group(1).lower(): (m.group(2) if m.group(2) is not None else m.group(3)) for m in _PARAM.finditer(rest)}
    return Challenge(scheme=scheme.lower(), params={k: v.replace('\\"', '"') for k, v in params.items()})


def docker_config_path(env: Mapping[str, str] | None = None) -> Path:
    environ = os.environ if env is None else env
    base = environ.get("DOCKER_CONFIG")
    return Path(base) / "config.json" if base else Path.home() / ".docker" / "config.json"


def _hosts(registry: str) -> list[str]:
    """Keys under which a registry may appear in config.json."""
    if registry in ("registry-1.docker.io", "docker.io", "index.docker.io"):
        return ["https://index.docker.io/v1/", "index.docker.io", "docker.io", "registry-1.docker.io"]
    return [registry, f"https://{registry}", f"http://{registry}", f"https://{registry}/v1/", f"https://{registry}/v2/"]


def _run_helper(helper: str, server: str) -> Credentials | None:
    program = f"docker-credential-{helper}"
    try:
        proc = subprocess.run(
            [program, "get"], input=server.encode(), capture_output=True, timeout=_HELPER_TIMEOUT, check=False
        )
    except FileNotFoundError as exc:
        raise RegistryError(f"credential helper '{program}' not found on PATH (configured for {server})") from exc
    except subprocess.TimeoutExpired as exc:
        raise RegistryError(f"credential helper '{program}' timed out for {server}") from exc
    if proc.returncode != 0:
        if b"credentials not found" in proc.stdout.lower() + proc.stderr.lower():
            return None
        msg = (proc.stderr or proc.stdout).decode(errors="replace").strip().splitlines()
        raise RegistryError(f"credential helper '{program}' failed for {server}: {msg[0] if msg else proc.returncode}")
    try:
        data = json.loads(proc.stdout)
        return Credentials(str(data["Username"]), str(data["Secret"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise RegistryError(f"credential helper '{program}' returned invalid JSON for {server}") from exc


def credentials_from_docker_config(registry: str, path: Path | None = None) -> Credentials | None:
    """Look up ``registry`` in Docker's config.json; None when absent (anonymous)."""
    file = path or docker_config_path()
    if not file.is_file():
        return None
    try:
        data: Any = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RegistryError(f"cannot read Docker config: {exc}", file=str(file)) from exc
    if not isinstance(data, dict):
        raise RegistryError("Docker config is not a JSON object", file=str(file))
    hosts = _hosts(registry)
    helpers = data.get("credHelpers") or {}
    for host in hosts:
        if isinstance(helpers, dict) and host in helpers:
            return _run_helper(str(helpers[host]), host)
    auths = data.get("auths") or {}
    entry: Any = next((auths[h] for h in hosts if isinstance(auths, dict) and h in auths), None)
    if isinstance(entry, dict):
        if entry.get("auth"):
            try:
                user, _, password = base64.b64decode(str(entry["auth"])).decode("utf-8").partition(":")
            except ValueError as exc:
                raise RegistryError(f"invalid 'auth' entry for {registry}", file=str(file)) from exc
            return Credentials(user, password)
        if entry.get("username"):
            return Credentials(str(entry["username"]), str(entry.get("password", "")))
    store = data.get("credsStore")
    if store:
        return _run_helper(str(store), hosts[0])
    return None
