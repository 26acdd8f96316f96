"""platform.yaml: schema, loader and typed model."""

from policy_platform.config.load import load_config
from policy_platform.config.model import AppSpec, CheckOptions, Environment, PlatformConfig, SourceSpec

__all__ = ["AppSpec", "CheckOptions", "Environment", "PlatformConfig", "SourceSpec", "load_config"]
