"""Load and validate ``platform.yaml``: unknown keys and wrong types are errors naming file, key path and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from policy_platform._internal.yamlio import Document, load_single
from policy_platform.config.model import (
    SOURCE_TYPES,
    AppSpec,
    CheckOptions,
    Environment,
    PlatformConfig,
    SourceSpec,
)
from policy_platform.config.schema import ListOf, MapOf, Obj, Scalar, key_path
from policy_platform.errors import ConfigError

NAME = Scalar(pattern=r"[a-z0-9]([a-z0-9._-]*[a-z0-9])?", hint="lower-case letters, digits, '.', '_' and '-'")
VERSION = Scalar(pattern=r"v?\d+(\.\d+){0,2}([-+][0-9A-Za-z.-]+)?", hint="a version such as v1.29.0")
STR = Scalar()
STRS = ListOf(STR, accept_single=False)

SCHEMA = Obj(
    required=("apiVersion", "kind", "metadata"),
    fields={
        "apiVersion": Scalar(enum=("policy-platform/v1",)),
        "kind": Scalar(enum=("Platform",)),
        "metadata": Obj(
            required=("name",),
            fields={"name": NAME, "version": VERSION, "description": STR, "annotations": MapOf(STR)},
        ),
        "kubernetes": Obj(fields={"version": VERSION}),
        "environments": ListOf(
            Obj(
                required=("name",),
                fields={"name": NAME, "branches": STRS, "kubernetesVersion": VERSION},
            ),
            min_items=1,
        ),
        "sources": ListOf(
            Obj(
                required=("name", "type"),
                fields={
                    "name": NAME,
                    "type": Scalar(enum=SOURCE_TYPES),
                    "path": STR,
                    "url": STR,
                    "ref": STR,
                    "subdir": STR,
                    "sha256": Scalar(pattern=r"(sha256:)?[0-9a-f]{64}", hint="64 hex digits"),
                    "platform": Scalar(pattern=r"[a-z0-9]+/[a-z0-9_]+(/[a-z0-9]+)?", hint="os/arch[/variant]"),
                    "verify": Obj(required=("key",), fields={"key": STR}),
                    "chart": STR,
                    "values": STRS,
                    "prefix": STR,
                    "release": STR,
                    "namespace": STR,
                },
            )
        ),
        "precedence": STRS,
        "app": Obj(
            required=("chart",),
            fields={
                "source": NAME,
                "path": STR,
                "chart": STR,
                "values": STRS,
                "ruleset": STR,
                "release": STR,
                "namespace": STR,
            },
        ),
        "check": Obj(
            fields={
                "unknownBranch": Scalar(enum=("skip", "fail")),
                "deprecatedApis": Scalar(enum=("warn", "fail")),
                "auditWarn": Scalar(kind="boolean"),
            }
        ),
    },
)

_REQUIRED_BY_TYPE = {"local": ("path",), "git": ("url",), "oci": ("ref",), "image": ("ref",), "archive": ("url",)}


def load_config(path: str | Path) -> PlatformConfig:
    """Read, validate and convert ``platform.yaml``."""
    file = Path(path)
    if file.is_dir():
        file = file / "platform.yaml"
    if not file.exists():
        raise ConfigError("configuration file not found (use --config FILE)", file=str(file))
    doc = load_single(file, empty_ok=False)
    SCHEMA.check(doc.data, (), doc)
    return _convert(doc, file.resolve())


def _err(doc: Document, path: tuple[str | int, ...], message: str) -> ConfigError:
    return ConfigError(f"{key_path(path)}: {message}", file=doc.file, line=doc.line_of(path))


def _convert(doc: Document, file: Path) -> PlatformConfig:
    data: dict[str, Any] = doc.data
    envs: list[Environment] = []
    seen_branch: dict[str, str] = {}
    for i, e in enumerate(data.get("environments") or []):
        if any(x.name == e["name"] for x in envs):
            raise _err(doc, ("environments", i, "name"), f"duplicate environment '{e['name']}'")
        for j, b in enumerate(e.get("branches") or []):
            if b in seen_branch:
                raise _err(doc, ("environments", i, "branches", j), f"branch '{b}' already maps to '{seen_branch[b]}'")
            seen_branch[b] = e["name"]
        envs.append(Environment(e["name"], tuple(e.get("branches") or ()), e.get("kubernetesVersion", "")))

    sources: list[SourceSpec] = []
    for i, s in enumerate(data.get("sources") or []):
        if any(x.name == s["name"] for x in sources):
            raise _err(doc, ("sources", i, "name"), f"duplicate source '{s['name']}'")
        for key in _REQUIRED_BY_TYPE[s["type"]]:
            if key not in s:
                raise _err(doc, ("sources", i), f"a '{s['type']}' source needs '{key}'")
        values = s.get("values")
        sources.append(
            SourceSpec(
                name=s["name"],
                type=s["type"],
                path=s.get("path", ""),
                url=s.get("url", ""),
                ref=s.get("ref", ""),
                subdir=s.get("subdir", ""),
                sha256=s.get("sha256", "").removeprefix("sha256:"),
                platform=s.get("platform", ""),
                verify_key=(s.get("verify") or {}).get("key", ""),
                chart=s.get("chart", ""),
                values=tuple(values) if values is not None else None,
                prefix=s.get("prefix", ""),
                release=s.get("release", ""),
                namespace=s.get("namespace", ""),
                line=doc.line_of(("sources", i)),
            )
        )
    names = {s.name for s in sources}
    for i, p in enumerate(data.get("precedence") or []):
        if p not in names:
            raise _err(doc, ("precedence", i), f"unknown source '{p}'")

    app = None
    if "app" in data:
        a = data["app"]
        if a.get("source") and a["source"] not in names:
            raise _err(doc, ("app", "source"), f"unknown source '{a['source']}'")
        if a.get("source") and a.get("path"):
            raise _err(doc, ("app",), "give either 'source' or 'path', not both")
        app = AppSpec(
            chart=a["chart"],
            source=a.get("source", ""),
            path=a.get("path", ""),
            values=tuple(a.get("values") or ("cd/values.{env}.yaml",)),
            ruleset=a.get("ruleset", ""),
            release=a.get("release", ""),
            namespace=a.get("namespace", ""),
        )
    chk = data.get("check") or {}
    return PlatformConfig(
        file=file,
        name=data["metadata"]["name"],
        version=str(data["metadata"].get("version", "")),
        kubernetes_version=(data.get("kubernetes") or {}).get("version", "v1.29.0"),
        environments=tuple(envs),
        sources=tuple(sources),
        precedence=tuple(data.get("precedence") or ()),
        app=app,
        check=CheckOptions(
            unknown_branch=chk.get("unknownBranch", "skip"),
            deprecated_apis=chk.get("deprecatedApis", "warn"),
            audit_warn=chk.get("auditWarn", True),
        ),
    )
