"""Which environment a run is for: ``--env`` wins; otherwise the CI target branch through the config's branch map."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from policy_platform.config.model import PlatformConfig

# (CI system, variable) in the order they are consulted: pull-request target first, then the pushed branch.
CI_BRANCH_VARIABLES: tuple[tuple[str, str], ...] = (
    ("Bitbucket", "BITBUCKET_PR_DESTINATION_BRANCH"),
    ("Bitbucket", "BITBUCKET_BRANCH"),
    ("GitHub Actions", "GITHUB_BASE_REF"),
    ("GitHub Actions", "GITHUB_REF_NAME"),
    ("GitLab", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME"),
    ("GitLab", "CI_COMMIT_BRANCH"),
)


@dataclass(frozen=True, slots=True)
class Detection:
    """The outcome of environment detection. ``environment`` is empty when none applies (see ``reason``)."""

    environment: str
    source: str  # "--env", "BITBUCKET_BRANCH", ... or "" when nothing was found
    branch: str = ""
    reason: str = ""

    def describe(self) -> str:
        if self.source == "--env":
            return f"environment '{self.environment}' (from --env)"
        if self.environment:
            return f"environment '{self.environment}' (branch '{self.branch}' from ${self.source})"
        return self.reason


def detect(config: PlatformConfig, environ: Mapping[str, str], explicit: str | None = None) -> Detection:
    """Detect the environment; validates an explicit one (``ConfigError`` for an unknown name)."""
    if explicit:
        config.environment(explicit)
        return Detection(environment=explicit, source="--env")
    for _system, var in CI_BRANCH_VARIABLES:
        branch = environ.get(var, "").strip()
        if not branch:
            continue
        branch = branch.removeprefix("refs/heads/")
        env = config.environment_for_branch(branch)
        if env is None:
            known = ", ".join(f"{b}→{e.name}" for e in config.environments for b in e.branches) or "none configured"
            return Detection(
                environment="",
                source=var,
                branch=branch,
                reason=f"branch '{branch}' (from ${var}) maps to no environment (branch map: {known})",
            )
        return Detection(environment=env.name, source=var, branch=branch)
    names = ", ".join(v for _s, v in CI_BRANCH_VARIABLES)
    return Detection(environment="", source="", reason=f"no --env given and none of {names} is set")
