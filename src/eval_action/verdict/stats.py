"""Small, exact statistics for paired pass/fail outcomes."""

from __future__ import annotations

from math import comb
from typing import TypeVar

from eval_action.model.results import CaseResult, Metrics, PromptResult, RunStats

_N = TypeVar("_N", int, float)


def mcnemar_exact(improved: int, regressed: int) -> float | None:
    """Two-sided exact McNemar p-value from the discordant pairs.

    Under "no change" each discordant pair is a fair coin, so the count of regressions is
    Binomial(n, 1/2). None when there is nothing discordant to test.
    """
    n = improved + regressed
    if n == 0:
        return None
    k = min(improved, regressed)
    tail: float = sum(comb(n, i) for i in range(k + 1)) / 2**n
    return min(1.0, 2 * tail)


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100): a value that was actually observed."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return float(ordered[int(rank) - 1])


def run_stats(prompts: list[PromptResult], duration_s: float, models: list[str] | None = None) -> RunStats:
    """Footer figures over every case of the run (cache hits count as no latency)."""
    cases = [c for p in prompts for c in p.cases]
    latencies = [c.latency_ms for c in cases if c.latency_ms is not None and not c.cached]
    tokens = [c.tokens for c in cases if c.tokens is not None]
    costs = [c.cost_usd for c in cases if c.cost_usd is not None]
    return RunStats(duration_s=round(duration_s, 2), latency_p50_ms=percentile(latencies, 50),
                    latency_p95_ms=percentile(latencies, 95), tokens=sum(tokens) if tokens else None,
                    cost_usd=round(sum(costs), 6) if costs else None,
                    cache_hits=sum(c.cache_hits for c in cases), calls=sum(c.calls for c in cases),
                    grader_calls=sum(c.grader_calls for c in cases),
                    grader_tokens=sum_known([c.grader_tokens for c in cases]),
                    grader_cost_usd=sum_known([c.grader_cost_usd for c in cases]),
                    models=models if models is not None else sorted({p.provider for p in prompts if p.provider}))


def metrics(cases: list[CaseResult]) -> Metrics:
    """The gates' figures over the cases that ran; cached answers carry no latency of their own."""
    ran = [c for c in cases if not c.errored]
    latencies = [c.latency_ms for c in ran if c.latency_ms is not None and not c.cached]
    costs = [c.cost_usd for c in ran if c.cost_usd is not None]
    tokens = [c.tokens for c in ran if c.tokens is not None]
    return Metrics(latency_p50_ms=percentile(latencies, 50), latency_p95_ms=percentile(latencies, 95),
                   latency_p99_ms=percentile(latencies, 99), latency_samples=len(latencies),
                   cached=sum(1 for c in ran if c.cached),
                   cost_per_case=sum(costs) / len(costs) if costs else None,
                   tokens_per_case=sum(tokens) / len(tokens) if tokens else None)


def sum_known(values: list[_N | None]) -> _N | None:
    """The sum of the figures that are known; None when none is."""
    known = [v for v in values if v is not None]
    return sum(known) if known else None
