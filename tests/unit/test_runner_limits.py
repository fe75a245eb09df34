"""The shared limiter: AIMD on 429s and the requests-per-second bucket."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import pytest

from eval_action.execution import ratelimit
from eval_action.execution.rate_headers import Budget, RateInfo
from eval_action.execution.ratelimit import Limiter
from eval_action.execution.runner import RunOptions, run_jobs_sync
from eval_action.execution.targets.base import TargetRequest
from eval_action.execution.targets.http import HttpPool, RetryBudget
from eval_action.execution.targets.openai import OpenAITarget
from eval_action.model.specs import Case, Config, Message, PromptJob, PromptSpec, ProviderSpec, ScorerSpec
from fakes.llm import FakeLLM

EXHAUSTED = RateInfo(requests=Budget(remaining=0, limit=100, reset_s=0.01))
LIMIT_REACHED = {"x-ratelimit-limit-requests": "100", "x-ratelimit-remaining-requests": "0",
                 "x-ratelimit-reset-requests": "10ms"}


def test_a_limit_reached_429_halves_once_per_window_and_successes_climb_back(
        monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [100.0]
    monkeypatch.setattr(ratelimit.time, "monotonic", lambda: clock[0])
    limiter = Limiter(8)
    limiter.observe("api", EXHAUSTED, 429)
    assert limiter.limit == 4
    limiter.observe("api", EXHAUSTED, 429)  # same burst of 429s: one cut only
    limiter.succeeded()
    assert limiter.limit == 4  # no climbing inside the window of the cut
    clock[0] += 1.5
    for _ in range(3):
        limiter.succeeded()
    assert limiter.limit == 7  # one slot per success
    for _ in range(100):
        limiter.succeeded()
    assert limiter.limit == 8  # never above the configured concurrency


def test_only_429s_cut_and_only_when_the_limit_is_reached() -> None:
    limiter = Limiter(8)
    limiter.observe("api", RateInfo(retry_after_s=1.0), 429)  # a 429 that says nothing about limits
    limiter.observe("api", RateInfo(requests=Budget(remaining=5, limit=100, reset_s=1)), 429)
    limiter.observe("api", EXHAUSTED, 200)  # the last request a limit allowed
    assert limiter.limit == 8


def window(limiter: Limiter, clock: list[float], ok: int, rejected: int) -> float:
    """A quarter second of answers from a provider that sends no limit headers; the pace after it."""
    for status in [200] * ok + [429] * rejected:
        limiter.observe("api", None, status)
    clock[0] += 0.25
    limiter.observe("api", None, 200)
    return limiter._paces["api"].interval


def test_a_provider_limiting_without_headers_is_paced_at_what_got_through(
        monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [100.0]
    monkeypatch.setattr(ratelimit.time, "monotonic", lambda: clock[0])
    limiter = Limiter(32)
    assert window(limiter, clock, ok=14, rejected=6) == 0.0  # 30% random 429s: no pacing
    assert window(limiter, clock, ok=4, rejected=120) == pytest.approx(1 / 20)  # 5 got through
    assert window(limiter, clock, ok=5, rejected=1) == pytest.approx(1 / 16)  # still rejected: ease off
    assert window(limiter, clock, ok=5, rejected=0) == pytest.approx(1 / 20)  # none: climb back
    assert window(limiter, clock, ok=0, rejected=9) == pytest.approx(0.25)  # 1 got through
    assert window(limiter, clock, ok=3, rejected=9) == pytest.approx(0.3125)  # never faster while most fail
    assert limiter.limit == 32  # and never a cut


def test_slots_never_exceed_the_limit() -> None:
    async def main() -> int:
        limiter = Limiter(3)
        peak = 0

        async def work() -> None:
            nonlocal peak
            async with limiter.slot():
                peak = max(peak, limiter.in_flight)
                await asyncio.sleep(0.01)
        await asyncio.gather(*(work() for _ in range(20)))
        return peak
    assert asyncio.run(main()) == 3


def test_max_rps_spaces_calls() -> None:
    async def main() -> float:
        limiter = Limiter(8, max_rps=5)
        start = time.monotonic()

        async def call() -> None:
            async with limiter.slot():
                pass
        await asyncio.gather(*(call() for _ in range(8)))
        return time.monotonic() - start
    assert asyncio.run(main()) >= 0.55  # a burst of 5, then 3 more at 5/s


def test_a_bare_429_in_a_run_is_retried_alone(tmp_path: Path) -> None:
    with FakeLLM(latency=0.05) as llm:
        llm.fail_next(1, status=429, retry_after=0)
        provider = ProviderSpec(type="openai", model="m", base_url=llm.url + "/v1")
        spec = PromptSpec(path="p.prompt.yaml", name="p", kind="yaml", provider=provider,
                          messages=[Message(role="user", content="{{ n }}")],
                          cases=[Case(id=str(i), vars={"n": i}) for i in range(12)],
                          scorers=[ScorerSpec(type="contains", value="echo")])
        jobs = [PromptJob(spec=spec, repo_root=tmp_path, config=Config())]
        opts = RunOptions(concurrency=4, use_cache=False, cache_dir=tmp_path)
        (results,) = run_jobs_sync(jobs, opts, {})
        assert all(c.passed for c in results) and len(llm.requests) == 13
        assert llm.max_in_flight == 4


def test_cancelled_waiters_leak_no_slot() -> None:
    async def main() -> tuple[int, int]:
        limiter = Limiter(1)
        release = asyncio.Event()

        async def hold() -> None:
            async with limiter.slot():
                await release.wait()
        holder = asyncio.create_task(hold())
        await asyncio.sleep(0)
        waiters = [asyncio.create_task(hold()) for _ in range(3)]
        await asyncio.sleep(0)
        for w in waiters[:2]:
            w.cancel()
        release.set()
        await asyncio.gather(holder, waiters[2])
        await asyncio.gather(*waiters[:2], return_exceptions=True)
        return limiter.in_flight, len(limiter._waiters)
    assert asyncio.run(main()) == (0, 0)


T = TypeVar("T")
REQUEST = TargetRequest(messages=[Message(role="user", content="hi")])


def calls(llm: FakeLLM, n: int, *, concurrency: int, retries: int = 4,
          check: Callable[[Limiter], Awaitable[T]] | None = None) -> tuple[Limiter, list[str]]:
    """`n` requests at once through the real pool and limiter, each in a slot as the runner takes them."""
    async def main() -> tuple[Limiter, list[str]]:
        limiter = Limiter(concurrency)
        async with HttpPool(concurrency, retries=retries, backoff_s=0.01, limiter=limiter) as http:
            target = OpenAITarget(ProviderSpec(type="openai", model="m", base_url=llm.url + "/v1"),
                                  env={"OPENAI_API_KEY": "k"}, http=http, timeout_s=5)

            async def one() -> str:
                async with limiter.slot():
                    return (await target.complete(REQUEST)).output
            outputs = await asyncio.gather(*(one() for _ in range(n)))
        return limiter, outputs
    return asyncio.run(main())


def gaps(llm: FakeLLM) -> list[float]:
    times = [r.at for r in llm.requests]
    return [b - a for a, b in itertools.pairwise(times)]


def test_a_429_saying_the_limit_is_reached_cuts_concurrency(fake_llm: FakeLLM) -> None:
    fake_llm.fail_next(1, status=429, headers=LIMIT_REACHED)
    limiter, outputs = calls(fake_llm, 4, concurrency=4)
    assert len(outputs) == 4 and limiter.limit == 2


def test_bare_429s_and_500s_leave_concurrency_alone(fake_llm: FakeLLM) -> None:
    fake_llm.fail_next(2, status=429)
    fake_llm.fail_next(2, status=500)
    limiter, outputs = calls(fake_llm, 8, concurrency=4)
    assert len(outputs) == 8 and limiter.limit == 4 and len(fake_llm.requests) == 12


def test_retry_after_ms_is_honoured_over_retry_after(fake_llm: FakeLLM) -> None:
    fake_llm.fail_next(1, status=429, retry_after=30, headers={"retry-after-ms": "300"})
    start = time.monotonic()
    calls(fake_llm, 1, concurrency=1)
    assert 0.3 <= time.monotonic() - start < 5


def test_openai_remaining_zero_holds_the_next_request_for_one_request_s_refill(fake_llm: FakeLLM) -> None:
    # limit 2 refilling in 600ms: one request's worth comes back in 300ms
    fake_llm.answer_headers(lambda: {"x-ratelimit-limit-requests": "2", "x-ratelimit-remaining-requests": "0",
                                     "x-ratelimit-reset-requests": "600ms"})
    calls(fake_llm, 3, concurrency=1)
    assert min(gaps(fake_llm)) >= 0.28


def test_anthropic_tokens_used_up_hold_requests_until_the_rfc3339_reset(fake_llm: FakeLLM) -> None:
    def headers() -> dict[str, str]:
        reset = datetime.fromtimestamp(time.time() + 0.4, UTC).isoformat().replace("+00:00", "Z")
        return {"anthropic-ratelimit-tokens-limit": "1000", "anthropic-ratelimit-tokens-remaining": "0",
                "anthropic-ratelimit-tokens-reset": reset}
    fake_llm.answer_headers(headers)
    calls(fake_llm, 2, concurrency=1)
    assert gaps(fake_llm)[0] >= 0.35


def test_a_limit_reached_429_holds_every_request_until_one_has_refilled(fake_llm: FakeLLM) -> None:
    fake_llm.fail_next(1, status=429, headers={"x-ratelimit-limit-requests": "1", "x-ratelimit-remaining-requests": "0",
                                               "x-ratelimit-reset-requests": "400ms"})
    calls(fake_llm, 4, concurrency=1)
    first, *later = fake_llm.requests
    assert all(r.at - first.at >= 0.35 for r in later)  # the retry and the other cases all waited


def test_low_remaining_paces_starts_at_the_refill_rate(fake_llm: FakeLLM) -> None:
    # 1 left of 10, full again in 900ms: 9 come back in 0.9 s, one every 100ms
    fake_llm.answer_headers(lambda: {"x-ratelimit-limit-requests": "10", "x-ratelimit-remaining-requests": "1",
                                     "x-ratelimit-reset-requests": "900ms"})
    calls(fake_llm, 6, concurrency=1)
    assert min(gaps(fake_llm)[1:]) >= 0.09  # from the first answer that told


def test_plenty_remaining_does_not_pace(fake_llm: FakeLLM) -> None:
    fake_llm.answer_headers(lambda: {"x-ratelimit-limit-requests": "1000", "x-ratelimit-remaining-requests": "900",
                                     "x-ratelimit-reset-requests": "6m0s"})
    start = time.monotonic()
    calls(fake_llm, 6, concurrency=1)
    assert time.monotonic() - start < 0.5


def test_a_retry_waits_without_its_slot(fake_llm: FakeLLM) -> None:
    fake_llm.fail_next(1, status=503, retry_after="0.5")
    calls(fake_llm, 2, concurrency=1)
    first, second, retry = fake_llm.requests
    assert second.at - first.at < 0.4 <= retry.at - first.at  # the other case went while the retry waited


def test_a_run_s_retry_budget_lets_an_unlucky_call_retry_past_its_own() -> None:
    budget = RetryBudget(2)
    assert budget.allows(0) and budget.allows(1) and not budget.allows(2)  # nothing spare yet
    for _ in range(10):
        budget.succeeded(0)  # each left its 2 retries unspent
    assert all(budget.allows(retried) for retried in range(6))  # 2 of its own, 4 that others left
    assert not budget.allows(6)  # at most 3x its own


def test_budget_retries_over_loopback(fake_llm: FakeLLM) -> None:
    async def main() -> str:
        async with HttpPool(1, retries=1, backoff_s=0.01) as http:
            target = OpenAITarget(ProviderSpec(type="openai", model="m", base_url=fake_llm.url + "/v1"),
                                  env={"OPENAI_API_KEY": "k"}, http=http, timeout_s=5)
            for _ in range(4):
                await target.complete(REQUEST)  # each brings one retry it doesn't use
            fake_llm.fail_next(3, status=500)
            return (await target.complete(REQUEST)).output
    assert asyncio.run(main()).startswith("echo:") and len(fake_llm.requests) == 8
