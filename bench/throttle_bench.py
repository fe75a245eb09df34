"""The real CLI behind providers that throttle: a 20 requests/s limit, and random 429/500s.

    python bench/throttle_bench.py --reps 3
    python bench/throttle_bench.py --scenario faults --against /path/to/other/venv/bin/eval-action

Scenarios (each its own fake server process, see fake_server.py):
- `limit-openai`, `limit-anthropic`, `limit-bare`: a token bucket of 20 requests/s (holding 20)
  answering 429 when empty, with OpenAI's headers, Anthropic's, or none; N=300, C=32, L=200 ms.
  Ideal is N / rate (15 s): the goal is wall <= 1.10 x that with no case lost.
- `faults`: 30% of answers are a 429 or a 500 at random, with no header and no load behind them;
  N=200, C=16. Ideal is ceil(N/C) x L; the goal is <= 3x with no case lost at the default retries.

Every installation runs every scenario in turn, alternating, so the ratios are side by side. Prints
medians of whole-process wall/ideal, the request span (first request to last answer) / ideal,
requests sent, 429s from the limit, and cases lost (errored).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import FakeServer, child_env, fake_server, ideal_s, make_repo, median, run_timed

LATENCY = 0.2
RATE = 20.0


@dataclass(frozen=True)
class Scenario:
    cases: int
    concurrency: int
    server: tuple[str, ...]  # fake_server.py options
    fail_rate: float = 0.0

    def ideal(self) -> float:
        if "--rate" in self.server:
            return self.cases / RATE
        return ideal_s(self.cases, self.concurrency, LATENCY)


SCENARIOS = {
    "limit-openai": Scenario(300, 32, ("--rate", str(RATE), "--headers", "openai")),
    "limit-anthropic": Scenario(300, 32, ("--rate", str(RATE), "--headers", "anthropic")),
    "limit-bare": Scenario(300, 32, ("--rate", str(RATE), "--headers", "none")),
    "faults": Scenario(200, 16, ("--fail-status", "429,500"), fail_rate=0.3),
}


@dataclass(frozen=True)
class Outcome:
    wall: float
    span: float
    requests: int
    rejected: int
    lost: int


def one(command: str, root: Path, server: FakeServer) -> Outcome:
    env = child_env(OPENAI_BASE_URL=server.url, OPENAI_API_KEY="x")
    server.reset()
    out = root / "out"
    timed = run_timed([command, "run", "--all", "--baseline", "none", "--no-cache", "--output-dir", str(out)],
                      root, env)
    stats = server.stats()
    try:
        totals = json.loads((out / "results.json").read_text())["totals"]
    except (OSError, ValueError, KeyError):
        raise SystemExit(f"{command} wrote no results (exit {timed.returncode}):\n{timed.output[-2000:]}") from None
    return Outcome(timed.wall_s, stats["last_at"] - stats["first_at"], stats["requests"], stats["rejected"],
                   totals["errored"])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--scenario", action="append", choices=sorted(SCENARIOS), help="default: all")
    p.add_argument("--against", action="append", default=[], help="another eval-action executable to run alongside")
    a = p.parse_args()
    commands = ["eval-action", *a.against]
    names = a.scenario or list(SCENARIOS)
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        results: dict[tuple[str, str], list[Outcome]] = {}
        servers, roots = {}, {}
        for name in names:
            sc = SCENARIOS[name]
            servers[name] = stack.enter_context(fake_server(LATENCY, fail_rate=sc.fail_rate, extra=sc.server))
            roots[name] = make_repo(Path(tmp) / name, sc.cases, sc.concurrency)
        for _ in range(a.reps):
            for name in names:
                for command in commands:
                    results.setdefault((name, command), []).append(one(command, roots[name], servers[name]))
    print(f"L={LATENCY * 1000:.0f} ms, {a.reps} alternating reps (medians; lost and rejected: the worst rep)")
    print(f"{'scenario':16} {'N/C':>7} {'ideal s':>7} {'wall/ideal':>10} {'span/ideal':>10} {'requests':>8} "
          f"{'rejected':>8} {'lost':>4}  command")
    for (name, command), runs in results.items():
        sc = SCENARIOS[name]
        ideal = sc.ideal()
        wall = median([r.wall for r in runs]) / ideal
        print(f"{name:16} {sc.cases:>3}/{sc.concurrency:<3} {ideal:7.2f} {wall:10.3f} "
              f"{median([r.span for r in runs]) / ideal:10.3f} {median([r.requests for r in runs]):8.0f} "
              f"{max(r.rejected for r in runs):8d} {max(r.lost for r in runs):4d}  {command}")


if __name__ == "__main__":
    main()
