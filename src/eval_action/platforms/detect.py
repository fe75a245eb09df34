"""Pick the platform adapter from the environment, in one place."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from eval_action.platforms.base import Platform
from eval_action.platforms.github import GitHubPlatform
from eval_action.platforms.gitlab import GitLabPlatform
from eval_action.platforms.inputs import ActionInputs
from eval_action.platforms.local import LocalPlatform


def detect(env: Mapping[str, str], cwd: Path, overrides: ActionInputs | None = None) -> Platform:
    """GitHub when GITHUB_ACTIONS=true, GitLab when GITLAB_CI=true, else local.

    `overrides` are inputs given as CLI flags: they win over the platform's own inputs.
    """
    if env.get("GITHUB_ACTIONS") == "true":
        return GitHubPlatform(env, overrides)
    if env.get("GITLAB_CI") == "true":
        return GitLabPlatform(env, overrides)
    return LocalPlatform(env, cwd, overrides)
