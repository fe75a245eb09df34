"""User code in worker processes: the protocol, per-checkout roots, concurrency, crashes and kills."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import textwrap
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from eval_action.execution.usercode.pool import Checkout, UserCode
from eval_action.execution.usercode.worker import CallFailed, FunctionRef

T = TypeVar("T")
AGENT = FunctionRef(module="agent", name="run")


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text))
    return root


def with_pool(body: Callable[[UserCode], Awaitable[T]], threads: int = 4,
              env: dict[str, str] | None = None) -> T:
    async def main() -> T:
        pool = UserCode(env if env is not None else dict(os.environ), threads)
        try:
            return await body(pool)
        finally:
            await pool.aclose()
    return asyncio.run(main())


def here(root: Path) -> Checkout:
    return Checkout(root, sys.executable)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_sync_and_async_functions_get_their_arguments_and_return_json(tmp_path: Path) -> None:
    write(tmp_path, {"agent.py": """
        import asyncio
        def run(messages, context):
            return {"output": messages[-1]["content"] + context["case_id"], "tokens": 3}
        async def arun(messages, context):
            await asyncio.sleep(0)
            return "async " + context["case_id"]
    """})
    args = [[{"role": "user", "content": "hi "}], {"case_id": "c1"}]
    got = with_pool(lambda p: asyncio.gather(
        p.call(here(tmp_path), AGENT, args, 10),
        p.call(here(tmp_path), FunctionRef(module="agent", name="arun"), args, 10),
        p.call(here(tmp_path), FunctionRef(file=tmp_path / "agent.py", name="run"), args, 10)))
    assert got == [{"output": "hi c1", "tokens": 3}, "async c1", {"output": "hi c1", "tokens": 3}]


def test_prints_and_stdin_reads_of_user_code_do_not_break_the_protocol(tmp_path: Path) -> None:
    write(tmp_path, {"agent.py": """
        import os, sys, subprocess
        print("import-time noise")
        def run(messages, context):
            print('{"id": 1, "ok": true, "result": "forged"}')
            sys.stdout.flush()
            os.write(1, b"raw fd 1\\n")
            subprocess.run([sys.executable, "-c", "print('child')"])
            return "real:" + sys.stdin.read()
    """})
    assert with_pool(lambda p: p.call(here(tmp_path), AGENT, [[], {}], 10)) == "real:"


def test_each_checkout_imports_its_own_code_and_reads_its_own_files(tmp_path: Path) -> None:
    """The baseline's agent reads the base's relative files, never the head's."""
    for version in ("v1", "v2"):
        write(tmp_path / version, {"persona.txt": f"[Agent {version}]", "bot/__init__.py": "",
                                   "bot/core.py": f"""
            def run(messages, context):
                return "{version} code, " + open("persona.txt").read()
        """})
    ref = FunctionRef(module="bot.core", name="run")
    got = with_pool(lambda p: asyncio.gather(*(p.call(here(tmp_path / v), ref, [[], {}], 10) for v in ("v1", "v2"))))
    assert got == ["v1 code, [Agent v1]", "v2 code, [Agent v2]"]


def test_the_bootstraps_folder_is_not_on_the_user_codes_path(tmp_path: Path) -> None:
    """sys.path[0] is the checkout, as for `python -m`: not our package folder beside bootstrap.py."""
    write(tmp_path, {"agent.py": """
        import sys
        def run(messages, context):
            try:
                import pool  # a sibling of bootstrap.py
            except ImportError:
                return sys.path[0]
            return "leaked"
    """})
    assert with_pool(lambda p: p.call(here(tmp_path), AGENT, [[], {}], 10)) == str(tmp_path.resolve())


@pytest.mark.parametrize(("body", "kind", "message"), [
    ("def run(m, c):\n    raise ValueError('first\\nthe model exploded')", "raised",
     "raised ValueError: the model exploded"),
    ("def run(m, c):\n    raise SystemExit(3)", "raised", "raised SystemExit: 3"),
    ("def run(m, c):\n    return object()", "result", "not JSON"),
    ("import nonexistent_dep_xyz\ndef run(m, c): pass", "load", "No module named 'nonexistent_dep_xyz'"),
    ("run = 3", "load", "has no function 'run'"),
])
def test_failures_say_whose_they_are(tmp_path: Path, body: str, kind: str, message: str) -> None:
    write(tmp_path, {"agent.py": body})
    with pytest.raises(CallFailed, match=message) as caught:
        with_pool(lambda p: p.call(here(tmp_path), AGENT, [[], {}], 10))
    assert caught.value.kind == kind


