"""One limiter for every call a run makes (targets and graders, head and baseline): a concurrency
cap, pacing from what each provider's headers say, and an optional requests-per-second bucket.

Only a 429 whose headers say a limit is used up cuts the concurrency: it holds new requests until
the limit refills and halves the slots (once per window), which successes then add back one each.
When `remaining` runs low, requests start no faster than the refill rate the reset implies. A 429
or 5xx that says nothing is retried on its own: halving on every one of them made a provider with
30% random faults take 9-12x the ideal time. Only when most answers of a provider that sends no
limit headers are 429s is it paced, at the rate that got through.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar

from eval_action.execution.rate_headers import RateInfo

# A burst of 429s answers one overload; halving once per window keeps it from collapsing to 1.
_CUT_WINDOW_S = 1.0
_HOLD_CAP_S = 60.0
# How long 429s are counted before pacing a provider that sends no limit headers: in a second
# unpaced, 32 slots drew ~600 429s from a 20 requests/s limit.
_WINDOW_S = 0.25
_FASTEST_PACED_S = 0.002  # below this interval pacing stops



class _Held:
    def __init__(self) -> None:
        self.held = True


_holding: ContextVar[_Held | None] = ContextVar("holding_a_slot", default=None)


class Limiter:
    """FIFO slots handed over one at a time (a Condition with notify_all wakes every waiter per release)."""

    def __init__(self, concurrency: int, max_rps: float | None = None) -> None:
        self.ceiling = max(1, concurrency)
        self.limit = self.ceiling
        self.in_flight = 0
        self._last_cut = -_CUT_WINDOW_S
        self._paces: dict[str, _Pace] = {}  # one per provider host: each reports its own limits
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._bucket = _TokenBucket(max_rps) if max_rps else None

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        await self._enter(first=False)
        held = _Held()
        token = _holding.set(held)
        try:
            yield
        finally:
            _holding.reset(token)
            if held.held:  # not when re-entering after a retry's wait was cancelled
                self._leave()

    @asynccontextmanager
    async def released(self) -> AsyncIterator[None]:
        """Give the slot back while a retry waits, so the wait keeps no other case out; the retry
        then goes ahead of cases not yet started, so retried cases don't all finish last."""
        held = _holding.get()
        if held is None or not held.held:
            yield
            return
        held.held = False
        self._leave()
        try:
            yield
        finally:
            await self._enter(first=True)
            held.held = True

    async def _enter(self, first: bool) -> None:
        await self._acquire(first)
        if self._bucket is None:
            return
        try:
            await self._bucket.take()
        except BaseException:
            self._leave()
            raise

    def _leave(self) -> None:
        self.in_flight -= 1
        self._wake()

    async def _acquire(self, first: bool) -> None:
        if self.in_flight < self.limit and not self._waiters:
            self.in_flight += 1
            return
        waiter = asyncio.get_running_loop().create_future()
        if first:
            self._waiters.appendleft(waiter)
        else:
            self._waiters.append(waiter)
        try:
            await waiter  # _wake counted us in before resolving it
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._leave()  # handed a slot just as we were cancelled: pass it on
            elif waiter in self._waiters:  # _wake may have dropped it already (it skips done waiters)
                self._waiters.remove(waiter)
            raise

    def _wake(self) -> None:
        while self._waiters and self.in_flight < self.limit:
            waiter = self._waiters.popleft()
            if not waiter.done():
                self.in_flight += 1
                waiter.set_result(None)

    async def pace(self, key: str) -> None:
        """Wait until `key`'s provider may be sent the next request (called in a slot)."""
        pace = self._paces.get(key)
        if pace is not None:
            await pace.wait()

    def observe(self, key: str, info: RateInfo | None, status: int) -> None:
        """What an answer (2xx or not) said of `key`'s limits: its headers, or nothing."""
        pace = self._paces.get(key) or self._paces.setdefault(key, _Pace())
        if pace.observe(info, status, self.in_flight) and status == 429:
            self._cut(time.monotonic())

    def _cut(self, now: float) -> None:
        if now - self._last_cut < _CUT_WINDOW_S:
            return
        self._last_cut = now
        self.limit = max(1, self.limit // 2)

    def succeeded(self) -> None:
        """Climb back one slot per success once a window has passed without a cut."""
        if self.limit >= self.ceiling or time.monotonic() - self._last_cut < _CUT_WINDOW_S:
            return
        self.limit += 1
        self._wake()


class _Pace:
    """When requests to one provider may start."""

    def __init__(self) -> None:
        self.hold_until = 0.0  # no request starts before this (monotonic)
        self.interval = 0.0  # seconds between starts: 0 while the provider has room
        self.next_start = 0.0
        self.told = False  # it sends limit headers: those decide, not counting 429s
        self._window_start = time.monotonic()
        self._ok = self._rejected = 0

    async def wait(self) -> None:
        while True:
            now = time.monotonic()
            start = max(self.hold_until, self.next_start if self.interval else 0.0)
            if start <= now:
                if self.interval:
                    self.next_start = max(now, self.next_start) + self.interval
                return
            await asyncio.sleep(start - now)

    def observe(self, info: RateInfo | None, status: int, in_flight: int) -> bool:
        """Update from one answer; True when its headers say a limit is used up."""
        if info is not None and (info.requests is not None or info.tokens is not None):
            self.told = True
            return self._told(info, in_flight)
        if not self.told:
            self._count(status)
        return False

    def _told(self, info: RateInfo, in_flight: int) -> bool:
        requests = info.requests
        rate = requests.refill_per_s() if requests is not None else None
        if requests is not None:
            # Pace only while the requests out now could use up what is left; more left over (the
            # pace fell behind, the budget refilled) is spent at once: pacing it lost ~5% at 20/s.
            self.interval = 1 / rate if rate and requests.remaining <= in_flight else 0.0
        if not info.exhausted:
            return False
        wait = info.wait_s()
        if requests is not None and requests.exhausted and rate:
            wait = 1 / rate  # one request's worth comes back long before the whole budget
        if wait is not None:
            self.hold_until = max(self.hold_until, time.monotonic() + min(wait, _HOLD_CAP_S))
        return True

    def _count(self, status: int) -> None:
        """A provider that limits without saying so: once most answers in a window are 429s, start
        no faster than what got through; ease off while 429s go on, speed up once they stop."""
        if status == 429:
            self._rejected += 1
        elif status < 400:
            self._ok += 1
        now = time.monotonic()
        elapsed = now - self._window_start
        if elapsed < _WINDOW_S:
            return
        if self._rejected > self._ok:
            self.interval = max(self.interval * 1.25, elapsed / max(1, self._ok))
        elif self.interval and self._rejected * 10 >= self._ok:
            self.interval *= 1.25
        elif self.interval and not self._rejected:
            self.interval = self.interval * 0.8 if self.interval > _FASTEST_PACED_S else 0.0
        self._window_start, self._ok, self._rejected = now, 0, 0


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
