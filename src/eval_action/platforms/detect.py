"""Pick the platform adapter from the environment, in one place."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from eval_action.platforms.base import Platform
from eval_action.platforms.inputs import ActionInputs


def detect(env: Mapping[str, str], cwd: Path, overrides: ActionInputs | None = None) -> Platform:
    """GitHub when GITHUB_ACTIONS=true, GitLab when GITLAB_CI=true, else local.

    `overrides` are inputs given as CLI flags: they win over the platform's own inputs.
    """
    # Imported here: each adapter loads its API client (PyGithub, python-gitlab), which would
    # otherwise delay the first model call of every run by a tenth of a second or more.
    if env.get("GITHUB_ACTIONS") == "true":
        from eval_action.platforms.github import GitHubPlatform

        return GitHubPlatform(env, overrides)
    if env.get("GITLAB_CI") == "true":
        from eval_action.platforms.gitlab import GitLabPlatform

        return GitLabPlatform(env, overrides)
    from eval_action.platforms.local import LocalPlatform

    return LocalPlatform(env, cwd, overrides)
