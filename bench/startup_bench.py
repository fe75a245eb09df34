"""How long does `eval-action ci` take to reach its first model request? (run by hand, not in CI)

A pull-request-shaped sample repository (a prompt changed on a branch, compared with main) and the
loopback fake LLM, which notes when the first request arrives. The clock starts just before the
process is spawned, so interpreter start-up, imports, git and planning are all counted. Target: < 0.5 s.

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
from fakes.llm import FakeLLM, echo
from support import CAPITALS as ALL_CAPITALS
from support import capitals_prompt, capitals_rows, git

CAPITALS = dict(list(ALL_CAPITALS.items())[:4])


class FirstRequest:
    """A responder that records when the first request arrived."""

    def __init__(self) -> None:
        self.at: float | None = None
        self._lock = threading.Lock()

    def __call__(self, body: dict[str, Any]) -> str:
        with self._lock:
            if self.at is None:
                self.at = time.perf_counter()
        return echo(body)


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


def one_run(root: Path, env: dict[str, str], llm: FakeLLM) -> float:
    first = FirstRequest()
    llm.respond_with(first)
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "eval_action", "ci", "--base", "main", "--no-cache"],
                            cwd=root, env=env, capture_output=True, text=True)
    if result.returncode not in (0, 1) or first.at is None:
        raise SystemExit(f"eval-action ci exited {result.returncode} without a model call: {result.stderr[-2000:]}")
    return first.at - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, FakeLLM() as llm:
        root = Path(tmp) / "repo"
        build_repo(root)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GITLAB_", "CI"))}
        env |= {"OPENAI_BASE_URL": llm.url + "/v1", "OPENAI_API_KEY": "sk-bench"}
        one_run(root, env, llm)  # warm the OS file cache and the bytecode cache
        times = sorted(one_run(root, env, llm) for _ in range(args.runs))
    print(f"process start -> first model request, {args.runs} runs of `eval-action ci` (PR vs main):")
    print(f"  min {times[0]:.3f} s   median {statistics.median(times):.3f} s   max {times[-1]:.3f} s"
          f"   target < 0.5 s")


if __name__ == "__main__":
    main()
