"""Child processes of user code: each leads its own process group, and is stopped with all of it.

A time limit or a cancelled job must stop what the user's program started too (`sleep` in a shell
script, a build, a browser): killing the one PID leaves its children running past eval-action.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# For asyncio.create_subprocess_exec: a new session makes the child lead a group of its own, and
# keeps a Ctrl-C at the terminal from reaching it before eval-action decides what to do.
OWN_GROUP: dict[str, Any] = {"start_new_session": True}


def kill_group(pid: int) -> None:
    """SIGKILL the group `pid` leads; a group that is already gone is fine."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


@dataclass(frozen=True)
class Finished:
    status: int
    stdout: bytes
    stderr: bytes


async def run_in_group(argv: list[str], *, cwd: Path, env: Mapping[str, str], stdin: bytes | None,
                       timeout_s: float) -> Finished:
    """Run a user's program to its end; TimeoutError at the limit. Timed out, cancelled or done, its
    whole group is killed, so nothing it started in the background outlives it."""
    proc = await asyncio.create_subprocess_exec(
        *argv, cwd=cwd, env=dict(env), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        stdin=asyncio.subprocess.DEVNULL if stdin is None else asyncio.subprocess.PIPE, **OWN_GROUP)
    try:
        out, err = await asyncio.wait_for(proc.communicate(stdin), timeout_s)
    finally:
        kill_group(proc.pid)
        await proc.wait()
    return Finished(proc.returncode or 0, out, err)
