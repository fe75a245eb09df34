"""One limiter for every call a run makes (targets and graders): a concurrency cap that backs off
on 429s (AIMD) and an optional requests-per-second token bucket."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

# A burst of 429s answers one overload; halving once per window keeps it from collapsing to 1.
_CUT_WINDOW_S = 1.0


class Limiter:
    def __init__(self, concurrency: int, max_rps: float | None = None) -> None:
        self.ceiling = max(1, concurrency)
        self.limit = self.ceiling
        self.in_flight = 0
        self._successes = 0
        self._last_cut = -_CUT_WINDOW_S
        self._cond = asyncio.Condition()
        self._bucket = _TokenBucket(max_rps) if max_rps else None

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        async with self._cond:
            await self._cond.wait_for(lambda: self.in_flight < self.limit)
            self.in_flight += 1
        try:
            if self._bucket is not None:
                await self._bucket.take()
            yield
        finally:
            async with self._cond:
                self.in_flight -= 1
                self._cond.notify_all()

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
