"""User code out of process: the cost of a call to the user's function through a worker.

1. 64 cases of a sync agent that waits 1 s at concurrency 16 (ideal 4 s; goal <= 1.10 x ideal).
2. 5,000 calls of a function that returns at once: CPU per call (ours + the worker's), next to the
   same function called in our process through a thread, as python targets were called before
   (goal: <= 0.5 ms more per call).

usage: python bench/usercode_bench.py [--calls 5000] [--cases 64] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from eval_action.execution.usercode.pool import Checkout, UserCode
from eval_action.execution.usercode.worker import FunctionRef

AGENT = "import time\ndef wait(m, c):\n    time.sleep(1)\n    return 'ok'\ndef now(m, c):\n    return 'ok'\n"
ARGS: list[Any] = [[{"role": "user", "content": "hi"}], {"vars": {}, "case_id": "c"}]


def cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


async def sleepers(where: Checkout, cases: int, concurrency: int) -> float:
    pool = UserCode(dict(os.environ), concurrency)
    try:
        await pool.load(where, FunctionRef(module="agent", name="wait"))
        gate = asyncio.Semaphore(concurrency)  # the runner's limiter

        async def one() -> None:
            async with gate:
                await pool.call(where, FunctionRef(module="agent", name="wait"), ARGS, 10)
        start = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(cases)))
        return time.perf_counter() - start
    finally:
        await pool.aclose()


async def workers(where: Checkout, calls: int) -> float:
    pool = UserCode(dict(os.environ), 16)
    ref = FunctionRef(module="agent", name="now")
    await pool.load(where, ref)
    before = cpu()
    gate = asyncio.Semaphore(16)

    async def one() -> None:
        async with gate:
            await pool.call(where, ref, ARGS, 10)
    await asyncio.gather(*(one() for _ in range(calls)))
    await pool.aclose()  # the worker is reaped: its CPU counts in RUSAGE_CHILDREN
    return (cpu() - before) / calls * 1000


async def in_process(root: Path, calls: int) -> float:
    spec = importlib.util.spec_from_file_location("bench_agent", root / "agent.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    before = cpu()
    gate = asyncio.Semaphore(16)

    async def one() -> None:
        async with gate:
            await asyncio.to_thread(module.now, *ARGS)
    await asyncio.gather(*(one() for _ in range(calls)))
    return (cpu() - before) / calls * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--cases", type=int, default=64)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "agent.py").write_text(AGENT)
        where = Checkout(root, sys.executable)
        ideal = -(-args.cases // args.concurrency) * 1.0
        wall = asyncio.run(sleepers(where, args.cases, args.concurrency))
        print(f"sync agent, {args.cases} cases x 1 s at concurrency {args.concurrency}: wall {wall:.2f} s, "
              f"ideal {ideal:.0f} s, ratio {wall / ideal:.3f} (goal <= 1.10)")
        worker_ms = asyncio.run(workers(where, args.calls))
        thread_ms = asyncio.run(in_process(root, args.calls))
        print(f"{args.calls} zero-latency calls, CPU per call: worker {worker_ms:.3f} ms, in process (thread) "
              f"{thread_ms:.3f} ms, overhead {worker_ms - thread_ms:.3f} ms (goal <= 0.5)")


if __name__ == "__main__":
    main()
