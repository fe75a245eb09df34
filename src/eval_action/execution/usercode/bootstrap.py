"""eval-action's worker: calls the user's Python functions, under the user's own interpreter.

Run as a script, never imported by eval-action: `python3 bootstrap.py ROOT THREADS`. It uses the
standard library only and Python 3.8 syntax, since the interpreter is whatever the provider names.

Protocol, one JSON object per line. Requests arrive on stdin:
  {"id": 1, "op": "load", "fn": {"module": "agent.app", "name": "run"}}        (or "file": "/abs.py")
  {"id": 2, "op": "call", "fn": {...}, "args": [messages, context]}
Replies leave on the descriptor that was stdout when the worker started:
  {"ready": true, "python": "3.12.1"}                                            (once, first)
  {"id": 2, "ok": true, "result": ...}
  {"id": 2, "ok": false, "kind": "load" | "raised" | "result", "error": "one line"}
Before any user code runs, fd 0 becomes /dev/null and fd 1 a copy of fd 2, so whatever the user's code
(or a C library, or a child process) prints or reads can never corrupt the protocol.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib
import importlib.util
import inspect
import json
import os
import signal
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import IO, Any


def last_line(error: BaseException) -> str:
    lines = [line for line in str(error).splitlines() if line.strip()]
    return f"{type(error).__name__}: {lines[-1]}" if lines else type(error).__name__


class Failure(Exception):
    def __init__(self, kind: str, message: str) -> None:
        Exception.__init__(self, message)
        self.kind = kind


class Functions:
    """The user's functions, each module imported once (imports are serialised: they are not thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._modules: dict[str, Any] = {}

    def get(self, ref: dict[str, str]) -> Callable[..., Any]:
        key = ref.get("file") or ref["module"]
        with self._lock:
            if key not in self._modules:
                self._modules[key] = self._import(ref)
        fn = getattr(self._modules[key], ref["name"], None)
        if not callable(fn):
            raise Failure("load", f"{key} has no function {ref['name']!r}")
        return fn  # type: ignore[no-any-return]

    def _import(self, ref: dict[str, str]) -> Any:
        try:
            if "file" not in ref:
                return importlib.import_module(ref["module"])
            path = ref["file"]
            name = "eval_action_user_" + hashlib.sha256(path.encode()).hexdigest()[:12]
            spec = importlib.util.spec_from_file_location(name, path)
            if spec is None or spec.loader is None:
                raise Failure("load", f"{path} cannot be loaded as a Python module")
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
            return module
        except Failure:
            raise
        except BaseException as e:  # user code runs at import time; SystemExit included
            raise Failure("load", "importing it raised " + last_line(e)) from None


class Worker:
    def __init__(self, out_fd: int, threads: int) -> None:
        self._out = out_fd
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="eval-action-user")
        self._functions = Functions()
        self._tasks: set[asyncio.Future[None]] = set()

    def send(self, message: dict[str, Any]) -> None:
        data = (json.dumps(message) + "\n").encode()
        while data:
            data = data[os.write(self._out, data):]

    def dispatch(self, line: bytes) -> None:
        request = json.loads(line)
        task = asyncio.ensure_future(self._handle(request))
        self._tasks.add(task)  # a task only weakly referenced may be collected mid-call
        task.add_done_callback(self._tasks.discard)

    async def _handle(self, request: dict[str, Any]) -> None:
        try:
            reply: dict[str, Any] = {"id": request["id"], "ok": True, "result": await self._run(request)}
        except Failure as e:
            reply = {"id": request["id"], "ok": False, "kind": e.kind, "error": str(e)}
        try:
            self.send(reply)
        except (TypeError, ValueError) as e:
            self.send({"id": request["id"], "ok": False, "kind": "result",
                       "error": f"returned a value that is not JSON ({last_line(e)})"})

    async def _run(self, request: dict[str, Any]) -> Any:
        loop = asyncio.get_event_loop()
        fn = await loop.run_in_executor(self._pool, self._functions.get, request["fn"])
        if request["op"] == "load":
            return None
        try:
            if inspect.iscoroutinefunction(fn):
                result = await fn(*request["args"])
            else:
                result = await loop.run_in_executor(self._pool, _call, fn, request["args"])
            if inspect.isawaitable(result):
                result = await result
        except (asyncio.CancelledError, Failure):
            raise
        except BaseException as e:  # sys.exit() in user code fails its call, not the worker
            raise Failure("raised", "raised " + last_line(e)) from None
        return result


def _call(fn: Callable[..., Any], args: list[Any]) -> Any:
    try:
        return fn(*args)
    except BaseException as e:
        raise Failure("raised", "raised " + last_line(e)) from None


def end_of_input() -> None:
    """eval-action closed our stdin, or died: take down our process group, the user's children too."""
    try:
        if os.getpgid(0) == os.getpid():  # we lead a group of our own: only ours
            os.killpg(0, signal.SIGKILL)
    finally:
        os._exit(0)


def read_requests(stream: IO[bytes], loop: asyncio.AbstractEventLoop, worker: Worker) -> None:
    for line in stream:
        loop.call_soon_threadsafe(worker.dispatch, line)
    loop.call_soon_threadsafe(end_of_input)


def take_descriptors() -> tuple[IO[bytes], int]:
    """The protocol's own copies of stdin and stdout; user code gets /dev/null and stderr."""
    requests = os.fdopen(os.dup(0), "rb")
    replies = os.dup(1)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(2, 1)
    return requests, replies


def main() -> None:
    root, threads = os.path.abspath(sys.argv[1]), int(sys.argv[2])
    requests, replies = take_descriptors()
    sys.path[0] = root  # not this file's folder: the user's checkout, as `python -m` would see it
    os.chdir(root)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    worker = Worker(replies, threads)
    worker.send({"ready": True, "python": ".".join(map(str, sys.version_info[:3]))})
    threading.Thread(target=read_requests, args=(requests, loop, worker), daemon=True).start()
    loop.run_forever()


if __name__ == "__main__":
    main()
