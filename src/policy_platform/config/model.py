"""Typed, frozen view of ``platform.yaml`` (see docs/config.md for every field)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from policy_platform.errors import ConfigError

SOURCE_TYPES = ("local", "git", "oci", "image", "archive")


@dataclass(frozen=True, slots=True)
class Environment:
    name: str
    branches: tuple[str, ...] = ()
    kubernetes_version: str = ""


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """One policy repository. Which keys apply depends on ``type`` (docs/config.md)."""

    name: str
    type: str
    path: str = ""
    url: str = ""
    ref: str = ""
    subdir: str = ""
    sha256: str = ""
    platform: str = ""
    verify_key: str = ""
    chart: str = ""
    values: tuple[str, ...] | None = None
    prefix: str = ""
    release: str = ""
    namespace: str = ""
    line: int | None = None


@dataclass(frozen=True, slots=True)
class AppSpec:
    """The application under check: its chart, per-environment values and values ruleset."""

    chart: str
    source: str = ""
    path: str = ""
    values: tuple[str, ...] = ("cd/values.{env}.yaml",)
    ruleset: str = ""
    release: str = ""
    namespace: str = ""


@dataclass(frozen=True, slots=True)
class CheckOptions:
    unknown_branch: str = "skip"  # skip | fail
    deprecated_apis: str = "warn"  # warn | fail (removed APIs always fail)
    audit_warn: bool = True


@dataclass(frozen=True, slots=True)
class PlatformConfig:
    file: Path
    name: str
    version: str = ""
    kubernetes_version: str = "v1.29.0"
    environments: tuple[Environment, ...] = ()
    sources: tuple[SourceSpec, ...] = ()
    precedence: tuple[str, ...] = ()
    app: AppSpec | None = None
    check: CheckOptions = field(default_factory=CheckOptions)

    @property
    def base_dir(self) -> Path:
        return self.file.parent

    def environment(self, name: str) -> Environment:
        for env in self.environments:
            if env.name == name:
                return env
        known = ", ".join(e.name for e in self.environments) or "(none)"
        raise ConfigError(f"unknown environment '{name}' (configured: {known})", file=str(self.file))

    def source(self, name: str) -> SourceSpec:
        for src in self.sources:
            if src.name == name:
                return src
        raise ConfigError(f"unknown source '{name}'", file=str(self.file))

    def environment_for_branch(self, branch: str) -> Environment | None:
        for env in self.environments:
            if branch in env.branches:
                return env
        return None

    def kubernetes_version_for(self, env: str | None) -> str:
        if env:
            e = self.environment(env)
            if e.kubernetes_version:
                return e.kubernetes_version
        return self.kubernetes_version

    @property
    def policy_sources(self) -> tuple[SourceSpec, ...]:
        """Sources that hold policies: every source except the one the app comes from."""
        app_source = self.app.source if self.app else ""
        return tuple(s for s in self.sources if s.name != app_source)
