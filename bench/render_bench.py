"""How long the sticky comment takes to render for a big run (the target: 5,000 cases in < 0.5 s).

    python bench/render_bench.py --cases 5000 --prompts 10 --reps 5
"""

from __future__ import annotations

import argparse
import statistics
import time

from eval_action.model.results import CaseResult, PromptResult, RunReport, Score, Totals
from eval_action.render.markdown import render_comment


def report(cases: int, prompts: int) -> RunReport:
    """Every third case failed with a long, Markdown-hostile output and a baseline to compare with."""
    per = cases // prompts
    results = []
    for p in range(prompts):
        rows = []
        for i in range(per):
            passed = i % 3 != 0
            score = Score(score=1.0 if passed else 0.0, passed=passed, reason="expected `x` | <b>y</b> " * 3)
            base = CaseResult(id=f"p{p}c{i}", passed=True, scores={"icontains": score.model_copy(
                update={"passed": True, "score": 1.0})})
            rows.append(CaseResult(id=f"p{p}c{i}", passed=passed, scores={"icontains": score},
                                   output="| not | a table |\n<script>x</script> " * 20, latency_ms=200.0,
                                   tokens=30, vars={"country": f"country {i}"}, expected=f"country {i}",
                                   baseline=base))
        passed_count = sum(c.passed for c in rows)
        results.append(PromptResult(path=f"prompts/p{p}.prompt.yaml", name=f"p{p}", status="fail",
                                    pass_rate=100 * passed_count / per, baseline_pass_rate=100.0,
                                    baseline="compared", cases=rows))
    total_passed = sum(c.passed for r in results for c in r.cases)
    return RunReport(status="fail", mode="blocking", base="main", head="feature",
                     totals=Totals(cases=cases, passed=total_passed, failed=cases - total_passed), prompts=results)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cases", type=int, default=5000)
    p.add_argument("--prompts", type=int, default=10)
    p.add_argument("--reps", type=int, default=5)
    a = p.parse_args()
    run = report(a.cases, a.prompts)
    times = []
    for _ in range(a.reps):
        start = time.perf_counter()
        body = render_comment(run, key="bench", run_id=1)
        times.append(time.perf_counter() - start)
    print(f"render_comment, {a.cases} cases in {a.prompts} prompts: median {statistics.median(times) * 1000:.0f} ms "
          f"(min {min(times) * 1000:.0f} ms, {len(body):,} chars)")


if __name__ == "__main__":
    main()
