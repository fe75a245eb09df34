"""Budgets on how the answer was produced: latency (ms), cost (USD) and tokens.

The limit is `threshold`, or `value` when no threshold is given. A cached answer is scored on the
figures recorded when it was first fetched; when the cache kept none, the check passes with a reason
that says so, because re-running the same prompt from cache must not turn a gate red.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from eval_action.execution.scorers._common import fmt, is_templated, number, verdict
from eval_action.execution.scorers.base import ScoreContext, ScorerDef, ScorerError, ScorerFn
from eval_action.model.results import Score
from eval_action.model.specs import ScorerSpec

_MEASURES: dict[str, tuple[str, str, Callable[[ScoreContext], float | None]]] = {
    "latency": ("latency", "ms", lambda c: c.latency_ms),
    "cost": ("cost", "USD", lambda c: c.cost_usd),
    "tokens": ("tokens", "tokens", lambda c: None if c.tokens is None else float(c.tokens)),
}
_MISSING_HINT = {
    "latency": "the target reported no timing",
    "cost": "add the model to `pricing:` in eval-action.yaml, or return cost_usd from your target",
    "tokens": "the target reported no token usage",
}


def _limit(spec: ScorerSpec) -> float:
    raw = spec.threshold if spec.threshold is not None else spec.value
    if raw is None:
        unit = _MEASURES[spec.type][1]
        raise ScorerError(f"{spec.type} needs `threshold:` — the largest {unit} that passes")
    return number(raw, "threshold")


def _budget(kind: str) -> ScorerFn:
    what, unit, measure = _MEASURES[kind]

    async def budget(spec: ScorerSpec, ctx: ScoreContext) -> Score:
        limit = _limit(spec)
        actual = measure(ctx)
        if actual is None or (ctx.cached and actual == 0):
            if ctx.cached:
                return Score(score=1.0, passed=True, reason=f"cached answer: {what} not measured "
                             "(run with --no-cache to measure it)")
            raise ScorerError(f"no {what} measured — {_MISSING_HINT[kind]}")
        return verdict(actual <= limit, f"{what} {fmt(actual)} {unit} ≤ {fmt(limit)}",
                       f"{what} {fmt(actual)} {unit} > {fmt(limit)} {unit} budget")

    return budget


def _validate(spec: ScorerSpec, prompt_dir: Path, repo_root: Path) -> list[str]:
    raw = spec.threshold if spec.threshold is not None else spec.value
    if is_templated(raw):
        return []
    try:
        limit = _limit(spec)
    except ScorerError as e:
        return [str(e)]
    return [] if limit >= 0 else [f"{spec.type} limit {limit:g} is negative — use 0 or more"]


SCORERS: dict[str, ScorerDef] = {
    kind: ScorerDef(_budget(kind), _validate, invertible=False) for kind in _MEASURES
}
