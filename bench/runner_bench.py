"""The runner alone (no CLI, no discovery, no reports) against the fake server in another process,
next to bare asyncio+httpx loops, to separate the runner's own overhead from the HTTP client's.

    python bench/runner_bench.py --cases 1000 --concurrency 64 --latency 0.2 --reps 3
    python bench/runner_bench.py --cases 2000 --concurrency 64 --latency 0.02 --profile runner.prof
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import FakeServer, fake_server, ideal_s, median

from eval_action.execution.runner import RunOptions, run_jobs_sync
from eval_action.model.specs import Case, Config, Message, PromptJob, PromptSpec, ProviderSpec, ScorerSpec

PAYLOAD_MESSAGES = [{"role": "system", "content": "Answer with the city only."}]


def job(cases: int, url: str) -> PromptJob:
    provider = ProviderSpec(type="openai", model="fake-model", base_url=url)
    spec = PromptSpec(
        path="prompts/bench.prompt.yaml", name="bench", kind="yaml", provider=provider,
        params={"temperature": 0},
        messages=[Message(role="system", content="Answer with the city only."),
                  Message(role="user", content="What is the capital of {{ country }}?")],
        cases=[Case(id=f"c{i}", vars={"country": f"country {i}"}, expected=f"country {i}") for i in range(cases)],
        scorers=[ScorerSpec(type="icontains", value="{{ expected }}")])
    return PromptJob(spec, Path("."), Config())


def runner(cases: int, concurrency: int, url: str) -> None:
    opts = RunOptions(concurrency=concurrency, use_cache=False)
    results = run_jobs_sync([job(cases, url)], opts, {"OPENAI_API_KEY": "x"})
    failed = [c for c in results[0] if not c.passed]
    if failed:
        raise SystemExit(f"{len(failed)} cases failed, e.g. {failed[0].error or failed[0].scores}")


async def bare(cases: int, concurrency: int, url: str, clients: int) -> None:
    """The floor: a semaphore, `clients` httpx clients sharing `concurrency` connections, nothing else."""
    per = math.ceil(concurrency / clients)
    limits = httpx.Limits(max_connections=per, max_keepalive_connections=per)
    pool = [httpx.AsyncClient(limits=limits, trust_env=False) for _ in range(clients)]
    gate = asyncio.Semaphore(concurrency)

    async def one(i: int) -> None:
        async with gate:
            body = {"model": "m", "messages": [*PAYLOAD_MESSAGES, {"role": "user", "content": f"country {i}"}]}
            r = await pool[i % clients].post(url + "/chat/completions", json=body)
            r.raise_for_status()
            r.json()

    await asyncio.gather(*(one(i) for i in range(cases)))
    for client in pool:
        await client.aclose()


def variants(cases: int, concurrency: int, url: str) -> dict[str, Callable[[], None]]:
    return {
        "runner": lambda: runner(cases, concurrency, url),
        "bare httpx, 1 client": lambda: asyncio.run(bare(cases, concurrency, url, 1)),
        f"bare httpx, {math.ceil(concurrency / 16)} clients": lambda: asyncio.run(bare(
            cases, concurrency, url, math.ceil(concurrency / 16))),
    }


def measure(server: FakeServer, fn: Callable[[], None]) -> tuple[float, float, int]:
    server.reset()
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    stats = server.stats()
    return time.perf_counter() - wall, time.process_time() - cpu, int(stats["max_in_flight"])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cases", type=int, default=1000)
    p.add_argument("--concurrency", type=int, default=64)
    p.add_argument("--latency", type=float, default=0.2)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--only", help="run only the variants whose name contains this")
    p.add_argument("--profile", metavar="FILE", help="cProfile one runner pass into FILE")
    a = p.parse_args()
    ideal = ideal_s(a.cases, a.concurrency, a.latency)
    with fake_server(a.latency) as server:
        if a.profile:
            cProfile.runctx("runner(a.cases, a.concurrency, server.url)", globals(), locals(),
                            a.profile)
            return
        chosen = {k: v for k, v in variants(a.cases, a.concurrency, server.url).items()
                  if not a.only or a.only in k}
        walls: dict[str, list[float]] = {k: [] for k in chosen}
        cpus: dict[str, list[float]] = {k: [] for k in chosen}
        peaks: dict[str, int] = {}
        for _ in range(a.reps):  # alternate so drift hits every variant alike
            for name, fn in chosen.items():
                wall, cpu, peak = measure(server, fn)
                walls[name].append(wall)
                cpus[name].append(cpu)
                peaks[name] = max(peaks.get(name, 0), peak)
    print(f"N={a.cases} C={a.concurrency} L={a.latency * 1000:.0f} ms, ideal {ideal:.2f} s, {a.reps} reps (medians)")
    print(f"{'variant':28} {'wall s':>7} {'wall/ideal':>10} {'CPU ms/case':>11} {'max in flight':>13}")
    for name in chosen:
        w = median(walls[name])
        print(f"{name:28} {w:7.2f} {w / ideal:10.3f} {median(cpus[name]) * 1000 / a.cases:11.2f} {peaks[name]:13d}")


if __name__ == "__main__":
    main()
