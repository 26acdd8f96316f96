"""Environment detection from CI variables, in the documented order."""

from __future__ import annotations

from pathlib import Path

import pytest

from policy_platform.config import load_config
from policy_platform.errors import ConfigError
from policy_platform.render.environments import detect

CONFIG = load_config(Path(__file__).resolve().parents[2] / "examples/platform/platform.yaml")


@pytest.mark.parametrize(
    ("environ", "env", "source"),
    [
        (
            {"BITBUCKET_PR_DESTINATION_BRANCH": "production", "BITBUCKET_BRANCH": "feature/x"},
            "prd",
            "BITBUCKET_PR_DESTINATION_BRANCH",
        ),
        ({"BITBUCKET_BRANCH": "development"}, "dev", "BITBUCKET_BRANCH"),
        ({"GITHUB_BASE_REF": "staging", "GITHUB_REF_NAME": "feature/y"}, "stg", "GITHUB_BASE_REF"),
        ({"GITHUB_BASE_REF": "", "GITHUB_REF_NAME": "qac"}, "qac", "GITHUB_REF_NAME"),
        (
            {"CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "production", "CI_COMMIT_BRANCH": "x"},
            "prd",
            "CI_MERGE_REQUEST_TARGET_BRANCH_NAME",
        ),
        ({"CI_COMMIT_BRANCH": "development"}, "dev", "CI_COMMIT_BRANCH"),
        ({"GITHUB_REF_NAME": "refs/heads/production"}, "prd", "GITHUB_REF_NAME"),
    ],
)
def test_detects_from_ci_variables(environ: dict[str, str], env: str, source: str) -> None:
    det = detect(CONFIG, environ)
    assert (det.environment, det.source) == (env, source)


def test_unknown_branch_explains() -> None:
    det = detect(CONFIG, {"GITHUB_REF_NAME": "feature/login"})
    assert det.environment == ""
    assert det.source == "GITHUB_REF_NAME"
    assert "branch 'feature/login' (from $GITHUB_REF_NAME) maps to no environment" in det.reason


def test_nothing_set() -> None:
    det = detect(CONFIG, {})
    assert (det.environment, det.source) == ("", "")
    assert "no --env given" in det.reason


def test_explicit_wins_and_is_validated() -> None:
    assert detect(CONFIG, {"BITBUCKET_BRANCH": "development"}, "prd").environment == "prd"
    with pytest.raises(ConfigError, match="unknown environment 'uat'"):
        detect(CONFIG, {}, "uat")
