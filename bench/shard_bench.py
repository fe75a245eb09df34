"""Does sharding pay? 4 shards of 1,000 cases as 4 concurrent processes vs all 4,000 in one process
(run by hand, not in CI).

Every job gets the same concurrency, against the loopback fake LLM answering after 0.2 s, so one
process is bound by concurrency x latency and 4 shards should approach 4x.

    python bench/shard_bench.py [--concurrency 20]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from fakes.llm import FakeLLM

SHARDS = 4
CASES_PER_SHARD = 1_000
LATENCY = 0.2
_GIT = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com", "-c", "commit.gpgsign=false"]
PROMPT = """name: echo
provider: default
messages:
  - {role: user, content: "{{ q }}"}
evals:
  dataset: cases.jsonl
  scorers:
    - {type: icontains, value: "{{ q }}"}
"""


def build_repo(root: Path) -> None:
    (root / "prompts").mkdir(parents=True)
    (root / "eval-action.yaml").write_text("providers:\n  default: {type: openai, model: fake}\n")
    (root / "prompts/echo.prompt.yaml").write_text(PROMPT)
    rows = (json.dumps({"id": f"c{i}", "vars": {"q": f"question {i}"}}) for i in range(SHARDS * CASES_PER_SHARD))
    (root / "prompts/cases.jsonl").write_text("\n".join(rows) + "\n")
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    subprocess.run([*_GIT, "-C", str(root), "add", "-A"], check=True)
    subprocess.run([*_GIT, "-C", str(root), "commit", "-qm", "cases"], check=True)


def run_jobs(root: Path, env: dict[str, str], concurrency: int, shards: list[str | None]) -> float:
    """Start one `eval-action run` per shard at once; the wall time until the last one exits."""
    started = time.perf_counter()
    procs = []
    for n, shard in enumerate(shards):
        cmd = [sys.executable, "-m", "eval_action", "run", "--all", "--baseline", "none", "--no-cache",
               "--concurrency", str(concurrency), "--output-dir", str(root / f"out-{len(shards)}-{n}")]
        procs.append(subprocess.Popen([*cmd, *(["--shard", shard] if shard else [])], cwd=root, env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
    for proc in procs:
        _, err = proc.communicate()
        if proc.returncode != 0:
            raise SystemExit(f"eval-action exited {proc.returncode}: {err[-2000:]}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=20, help="model calls in flight per job")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, FakeLLM(latency=LATENCY) as llm:
        root = Path(tmp) / "repo"
        build_repo(root)
        env = {**os.environ, "OPENAI_BASE_URL": llm.url + "/v1", "OPENAI_API_KEY": "sk-bench"}
        env.pop("CI", None)
        total = SHARDS * CASES_PER_SHARD
        one = run_jobs(root, env, args.concurrency, [None])
        assert len(llm.requests) == total, len(llm.requests)
        sharded = run_jobs(root, env, args.concurrency, [f"{i}/{SHARDS}" for i in range(1, SHARDS + 1)])
        assert len(llm.requests) == 2 * total, len(llm.requests)
    floor = total * LATENCY / args.concurrency
    print(f"{total} cases, {LATENCY} s per call, concurrency {args.concurrency} per job")
    print(f"  1 process:              {one:6.1f} s  (latency floor {floor:.1f} s)")
    print(f"  {SHARDS} concurrent shards:    {sharded:6.1f} s  (latency floor {floor / SHARDS:.1f} s)")
    print(f"  speed-up:               {one / sharded:6.2f}x")


if __name__ == "__main__":
    main()
