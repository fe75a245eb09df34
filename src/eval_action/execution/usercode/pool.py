"""Every worker of a run: one per (checkout, interpreter), replaced when it dies or is retired.

A sync function can't be interrupted inside a thread, so a call that times out (or is cancelled)
retires its worker: new calls go to a fresh one, and the old one's process group is killed as soon
as its other calls in flight have returned, or when the run ends, whichever is first.

A call that crashes its worker (a segfault, `os._exit`) ends every call in flight there, and nothing
says which one did it: each of them runs again, alone in a worker of its own, so only the call that
crashes again errors, with its own exit status and stderr.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eval_action.execution.redaction import take_ci_tokens
from eval_action.execution.usercode.refs import interpreter
from eval_action.execution.usercode.worker import CallFailed, FunctionRef, Worker

_LOAD_TIMEOUT_S = 120.0  # importing an agent's dependencies (torch, langchain) can take a while


@dataclass(frozen=True)
class Checkout:
    """Where user code runs: cwd and sys.path[0] of its worker, and the interpreter it runs under."""

    root: Path
    python: str


@dataclass
class _Slot:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    worker: Worker | None = None
    loaded: set[FunctionRef] = field(default_factory=set)
    failed: dict[FunctionRef | None, CallFailed] = field(default_factory=dict)  # None: the start


class UserCode:
    """`threads`: the run's concurrency, so that many sync calls can be in flight in one worker."""

    def __init__(self, env: Mapping[str, str], threads: int) -> None:
        self.env = dict(env)
        take_ci_tokens(self.env)  # under every command, not just ci
        self._threads = threads
        self._slots: dict[Checkout, _Slot] = {}
        self._all: list[Worker] = []

    def checkout(self, root: Path, python: str | None) -> Checkout:
        """Where a provider's functions run; UserError when its interpreter can't be found."""
        return Checkout(root.resolve(), interpreter(python, self.env, root))

    async def call(self, where: Checkout, fn: FunctionRef, args: list[Any], timeout_s: float) -> Any:
        """The function's JSON result; CallFailed otherwise."""
        worker = await self._ready(where, fn)
        try:
            return await _timed(worker.call("call", fn, args), timeout_s)
        except CallFailed as e:
            if e.kind != "died" or worker.crashed_with < 2:
                raise
        return await self._alone(where, fn, args, timeout_s)

    async def _alone(self, where: Checkout, fn: FunctionRef, args: list[Any], timeout_s: float) -> Any:
        worker = await Worker.start(where.python, where.root, self.env, 1)
        try:
            await _load(worker, fn)
            return await _timed(worker.call("call", fn, args), timeout_s)
        finally:
            await worker.aclose()

    async def load(self, where: Checkout, fn: FunctionRef) -> None:
        """Import `fn` ahead of the first call, so its import time is not counted against a case."""
        await self._ready(where, fn)

    async def aclose(self) -> None:
        await asyncio.gather(*(w.aclose() for w in self._all))
        self._all.clear()

    async def _ready(self, where: Checkout, fn: FunctionRef) -> Worker:
        slot = self._slots.setdefault(where, _Slot())
        async with slot.lock:  # concurrent first calls start one worker and import once
            for key in (None, fn):  # a broken interpreter or import fails every case alike: try once
                if key in slot.failed:
                    raise slot.failed[key]
            try:
                return await self._start_and_load(where, slot, fn)
            except CallFailed as e:
                if e.kind in ("start", "load"):
                    slot.failed[None if e.kind == "start" else fn] = e
                raise

    async def _start_and_load(self, where: Checkout, slot: _Slot, fn: FunctionRef) -> Worker:
        if slot.worker is None or not slot.worker.usable:
            slot.worker = await Worker.start(where.python, where.root, self.env, self._threads)
            slot.loaded = set()
            self._all.append(slot.worker)
        if fn not in slot.loaded:
            await _load(slot.worker, fn)
            slot.loaded.add(fn)
        return slot.worker


async def _load(worker: Worker, fn: FunctionRef) -> None:
    try:
        await asyncio.wait_for(worker.call("load", fn), _LOAD_TIMEOUT_S)
    except TimeoutError:
        raise CallFailed("load", f"importing {fn} took longer than {_LOAD_TIMEOUT_S:g}s") from None


async def _timed(call: Coroutine[Any, Any, Any], timeout_s: float) -> Any:
    try:
        return await asyncio.wait_for(call, timeout_s)
    except TimeoutError:
        raise CallFailed("timeout", f"timed out after {timeout_s:g}s") from None
