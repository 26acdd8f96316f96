"""The one exception tree of policy-platform.

Every error the library raises on purpose derives from :class:`PolicyPlatformError`. Only
``policy_platform.cli.errors.error_handler`` turns these into exit codes (2 for all of them)::

    PolicyPlatformError                 base; ``str(err)`` is one line naming the file (and line) when known
    ├── UsageError                      bad command-line arguments or combinations
    ├── ConfigError                     platform.yaml (or another config file) is invalid
    ├── InputFileError                  an input file cannot be read or parsed (YAML, JSON, values, resources)
    ├── SourceError                     a policy source cannot be resolved, fetched or verified
    │   ├── UnsupportedSourceError      a source type that this version does not support
    │   └── IntegrityError              content does not match its digest, pin or signature
    ├── RenderError                     Helm rendering failed (template error, missing required value, no renderer)
    ├── PolicyLoadError                 a policy or ruleset document is invalid
    ├── RegistryError                   an OCI registry answered with an error or could not be reached
    └── EnvironmentDetectionError       the environment could not be determined from --env or CI variables

A policy *violation* is never an exception: it is a :class:`~policy_platform.model.findings.Finding`.
"""

from __future__ import annotations

from pathlib import Path


class PolicyPlatformError(Exception):
    """Base of every deliberate error. Carries an optional file and line to prefix the message."""

    def __init__(self, message: str, *, file: str | Path | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.file = str(file) if file is not None else None
        self.line = line

    def __str__(self) -> str:
        if self.file is None:
            return self.message
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.message}"


class UsageError(PolicyPlatformError):
    """Bad command-line arguments."""


class ConfigError(PolicyPlatformError):
    """An invalid configuration file."""


class InputFileError(PolicyPlatformError):
    """An input file that cannot be read or parsed."""


class SourceError(PolicyPlatformError):
    """A policy source that cannot be resolved, fetched or verified."""


class UnsupportedSourceError(SourceError):
    """A source type that this version does not support yet."""


class IntegrityError(SourceError):
    """Content that does not match its digest, pin or signature."""


class RenderError(PolicyPlatformError):
    """A Helm render failure."""


class PolicyLoadError(PolicyPlatformError):
    """An invalid policy or ruleset document."""


class RegistryError(PolicyPlatformError):
    """An OCI registry error."""


class EnvironmentDetectionError(PolicyPlatformError):
    """The environment could not be determined."""
