"""How long does `eval-action ci` take to reach its first model request? (run by hand, not in CI)

A pull-request-shaped sample repository (a prompt changed on a branch, compared with main) and the
loopback fake LLM, which notes when the first request arrives and the CPU used by then. The clock
starts just before the process is spawned, so interpreter start-up, imports, git and planning are
all counted. Target: < 0.3 s.

    python bench/startup_bench.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import child_env

from fakes.llm import FakeLLM, echo
from support import CAPITALS as ALL_CAPITALS
from support import capitals_prompt, capitals_rows, git

CAPITALS = dict(list(ALL_CAPITALS.items())[:4])


class FirstRequest:
    """A responder that records when the first request arrived, and how much CPU the process (and
    the git children it has waited for) had used by then: on a busy machine the wall clock mostly
    measures the other processes."""

    def __init__(self) -> None:
        self.at: float | None = None
        self.cpu: float | None = None
        self.pid: int | None = None
        self._lock = threading.Lock()

    def __call__(self, body: dict[str, Any]) -> str:
        with self._lock:
            if self.at is None:
                self.at = time.perf_counter()
                self.cpu = _cpu_s(self.pid)
        return echo(body)


def _cpu_s(pid: int | None) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # not Linux
        return None
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")  # utime stime cutime cstime


def build_repo(root: Path) -> None:
    (root / "prompts/data").mkdir(parents=True)
    (root / "eval-action.yaml").write_text("providers:\n  default: {type: openai, model: fake}\n")
    (root / "prompts/data/capitals.jsonl").write_text(capitals_rows(CAPITALS))
    (root / "prompts/capitals.prompt.yaml").write_text(capitals_prompt("Answer with the city.", "icontains"))
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    git(root, "checkout", "-qb", "feature")
    (root / "prompts/capitals.prompt.yaml").write_text(capitals_prompt("Answer with the city only.", "icontains"))
    git(root, "commit", "-qam", "change")


def one_run(root: Path, env: dict[str, str], llm: FakeLLM) -> tuple[float, float]:
    first = FirstRequest()
    llm.respond_with(first)
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "eval_action", "ci", "--base", "main", "--no-cache"],
                            cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first.pid = proc.pid
    _, err = proc.communicate()
    if proc.returncode not in (0, 1) or first.at is None:
        raise SystemExit(f"eval-action ci exited {proc.returncode} without a model call: {err[-2000:]}")
    return first.at - started, first.cpu or float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, FakeLLM() as llm:
        root = Path(tmp) / "repo"
        build_repo(root)
        env = child_env(OPENAI_BASE_URL=llm.url + "/v1", OPENAI_API_KEY="sk-bench")
        one_run(root, env, llm)  # warm the OS file cache and the bytecode cache
        runs = [one_run(root, env, llm) for _ in range(args.runs)]
    times, cpus = sorted(r[0] for r in runs), sorted(r[1] for r in runs)
    print(f"process start -> first model request, {args.runs} runs of `eval-action ci` (PR vs main):")
    print(f"  wall: min {times[0]:.3f} s   median {statistics.median(times):.3f} s   max {times[-1]:.3f} s"
          f"   target < 0.3 s")
    print(f"  CPU (the process and its git children): min {cpus[0]:.3f} s   median {statistics.median(cpus):.3f} s")


if __name__ == "__main__":
    main()
