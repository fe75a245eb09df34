"""What a run costs after its last answer: every file and text written for N cases (run by hand).

Targets (issue: fixed costs, on compare.py's kind of run, `--shape plain`): < 0.1 s at 1,000
cases and < 0.3 s at 10,000. CPU time of each stage, the minimum over repetitions, in this
process (wall clocks on a shared machine mostly measure the other processes).

    python bench/teardown_bench.py --cases 1000 10000 --reps 5 [--profile teardown.prof]
"""

from __future__ import annotations

import argparse
import cProfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from render_bench import report as hostile_report

from eval_action.execution.redaction import redact_report
from eval_action.model.results import CaseResult, PromptResult, RunReport, Score, Totals
from eval_action.model.results_io import write_results
from eval_action.render.html import write_html
from eval_action.render.junit import write_junit
from eval_action.render.markdown import render_comment, render_summary
from eval_action.render.text import render_text


def plain_report(cases: int, prompts: int) -> RunReport:
    """compare.py's run: every case passes with a short answer, no baseline."""
    per = cases // prompts
    results = [PromptResult(path=f"prompts/p{p}.prompt.yaml", name=f"p{p}", status="pass", pass_rate=100.0,
                            cases=[CaseResult(id=f"c{i}", passed=True, output=f"echo: What is country {i}?",
                                              scores={"icontains": Score(score=1.0, passed=True,
                                                                         reason="contains 'country {i}'")},
                                              latency_ms=200.0, tokens=12, vars={"country": f"country {i}"},
                                              expected=f"country {i}")
                                   for i in range(per)])
               for p in range(prompts)]
    return RunReport(status="pass", mode="blocking", base="main", head="feature",
                     totals=Totals(cases=cases, passed=cases, failed=0), prompts=results)


SHAPES = {"plain": plain_report, "hostile": hostile_report}


def stages(run: RunReport, out: Path) -> dict[str, Callable[[], object]]:
    return {
        "redact_report": lambda: redact_report(run, ["sk-not-in-any-output"]),
        "comment": lambda: render_comment(run, key="bench", run_id=1),
        "summary": lambda: render_summary(run),
        "results.json": lambda: write_results(run, out / "results.json"),
        "junit.xml": lambda: write_junit(run, out / "junit.xml"),
        "report.html": lambda: write_html(run, out / "report.html"),
        "terminal text": lambda: render_text(run),
    }


def cpu_ms(fn: Callable[[], object], reps: int) -> float:
    best = float("inf")
    for _ in range(reps):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best * 1000


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cases", type=int, nargs="+", default=[1000, 10000])
    p.add_argument("--prompts", type=int, default=10)
    p.add_argument("--shape", choices=sorted(SHAPES), default="plain",
                   help="plain: compare.py's passing short answers; hostile: render_bench's failing cases "
                        "with long Markdown-hostile outputs and baselines")
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--profile", help="write a cProfile of every stage at the largest N to this file")
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        for n in a.cases:
            run = SHAPES[a.shape](n, a.prompts)
            timed = {name: cpu_ms(fn, a.reps) for name, fn in stages(run, out).items()}
            parts = "  ".join(f"{k} {v:.0f}" for k, v in timed.items())
            print(f"{n:>6} cases: total {sum(timed.values()):.0f} ms CPU  ({parts})")
        if a.profile:
            with cProfile.Profile() as prof:
                for fn in stages(run, out).values():
                    fn()
            prof.dump_stats(a.profile)


if __name__ == "__main__":
    main()
