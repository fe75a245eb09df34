"""One worker process: bootstrap.py under the user's interpreter, replies matched to requests by id."""

from __future__ import annotations

import asyncio
import collections
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval_action.execution.usercode.process import OWN_GROUP, kill_group

BOOTSTRAP = Path(__file__).with_name("bootstrap.py")
_LINE_LIMIT = 64 * 1024 * 1024  # one reply is one line: an agent may return a long transcript
_STDERR_TAIL = 2000
_START_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class FunctionRef:
    """`module:name`, or a file (already resolved inside the checkout) and a name."""

    name: str
    module: str | None = None
    file: Path | None = None

    def wire(self) -> dict[str, str]:
        where = {"file": str(self.file)} if self.file is not None else {"module": str(self.module)}
        return {**where, "name": self.name}

    def __str__(self) -> str:
        return f"{self.file or self.module}:{self.name}"


class CallFailed(Exception):
    """A call that returned no result; `kind` says whose fault it is.

    load: the function can't be imported · raised: it raised · result: its value isn't JSON ·
    died: the worker process ended · start: the interpreter couldn't start the worker ·
    timeout: it took longer than its time limit.
    """

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


class Worker:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self._proc = proc
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._next_id = 0
        self._stderr: collections.deque[bytes] = collections.deque(maxlen=64)
        self._ended: str | None = None
        self.retired = False  # takes no new calls; killed once its last live call returns
        self._killed = False
        self.crashed_with = 0  # calls in flight when the process ended on its own
        self._tasks = [asyncio.create_task(self._read_replies()), asyncio.create_task(self._read_stderr())]

    @classmethod
    async def start(cls, python: str, root: Path, env: Mapping[str, str], threads: int) -> Worker:
        proc = await asyncio.create_subprocess_exec(
            python, str(BOOTSTRAP), str(root), str(threads), cwd=root, env=dict(env), limit=_LINE_LIMIT,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            **OWN_GROUP)
        assert proc.stdout is not None
        try:
            hello = await asyncio.wait_for(proc.stdout.readline(), _START_TIMEOUT_S)
        except TimeoutError:
            hello = b"did not answer within %ds" % _START_TIMEOUT_S
        except BaseException:
            kill_group(proc.pid)
            await proc.wait()
            raise
        if not hello.startswith(b'{"ready"'):
            kill_group(proc.pid)
            assert proc.stderr is not None
            tail = (hello + await proc.stderr.read()).decode(errors="replace").strip()[-_STDERR_TAIL:]
            await proc.wait()
            raise CallFailed("start", f"`{python}` could not start eval-action's worker: {tail}".rstrip(": "))
        return cls(proc)

    @property
    def usable(self) -> bool:
        return not self.retired and self._ended is None

    async def call(self, op: str, fn: FunctionRef, args: list[Any] | None = None) -> Any:
        if self._ended is not None:
            raise CallFailed("died", self._ended)
        self._next_id += 1
        call_id = self._next_id
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[call_id] = future
        assert self._proc.stdin is not None
        line = json.dumps({"id": call_id, "op": op, "fn": fn.wire(), "args": args or []})
        self._proc.stdin.write(line.encode() + b"\n")
        try:
            return await future
        finally:
            if self._pending.pop(call_id, None) is not None:  # no reply: timed out or cancelled, and
                self.retired = True                             # the function may still be running
            if self.retired and not self._pending:
                self.kill()

    def kill(self) -> None:
        self.retired = self._killed = True
        kill_group(self._proc.pid)

    async def aclose(self) -> None:
        self.kill()
        await self._proc.wait()
        for task in self._tasks:
            await task

    async def _read_replies(self) -> None:
        assert self._proc.stdout is not None
        while line := await self._proc.stdout.readline():
            reply = json.loads(line)
            future = self._pending.pop(reply["id"], None)
            if future is None or future.done():
                continue
            if reply["ok"]:
                future.set_result(reply["result"])
            else:
                future.set_exception(CallFailed(reply["kind"], reply["error"]))
        await self._ended_with(await self._proc.wait())

    async def _ended_with(self, status: int) -> None:
        kill_group(self._proc.pid)  # what the user's code started dies with it, and lets go of stderr
        await asyncio.wait([self._tasks[1]], timeout=1)
        tail = b"".join(self._stderr).decode(errors="replace").strip()[-_STDERR_TAIL:]
        self._ended = f"lost its worker: the process exited with status {status}" + (f": {tail}" if tail else "")
        if not self._killed:
            self.crashed_with = sum(not f.done() for f in self._pending.values())
        for future in self._pending.values():
            if not future.done():
                future.set_exception(CallFailed("died", self._ended))
        self._pending.clear()

    async def _read_stderr(self) -> None:
        assert self._proc.stderr is not None
        while chunk := await self._proc.stderr.read(4096):
            self._stderr.append(chunk)
