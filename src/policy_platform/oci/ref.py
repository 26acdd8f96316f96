"""OCI references: ``registry/repository[:tag][@sha256:…]`` (a digest wins over a tag)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from policy_platform.errors import UsageError

DOCKER_HUB = "docker.io"
DOCKER_HUB_API = "registry-1.docker.io"

_REPO = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*")
_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class Reference:
    """A parsed reference. ``registry`` is the host[:port] used on the wire (Docker Hub mapped to its API host)."""

    registry: str
    repository: str
    tag: str = ""
    digest: str = ""

    @property
    def reference(self) -> str:
        """What goes after ``/manifests/``: the digest when present, else the tag (default ``latest``)."""
        return self.digest or self.tag or "latest"

    def with_digest(self, digest: str) -> Reference:
        return replace(self, digest=digest)

    def with_tag(self, tag: str) -> Reference:
        return replace(self, tag=tag, digest="")

    @property
    def name(self) -> str:
        """``registry/repository`` without tag or digest."""
        return f"{self.registry}/{self.repository}"

    def __str__(self) -> str:
        out = self.name
        if self.tag:
            out += f":{self.tag}"
        if self.digest:
            out += f"@{self.digest}"
        return out


def parse_reference(text: str) -> Reference:
    """Parse ``[oci://]registry/repo[:tag][@digest]``; a bare ``repo`` means Docker Hub."""
    raw = text.strip().removeprefix("oci://")
    digest = ""
    if "@" in raw:
        raw, digest = raw.split("@", 1)
        if not _DIGEST.fullmatch(digest):
            raise UsageError(f"invalid digest in reference '{text}' (expected sha256:<64 hex>)")
    tag = ""
    slash = raw.rfind("/")
    colon = raw.rfind(":")
    if colon > slash:
        raw, tag = raw[:colon], raw[colon + 1 :]
        if not _TAG.fullmatch(tag):
            raise UsageError(f"invalid tag '{tag}' in reference '{text}'")
    first, _, rest = raw.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        registry, repository = first, rest
    else:
        registry, repository = DOCKER_HUB, raw
        if "/" not in repository:
            repository = f"library/{repository}"
    if registry == DOCKER_HUB:
        registry = DOCKER_HUB_API
    if not repository or not _REPO.fullmatch(repository):
        raise UsageError(f"invalid repository name in reference '{text}'")
    return Reference(registry=registry, repository=repository, tag=tag, digest=digest)


def is_digest(value: str) -> bool:
    return bool(_DIGEST.fullmatch(value))
