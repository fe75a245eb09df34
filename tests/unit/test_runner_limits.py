"""The shared limiter: AIMD on 429s and the requests-per-second bucket."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from eval_action.execution.ratelimit import Limiter
from eval_action.execution.runner import RunOptions, run_jobs_sync
from eval_action.model.specs import Case, Config, Message, PromptJob, PromptSpec, ProviderSpec, ScorerSpec
from fakes.llm import FakeLLM


def test_throttle_halves_then_successes_creep_back() -> None:
    limiter = Limiter(8)
    limiter.throttled()
    assert limiter.limit == 4
    limiter.throttled()  # same burst of 429s: one cut only
    assert limiter.limit == 4
    for _ in range(4):
        limiter.succeeded()
    assert limiter.limit == 5
    for _ in range(100):
        limiter.succeeded()
    assert limiter.limit == 8  # never above the configured concurrency


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


def test_429s_shrink_concurrency_in_a_run(tmp_path: Path) -> None:
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
        # 4 went out together; after the 429 at most 2 were admitted until successes creep back.
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
