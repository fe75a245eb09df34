"""Shared by the bench scripts: the fake server in its own process, a generated eval repo, timing."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class FakeServer:
    url: str  # OpenAI base_url, ending in /v1

    def stats(self) -> dict[str, Any]:
        with urllib.request.urlopen(self.url.removesuffix("/v1") + "/stats") as r:
            data: dict[str, Any] = json.load(r)
            return data

    def reset(self) -> None:
        request = urllib.request.Request(self.url.removesuffix("/v1") + "/stats/reset", method="POST")
        with urllib.request.urlopen(request):
            pass


@contextmanager
def fake_server(latency: float, jitter: float = 0.0, fail_rate: float = 0.0,
                retry_after: str | None = None, extra: tuple[str, ...] = ()) -> Iterator[FakeServer]:
    """`extra`: more of fake_server.py's options (`--rate 20 --headers openai`, `--fail-status 429,500`)."""
    args = [sys.executable, str(HERE / "fake_server.py"), "--latency", str(latency), "--jitter", str(jitter),
            "--fail-rate", str(fail_rate), *extra]
    if retry_after is not None:
        args += ["--retry-after", retry_after]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline().split()[1])
        yield FakeServer(f"http://127.0.0.1:{port}/v1")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


PROMPT = """name: bench
provider: default
params: {temperature: 0}
messages:
  - {role: system, content: "Answer with the city only."}
  - {role: user, content: "What is the capital of {{ country }}?"}
evals:
  dataset: data/cases.jsonl
  scorers:
    - {type: icontains, value: "{{ expected }}"}
"""


def make_repo(root: Path, cases: int, concurrency: int) -> Path:
    """A git repo with one prompt of `cases` cases; every answer ("echo: ...") contains its expected text."""
    (root / "prompts/data").mkdir(parents=True, exist_ok=True)
    (root / "eval-action.yaml").write_text(
        "providers:\n  default: {type: openai, model: fake-model}\n"
        f"defaults: {{concurrency: {concurrency}}}\n")
    (root / "prompts/bench.prompt.yaml").write_text(PROMPT)
    rows = "".join(json.dumps({"id": f"c{i}", "vars": {"country": f"country {i}"}, "expected": f"country {i}"})
                   + "\n" for i in range(cases))
    (root / "prompts/data/cases.jsonl").write_text(rows)
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]
    subprocess.run([*git, "init", "-q", "-b", "main"], cwd=root, check=True)
    subprocess.run([*git, "add", "-A"], cwd=root, check=True)
    subprocess.run([*git, "commit", "-qm", "bench"], cwd=root, check=True)
    return root


def child_env(**extra: str) -> dict[str, str]:
    """This environment without CI variables, and with bytecode caching on: under
    PYTHONDONTWRITEBYTECODE every start recompiles eval-action's sources (~2 s on a busy machine),
    which an installed package never does."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GITHUB_", "GITLAB_", "CI")) and k != "PYTHONDONTWRITEBYTECODE"}
    return env | extra


@dataclass(frozen=True)
class Timed:
    started_at: float  # wall-clock time the child was started
    wall_s: float
    cpu_s: float  # user + system of the child
    rss_mb: float  # the child's peak resident set
    returncode: int
    output: str


def run_timed(args: list[str], cwd: Path, env: dict[str, str]) -> Timed:
    """Run a child and measure it; wait4 gives exactly this child's CPU and peak RSS."""
    with tempfile.TemporaryFile() as out:
        started_at, start = time.time(), time.perf_counter()
        proc = subprocess.Popen(args, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        out.seek(0)
        text = out.read().decode(errors="replace")
    return Timed(started_at, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode, text)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def ideal_s(cases: int, concurrency: int, latency: float) -> float:
    """The time a perfect client needs: full waves of `concurrency` requests of `latency` each."""
    return -(-cases // concurrency) * latency