def test_a_crashed_worker_fails_its_calls_and_the_next_call_gets_a_new_one(tmp_path: Path) -> None:
    write(tmp_path, {"agent.py": """
        import os, sys
        def run(messages, context):
            if context["crash"]:
                sys.stderr.write("segfault-ish\\n"); sys.stderr.flush()
                os._exit(9)
            return os.getpid()
    """})

    async def body(p: UserCode) -> tuple[BaseException | Any, int]:
        crashed = await asyncio.gather(p.call(here(tmp_path), AGENT, [[], {"crash": True}], 10),
                                       return_exceptions=True)
        return crashed[0], await p.call(here(tmp_path), AGENT, [[], {"crash": False}], 10)
    crash, pid = with_pool(body)
    assert isinstance(crash, CallFailed) and crash.kind == "died"
    assert "exited with status 9: segfault-ish" in crash.message
    assert isinstance(pid, int)


def test_a_missing_interpreter_is_one_clear_failure(tmp_path: Path) -> None:
    write(tmp_path, {"agent.py": "def run(m, c): return 1"})
    with pytest.raises((CallFailed, FileNotFoundError)):
        with_pool(lambda p: p.call(Checkout(tmp_path, str(tmp_path / "no-python")), AGENT, [[], {}], 10))


def test_sync_calls_run_as_many_at_once_as_the_concurrency(tmp_path: Path) -> None:
    write(tmp_path, {"agent.py": "import time\ndef run(m, c):\n    time.sleep(0.5)\n    return 1\n"})

    async def body(p: UserCode) -> float:
        await p.load(here(tmp_path), AGENT)
        start = time.monotonic()
        await asyncio.gather(*(p.call(here(tmp_path), AGENT, [[], {}], 10) for _ in range(32)))
        return time.monotonic() - start
    assert with_pool(body, threads=16) < 1.4  # two rounds of 0.5 s, not six


def test_a_timed_out_sync_call_kills_its_worker_and_its_children(tmp_path: Path) -> None:
    write(tmp_path, {"agent.py": """
        import os, subprocess, time
        def run(messages, context):
            child = subprocess.Popen(["sleep", "30"])
            open("pids", "w").write(f"{os.getpid()} {child.pid}")
            time.sleep(30)
    """})

    async def body(p: UserCode) -> float:
        start = time.monotonic()
        with pytest.raises(CallFailed, match=r"timed out after 1s"):
            await p.call(here(tmp_path), AGENT, [[], {}], 1)
        elapsed = time.monotonic() - start
        await asyncio.sleep(0.3)
        for pid in map(int, (tmp_path / "pids").read_text().split()):
            assert not alive(pid) or _zombie(pid)
        return elapsed
    assert with_pool(body) < 2


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1].startswith("Z")
    except FileNotFoundError:
        return True


def test_other_calls_of_a_retired_worker_still_finish(tmp_path: Path) -> None:
    write(tmp_path, {"agent.py": "import time\ndef run(m, c):\n    time.sleep(c['s'])\n    return c['s']\n"})

    async def body(p: UserCode) -> list[Any]:
        await p.load(here(tmp_path), AGENT)
        slow = p.call(here(tmp_path), AGENT, [[], {"s": 5}], 0.3)
        fine = p.call(here(tmp_path), AGENT, [[], {"s": 0.6}], 5)
        return await asyncio.gather(slow, fine, return_exceptions=True)
    slow, fine = with_pool(body)
    assert isinstance(slow, CallFailed) and slow.kind == "timeout"
    assert fine == 0.6


def test_closing_the_pool_kills_every_worker_at_once(tmp_path: Path) -> None:
    write(tmp_path, {"agent.py": "import os, time\ndef run(m, c):\n    open('pid', 'w').write(str(os.getpid()))\n"
                                 "    time.sleep(30)\n"})

    async def body(p: UserCode) -> None:
        task = asyncio.create_task(p.call(here(tmp_path), AGENT, [[], {}], 60))
        while not (tmp_path / "pid").exists():
            await asyncio.sleep(0.05)
        task.cancel()
    start = time.monotonic()
    with_pool(body)
    assert time.monotonic() - start < 3
    assert not alive(int((tmp_path / "pid").read_text()))


def test_the_bootstrap_runs_on_the_oldest_python_on_this_machine(tmp_path: Path) -> None:
    found = sorted(Path.home().glob(".pyenv/versions/3.[89]*/bin/python3"))
    oldest = str(found[0]) if found else shutil.which("python3.8")
    if oldest is None:
        pytest.skip("no older Python installed")
    write(tmp_path, {"agent.py": "import sys\ndef run(m, c):\n    return sys.version_info[1]\n"})
    assert with_pool(lambda p: p.call(Checkout(tmp_path, oldest), AGENT, [[], {}], 10)) < 11
