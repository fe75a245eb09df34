"""The Grader scorers use (model-graded, embedding and moderation scorers): the run's targets, limiter,
retries and cache."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval_action.execution.pricing import answer_cost
from eval_action.execution.targets.base import Target, TargetRequest
from eval_action.execution.targets.caller import Caller
from eval_action.execution.targets.http import HttpPool
from eval_action.execution.targets.huggingface import HuggingFaceClassifier
from eval_action.execution.targets.openai import DEFAULT_EMBEDDING_MODEL, DEFAULT_MODERATION_MODEL, OpenAITarget
from eval_action.execution.targets.registry import make_classifier, make_target
from eval_action.execution.usercode.pool import UserCode
from eval_action.model.errors import UserError
from eval_action.model.specs import Config, Message, ProviderSpec

# Graders judge; they must not sample. temperature 0 and a fixed seed (where the API takes one) make
# the same output get the same grade on every run, unless the grader provider's own params say otherwise.
GRADER_PARAMS: dict[str, Any] = {"temperature": 0, "seed": 20240601}
_NO_SEED = {"anthropic"}  # its Messages API refuses unknown fields


@dataclass
class Tally:
    """Requests made for one case (target and graders, every repeat), and how many the cache answered."""

    calls: int = 0
    cache_hits: int = 0
    grader_calls: int = 0  # of `calls`: reported apart, so the target's own figures stay its own
    grader_tokens: int | None = None
    grader_cost_usd: float | None = None

    def count(self, cached: bool) -> None:
        self.calls += 1
        self.cache_hits += cached

    def count_grader(self, cached: bool, tokens: int | None = None, cost: float | None = None) -> None:
        self.count(cached)
        self.grader_calls += 1
        if tokens is not None:
            self.grader_tokens = (self.grader_tokens or 0) + tokens
        if cost is not None:
            self.grader_cost_usd = (self.grader_cost_usd or 0) + cost


class RunnerGrader:
    def __init__(self, config: Config, *, env: Mapping[str, str], repo_root: Path, http: HttpPool,
                 caller: Caller, timeout_s: float, usercode: UserCode,
                 github_token: str | None = None) -> None:
        self._config = config
        self._github_token = github_token
        self._env = env
        self._repo_root = repo_root
        self._http = http
        self._caller = caller
        self._timeout_s = timeout_s
        self._usercode = usercode
        self._targets: dict[str, Target] = {}
        self._classifiers: dict[str, HuggingFaceClassifier] = {}

    def tallied(self, tally: Tally) -> TalliedGrader:
        return TalliedGrader(self, tally)

    async def complete(self, provider: str | ProviderSpec | None, messages: list[Message],
                       tally: Tally | None = None) -> str:
        spec = self._spec(provider)
        params = {k: v for k, v in GRADER_PARAMS.items()
                  if k not in spec.params and not (k == "seed" and spec.type in _NO_SEED)}
        response = await self._caller.complete(self._target(spec), TargetRequest(messages=messages, params=params))
        if tally is not None:
            tally.count_grader(response.cached, response.tokens,
                               answer_cost(self._config.pricing, spec.model, response))
        return response.output

    async def embed(self, provider: str | ProviderSpec | None, texts: list[str],
                    tally: Tally | None = None) -> list[list[float]]:
        target, model = self._openai(provider, "embeddings", DEFAULT_EMBEDDING_MODEL)
        vectors, cached = await self._caller.embed(target, texts, model)
        if tally is not None:
            tally.count_grader(cached)
        return vectors

    async def moderate(self, provider: str | ProviderSpec | None, text: str, tally: Tally | None = None) -> list[str]:
        target, model = self._openai(provider, "moderation", DEFAULT_MODERATION_MODEL)
        flagged, cached = await self._caller.moderate(target, text, model)
        if tally is not None:
            tally.count_grader(cached)
        return flagged

    async def classify(self, provider: str | ProviderSpec | None, text: str,
                       tally: Tally | None = None) -> dict[str, float]:
        if provider is None:  # the grader is a chat model: no classifier falls back to it
            raise UserError("classifier needs `provider:` — a text-classification model, e.g. "
                            "{type: huggingface, model: distilbert/distilbert-base-uncased-finetuned-sst-2-english}")
        spec = self._spec(provider)
        key = spec.model_dump_json()
        if key not in self._classifiers:
            self._classifiers[key] = make_classifier(spec, env=self._env, http=self._http, timeout_s=self._timeout_s)
        labels, cached = await self._caller.classify(self._classifiers[key], text)
        if tally is not None:
            tally.count_grader(cached)
        return labels

    def _openai(self, provider: str | ProviderSpec | None, what: str, default_model: str) -> tuple[OpenAITarget, str]:
        """An OpenAI-compatible endpoint and the model for `what`: the scorer's own provider's, else
        `default_model` at the grader's endpoint (the default grader names a chat model)."""
        spec = self._spec(provider)
        target = self._target(spec)
        if not isinstance(target, OpenAITarget):
            raise UserError(f"{what} needs an OpenAI-compatible provider, not {spec.label()} — "
                            "set the scorer's `provider:` to one of type openai")
        return target, spec.model if provider is not None and spec.model else default_model

    def _spec(self, provider: str | ProviderSpec | None) -> ProviderSpec:
        chosen = provider if provider is not None else self._config.defaults.grader or "default"
        if isinstance(chosen, ProviderSpec):
            return chosen
        spec = self._config.providers.get(chosen)
        if spec is None:
            known = ", ".join(sorted(self._config.providers)) or "none"
            raise UserError(f"grader provider {chosen!r} is not defined under `providers:` in "
                            f"eval-action.yaml (defined: {known}) — add it or name a defined one")
        return spec

    def _target(self, spec: ProviderSpec) -> Target:
        key = spec.model_dump_json()
        if key not in self._targets:
            self._targets[key] = make_target(spec, env=self._env, repo_root=self._repo_root, http=self._http,
                                             timeout_s=self._timeout_s, usercode=self._usercode,
                                             github_token=self._github_token)
        return self._targets[key]


@dataclass(frozen=True)
class TalliedGrader:
    """The run's grader, counting the requests one case makes through it."""

    runner: RunnerGrader
    tally: Tally

    async def complete(self, provider: str | ProviderSpec | None, messages: list[Message]) -> str:
        return await self.runner.complete(provider, messages, self.tally)

    async def embed(self, provider: str | ProviderSpec | None, texts: list[str]) -> list[list[float]]:
        return await self.runner.embed(provider, texts, self.tally)

    async def moderate(self, provider: str | ProviderSpec | None, text: str) -> list[str]:
        return await self.runner.moderate(provider, text, self.tally)

    async def classify(self, provider: str | ProviderSpec | None, text: str) -> dict[str, float]:
        return await self.runner.classify(provider, text, self.tally)
