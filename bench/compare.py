"""eval-action's real CLI next to promptfoo on the same cases, scorer and fake server, alternating.

    python bench/compare.py --cases 200 --concurrency 16 --latency 0.2 --reps 5
    python bench/compare.py --promptfoo "npx promptfoo"      # how to start promptfoo, if not on PATH
    python bench/compare.py --against /old/venv/bin/eval-action   # another installation, alternating

Each repetition runs eval-action (`run --all --baseline none --no-cache`) then promptfoo
(`eval --no-cache -j C`) against one fake server process; prints medians of wall time, wall/ideal,
CPU per case, peak RSS, the peak number of requests the server saw in flight, the time from
start to the first request, the request span (first request to last answer) over ideal, the time
from the last answer to the process's exit (teardown: every file written), and the ratio
eval-action/promptfoo. promptfoo is skipped when it cannot be started.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import FakeServer, Timed, child_env, fake_server, ideal_s, make_repo, median, run_timed

QUIET_ENV = {"PROMPTFOO_DISABLE_TELEMETRY": "1", "PROMPTFOO_DISABLE_UPDATE": "1", "NO_COLOR": "1",
             "PROMPTFOO_DISABLE_SHARING": "1"}


def promptfoo_config(root: Path, cases: int, url: str) -> Path:
    """The same prompt, cases and icontains check as make_repo's, in promptfoo's format (JSON is YAML)."""
    config = {
        "prompts": [json.dumps([{"role": "system", "content": "Answer with the city only."},
                                {"role": "user", "content": "What is the capital of {{ country }}?"}])],
        "providers": [{"id": "openai:chat:fake-model",
                       "config": {"apiBaseUrl": url, "apiKey": "x", "temperature": 0}}],
        "tests": [{"vars": {"country": f"country {i}"},
                   "assert": [{"type": "icontains", "value": f"country {i}"}]} for i in range(cases)],
    }
    path = root / "promptfooconfig.yaml"
    path.write_text(json.dumps(config))
    return path


def eval_action(root: Path, server: FakeServer, executable: str = "eval-action") -> Timed:
    env = child_env(OPENAI_BASE_URL=server.url, OPENAI_API_KEY="x")
    return run_timed([executable, "run", "--all", "--baseline", "none", "--no-cache"], root, env)


def promptfoo(command: list[str], root: Path, concurrency: int) -> Timed:
    env = {**os.environ, **QUIET_ENV, "PROMPTFOO_CONFIG_DIR": str(root / ".promptfoo")}
    return run_timed([*command, "eval", "-c", "promptfooconfig.yaml", "--no-cache", "--no-progress-bar",
                      "--no-table", "--no-write", "-j", str(concurrency), "-o", "out.json"], root, env)


def row(name: str, runs: list[Timed], peaks: list[int], first_s: float, last_s: float, cases: int,
        ideal: float) -> str:
    wall = median([r.wall_s for r in runs])
    cpu = median([r.cpu_s for r in runs]) * 1000 / cases
    span = wall - first_s - last_s
    return (f"{name:12} {wall:7.2f} {wall / ideal:10.3f} {span / ideal:10.3f} {cpu:11.2f}"
            f" {median([r.rss_mb for r in runs]):7.0f} {max(peaks):13d} {first_s:15.2f} {last_s:10.2f}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cases", type=int, default=200)
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--latency", type=float, default=0.2)
    p.add_argument("--jitter", type=float, default=0.0)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--promptfoo", default="promptfoo", help="command that starts promptfoo")
    p.add_argument("--against", action="append", default=[], metavar="EXE",
                   help="another eval-action executable to run alongside (printed as other1, other2...)")
    a = p.parse_args()
    command = shlex.split(a.promptfoo)
    have_promptfoo = shutil.which(command[0]) is not None
    ideal = ideal_s(a.cases, a.concurrency, a.latency)
    names = ["eval-action", *(f"other{i + 1}" for i in range(len(a.against))), "promptfoo"]
    runs: dict[str, list[Timed]] = {n: [] for n in names}
    peaks: dict[str, list[int]] = {n: [] for n in names}
    firsts: dict[str, list[float]] = {n: [] for n in names}
    lasts: dict[str, list[float]] = {n: [] for n in names}  # last answer -> process exit
    with tempfile.TemporaryDirectory() as tmp, fake_server(a.latency, a.jitter) as server:
        root = make_repo(Path(tmp) / "repo", a.cases, a.concurrency)
        promptfoo_config(root, a.cases, server.url)
        for _ in range(a.reps):
            tools: list[tuple[str, Callable[[], Timed]]] = [("eval-action", lambda: eval_action(root, server))]
            tools += [(f"other{i + 1}", lambda exe=exe: eval_action(root, server, exe))
                      for i, exe in enumerate(a.against)]
            if have_promptfoo:
                tools.append(("promptfoo", lambda: promptfoo(command, root, a.concurrency)))
            for name, fn in tools:
                server.reset()
                timed = fn()
                served = server.stats()
                if served["requests"] < a.cases:
                    raise SystemExit(f"{name} sent {served['requests']} of {a.cases} requests:\n{timed.output[-2000:]}")
                runs[name].append(timed)
                peaks[name].append(int(served["max_in_flight"]))
                firsts[name].append(served["first_at"] - timed.started_at)
                lasts[name].append(timed.started_at + timed.wall_s - served["last_at"])
    print(f"N={a.cases} C={a.concurrency} L={a.latency * 1000:.0f} ms jitter={a.jitter * 1000:.0f} ms, "
          f"ideal {ideal:.2f} s, {a.reps} alternating reps (medians)")
    print(f"{'tool':12} {'wall s':>7} {'wall/ideal':>10} {'span/ideal':>10} {'CPU ms/case':>11} {'RSS MB':>7}"
          f" {'max in flight':>13} {'first request s':>15} {'teardown s':>10}")
    for name, done in runs.items():
        if done:
            print(row(name, done, peaks[name], median(firsts[name]), median(lasts[name]), a.cases, ideal))
    if runs["promptfoo"]:
        ratio = median([r.wall_s for r in runs["eval-action"]]) / median([r.wall_s for r in runs["promptfoo"]])
        print(f"eval-action/promptfoo wall: {ratio:.2f}")
    else:
        print(f"promptfoo: {a.promptfoo!r} not found; eval-action alone")


if __name__ == "__main__":
    main()
