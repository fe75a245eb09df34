"""SIGTERM (a cancelled CI job) as an exception that ends the run but keeps what finished."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Iterator
from types import FrameType


class Interrupted(KeyboardInterrupt):
    """SIGTERM (a cancelled CI job) arrived: what finished is still reported.

    A KeyboardInterrupt, so no `except Exception` (user code, a target turning failures into
    errored cases) can swallow it.
    """


@contextlib.contextmanager
def sigterm_raises() -> Iterator[None]:
    """Turn SIGTERM into Interrupted, also while an asyncio loop runs.

    Raising from the handler inside a running loop is unsafe: an exception raised in a callback
    is logged and dropped, and one raised in a task skips the loop's orderly shutdown. So, like
    asyncio.Runner does for Ctrl-C, the handler cancels the loop's tasks instead, and the
    CancelledError that ends the loop becomes Interrupted here.
    """
    received = False

    def handler(signum: int, frame: FrameType | None) -> None:
        nonlocal received
        received = True
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise Interrupted() from None
        for task in asyncio.all_tasks(loop):
            task.cancel()
        loop.call_soon_threadsafe(lambda: None)  # wake a select() waiting on a long timeout

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread (tests): nothing to install
        yield
        return
    try:
        yield
    except asyncio.CancelledError:
        if received:
            raise Interrupted() from None
        raise
    finally:
        signal.signal(signal.SIGTERM, previous)
