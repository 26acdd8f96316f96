"""Registry access options (kept free of httpx so that importing sources stays cheap)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx


@dataclass(frozen=True, slots=True)
class RegistryOptions:
    """How to reach registries: credentials, TLS, timeouts, retries and an optional injected httpx transport."""

    username: str = ""
    password: str = ""
    insecure_registries: frozenset[str] = frozenset()
    ca_file: str = ""
    docker_config: Path | None = None
    use_docker_config: bool = True
    timeout: float = 30.0
    retries: int = 3
    backoff: float = 0.2
    transport: httpx.BaseTransport | None = field(default=None, compare=False)


def options_from_env(
    environ: Mapping[str, str],
    *,
    insecure: Iterator[str] | tuple[str, ...] = (),
    username: str = "",
    password: str = "",
    ca_file: str = "",
) -> RegistryOptions:
    """Registry options from explicit values plus ``POLICY_PLATFORM_INSECURE_REGISTRIES`` (comma-separated hosts)
    and ``POLICY_PLATFORM_CA_FILE``."""
    hosts = {h.strip() for h in environ.get("POLICY_PLATFORM_INSECURE_REGISTRIES", "").split(",") if h.strip()}
    hosts.update(insecure)
    return RegistryOptions(
        username=username,
        password=password,
        insecure_registries=frozenset(hosts),
        ca_file=ca_file or environ.get("POLICY_PLATFORM_CA_FILE", ""),
    )
