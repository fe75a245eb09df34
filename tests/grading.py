"""The run's real grader (RunnerGrader: HTTP pool, caller, cache, tally) pointed at a fake LLM, and a
fake scripted the way promptfoo's own tests mock their grading provider."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from eval_action.execution.cache import ResponseCache
from eval_action.execution.ratelimit import Limiter
from eval_action.execution.targets.caller import Caller
from eval_action.execution.targets.grader import RunnerGrader, TalliedGrader, Tally
from eval_action.execution.targets.http import HttpPool
from eval_action.execution.usercode.pool import UserCode
from eval_action.model.specs import Config, ProviderSpec
from fakes.llm import FakeLLM

T = TypeVar("T")
ENV = {"OPENAI_API_KEY": "sk-test-grader", "HF_TOKEN": "hf-test-token"}


def grader_config(llm: FakeLLM) -> Config:
    """The grader at the fake, and `classifier`: a HuggingFace text-classification model there."""
    return Config(providers={"default": ProviderSpec(type="openai", model="judge", base_url=llm.url + "/v1"),
                             "classifier": ProviderSpec(type="huggingface", model="test/classifier",
                                                        base_url=llm.url)})


@contextlib.asynccontextmanager
async def runner_grader(llm: FakeLLM, tmp: Path, *, cache: bool = False,
                        config: Config | None = None) -> AsyncIterator[tuple[TalliedGrader, Tally]]:
    usercode = UserCode(ENV, 1)
    async with HttpPool(4, retries=0) as http:
        caller = Caller(Limiter(4), ResponseCache(tmp / "cache", enabled=cache))
        grader = RunnerGrader(config or grader_config(llm), env=ENV, repo_root=tmp, http=http, caller=caller,
                              timeout_s=5, usercode=usercode)
        tally = Tally()
        try:
            yield grader.tallied(tally), tally
        finally:
            await caller.cache.aclose()
            await usercode.aclose()


def with_grader(llm: FakeLLM, tmp: Path, fn: Callable[[TalliedGrader], Awaitable[T]]) -> tuple[T, Tally]:
    async def go() -> tuple[T, Tally]:
        async with runner_grader(llm, tmp) as (grader, tally):
            return await fn(grader), tally
    return asyncio.run(go())


def script(llm: FakeLLM, case: dict[str, Any]) -> None:
    """The case's grader replies in order (the last one repeats), its embedding rules (`text` equal
    or every `contains` fragment in the text; first match wins) and its moderation flags."""
    replies = list(case.get("grader", []))
    calls = iter(range(10**6))
    llm.respond_with(lambda body: replies[min(next(calls), len(replies) - 1)] if replies else "")
    rules = case.get("embeddings", [])

    def embed(text: str) -> list[float]:
        for rule in rules:
            if ("text" in rule and rule["text"] == text) or (
                    "contains" in rule and all(part in text for part in rule["contains"])) or (
                    "text" not in rule and "contains" not in rule):
                return [float(v) for v in rule["vector"]]
        raise AssertionError(f"no embedding rule for {text!r}")

    llm.embed_with(embed)
    flagged = set(case.get("moderation", []))
    llm.moderate_with(lambda text: flagged)
    labels = case.get("classification", {})
    llm.classify_with(lambda text: labels)
    if "grader_status" in case:  # the grading provider fails, as promptfoo's `{error: ...}` reply
        llm.fail_next(100, status=case["grader_status"])
