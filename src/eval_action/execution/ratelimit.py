"""One limiter for every call a run makes (targets and graders): a concurrency cap that backs off
on 429s (AIMD) and an optional requests-per-second token bucket."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

# A burst of 429s answers one overload; halving once per window keeps it from collapsing to 1.
_CUT_WINDOW_S = 1.0


class Limiter:
    """FIFO slots handed over one at a time (a Condition with notify_all wakes every waiter per release)."""

    def __init__(self, concurrency: int, max_rps: float | None = None) -> None:
        self.ceiling = max(1, concurrency)
        self.limit = self.ceiling
        self.in_flight = 0
        self._successes = 0
        self._last_cut = -_CUT_WINDOW_S
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._bucket = _TokenBucket(max_rps) if max_rps else None

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        await self._acquire()
        try:
            if self._bucket is not None:
                await self._bucket.take()
            yield
        finally:
            self.in_flight -= 1
            self._wake()

    async def _acquire(self) -> None:
        if self.in_flight < self.limit and not self._waiters:
            self.in_flight += 1
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter  # _wake counted us in before resolving it
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.in_flight -= 1  # handed a slot just as we were cancelled: pass it on
                self._wake()
            elif waiter in self._waiters:  # _wake may have dropped it already (it skips done waiters)
                self._waiters.remove(waiter)
            raise

    def _wake(self) -> None:
        while self._waiters and self.in_flight < self.limit:
            waiter = self._waiters.popleft()
            if not waiter.done():
                self.in_flight += 1
                waiter.set_result(None)

    def throttled(self) -> None:
        """A 429 came back: halve the limit (multiplicative decrease)."""
        now = time.monotonic()
        if now - self._last_cut < _CUT_WINDOW_S:
            return
        self._last_cut = now
        self.limit = max(1, self.limit // 2)
        self._successes = 0

    def succeeded(self) -> None:
        """Creep back up by one slot per window of `limit` successes (additive increase)."""
        if self.limit >= self.ceiling:
            return
        self._successes += 1
        if self._successes >= self.limit:
            self._successes = 0
            self.limit += 1
            self._wake()


class _TokenBucket:
    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.capacity = max(1.0, rate)
        self.tokens = self.capacity
        self.stamp = time.monotonic()
        self._lock = asyncio.Lock()

    async def take(self) -> None:
        async with self._lock:
            while True:
                now = time.monotonic()
                self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
                self.stamp = now
                if self.tokens >= 1:
                    self.tokens -= 1
                    return
                await asyncio.sleep((1 - self.tokens) / self.rate)
