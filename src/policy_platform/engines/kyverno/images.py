"""Container image references as Kyverno parses them (``pkg/utils/image/infos.go``) and the ``images`` context."""

from __future__ import annotations

import re
from typing import Any

_DIGEST = re.compile(r"^(.*)@([A-Za-z0-9_+.-]+:[0-9a-fA-F]+)$")


def _split_domain(image: str) -> tuple[str, str, bool]:
    first, sep, rest = image.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        return first, rest, False
    return "docker.io", image, True


def image_info(image: str) -> dict[str, str]:
    """``{registry, path, name, tag, digest, reference, referenceWithTag}``; empty registry/tag/digest are omitted."""
    digest = ""
    rest = image
    m = _DIGEST.match(image)
    if m:
        rest, digest = m.group(1), m.group(2)
    registry, path, _defaulted = _split_domain(rest)
    tag = ""
    slash = path.rfind("/")
    colon = path.rfind(":")
    if colon > slash:
        path, tag = path[:colon], path[colon + 1 :]
    if not digest and not tag:
        tag = "latest"
    name = path[path.rfind("/") + 1 :]
    base = f"{registry}/{path}" if registry else path
    info: dict[str, str] = {"path": path, "name": name}
    if registry:
        info["registry"] = registry
    if tag:
        info["tag"] = tag
    if digest:
        info["digest"] = digest
    info["reference"] = f"{base}@{digest}" if digest else f"{base}:{tag}"
    info["referenceWithTag"] = f"{base}:{tag}"
    return info


def normalize(image: str) -> str:
    """Full reference: ``nginx`` → ``docker.io/library/nginx:latest``."""
    digest = ""
    rest = image
    m = _DIGEST.match(image)
    if m:
        rest, digest = m.group(1), m.group(2)
    registry, path, defaulted = _split_domain(rest)
    tag = ""
    slash = path.rfind("/")
    colon = path.rfind(":")
    if colon > slash:
        path, tag = path[:colon], path[colon + 1 :]
    if defaulted and "/" not in path:
        path = "library/" + path
    out = f"{registry}/{path}"
    if tag:
        out += ":" + tag
    elif not digest:
        out += ":latest"
    if digest:
        out += "@" + digest
    return out


def pod_spec(resource: dict[str, Any]) -> dict[str, Any] | None:
    """The pod spec of a Pod, a controller template or a CronJob job template."""
    spec = resource.get("spec")
    if not isinstance(spec, dict):
        return None
    kind = resource.get("kind")
    if kind == "Pod":
        return spec
    if kind == "CronJob":
        job = spec.get("jobTemplate")
        spec = job.get("spec") if isinstance(job, dict) else None
        if not isinstance(spec, dict):
            return None
    template = spec.get("template")
    if isinstance(template, dict) and isinstance(template.get("spec"), dict):
        return template["spec"]  # type: ignore[no-any-return]
    return None


def images_context(resource: dict[str, Any]) -> dict[str, Any]:
    """Kyverno's ``images`` variable: ``{containers: {name: info}, initContainers: …, ephemeralContainers: …}``."""
    spec = pod_spec(resource)
    out: dict[str, Any] = {}
    if spec is None:
        return out
    for field in ("containers", "initContainers", "ephemeralContainers"):
        items = spec.get(field)
        if not isinstance(items, list):
            continue
        block: dict[str, Any] = {}
        for c in items:
            if isinstance(c, dict) and isinstance(c.get("image"), str) and isinstance(c.get("name"), str):
                block[c["name"]] = image_info(c["image"])
        if block:
            out[field] = block
    return out
