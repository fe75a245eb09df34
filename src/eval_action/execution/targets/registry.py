"""Build a target from its spec: the one place that knows every target type."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from eval_action.execution.targets.anthropic import AnthropicTarget
from eval_action.execution.targets.base import Target
from eval_action.execution.targets.command import CommandTarget
from eval_action.execution.targets.http import HttpPool
from eval_action.execution.targets.huggingface import HuggingFaceClassifier
from eval_action.execution.targets.openai import OpenAITarget
from eval_action.execution.targets.python_fn import PythonTarget
from eval_action.execution.usercode.pool import UserCode
from eval_action.model.errors import UserError
from eval_action.model.specs import ProviderSpec


def make_target(spec: ProviderSpec, *, env: Mapping[str, str], repo_root: Path, http: HttpPool,
                timeout_s: float, usercode: UserCode, github_token: str | None = None) -> Target:
    """Raises UserError for a spec that can't work (missing key, function file or program).

    User code (python functions, commands) gets `usercode.env`: the environment without the CI's tokens;
    `github_token` (the job's token) reaches `github` providers only.
    """
    timeout = spec.timeout_s or timeout_s
    if spec.type == "huggingface":
        raise UserError(f"provider {spec.label()} classifies text and cannot answer a prompt — name it as a "
                        "`classifier` scorer's `provider:`, and give the prompt a model provider")
    if spec.type == "github":
        return OpenAITarget(spec, env=env, http=http, timeout_s=timeout, github_token=github_token)
    if spec.type == "openai":
        return OpenAITarget(spec, env=env, http=http, timeout_s=timeout)
    if spec.type == "anthropic":
        return AnthropicTarget(spec, env=env, http=http, timeout_s=timeout)
    if spec.type == "python":
        return PythonTarget(spec, repo_root=repo_root, timeout_s=timeout, usercode=usercode)
    return CommandTarget(spec, env=usercode.env, repo_root=repo_root, timeout_s=timeout)


def make_classifier(spec: ProviderSpec, *, env: Mapping[str, str], http: HttpPool,
                    timeout_s: float) -> HuggingFaceClassifier:
    """A `classifier` scorer's provider; UserError for one that is not a classifier, or lacks its key."""
    if spec.type != "huggingface":
        raise UserError(f"classifier needs a text-classification provider (`type: huggingface, model: "
                        f"<model>`), not {spec.label()}")
    return HuggingFaceClassifier(spec, env=env, http=http, timeout_s=spec.timeout_s or timeout_s)
