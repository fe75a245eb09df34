"""`perplexity` and `perplexity-score` over the answer's token log probabilities, as promptfoo scores them.

perplexity = exp(-mean logprob); `perplexity` passes when it is at most `threshold` (1/0),
`perplexity-score` scores 1 / (1 + perplexity) and passes at or above `threshold`. Without a
threshold both pass. The logprobs come from the target's own answer: an OpenAI-compatible API
returns them when the request asks `logprobs: true`; other targets give none, and the score is
errored, as promptfoo fails it.
"""

from __future__ import annotations

import math
from pathlib import Path

from eval_action.execution.scorers._common import fmt, threshold_problems
from eval_action.execution.scorers.base import ScoreContext, ScorerDef, ScorerError
from eval_action.model.results import Score
from eval_action.model.specs import ScorerSpec

NO_LOGPROBS = ("{type} needs the answer's token logprobs, and the target returned none — give the "
               "prompt an OpenAI-compatible provider with `params: {{logprobs: true}}` (Anthropic, python "
               "and command targets give no logprobs)")
TYPES = ("perplexity", "perplexity-score")


def _perplexity(spec: ScorerSpec, ctx: ScoreContext) -> float:
    if not ctx.logprobs:
        raise ScorerError(NO_LOGPROBS.format(type=spec.type))
    return math.exp(-sum(ctx.logprobs) / len(ctx.logprobs))


async def perplexity(spec: ScorerSpec, ctx: ScoreContext) -> Score:
    value = _perplexity(spec, ctx)
    if spec.threshold is None:
        return Score(score=1.0, passed=True, reason=f"Perplexity {value:.2f} (no threshold set)")
    passed = value <= spec.threshold
    relation = "less than or equal to" if passed else "greater than"
    return Score(score=float(passed), passed=passed,
                 reason=f"Perplexity {value:.2f} is {relation} threshold {fmt(spec.threshold)}")


async def perplexity_score(spec: ScorerSpec, ctx: ScoreContext) -> Score:
    norm = 1 / (1 + _perplexity(spec, ctx))
    if spec.threshold is None:
        return Score(score=norm, passed=True, reason=f"Perplexity score {norm:.2f} (no threshold set)")
    passed = norm >= spec.threshold
    relation = "greater than or equal to" if passed else "less than"
    return Score(score=norm, passed=passed,
                 reason=f"Perplexity score {norm:.2f} is {relation} threshold {fmt(spec.threshold)}")


def _validate(spec: ScorerSpec, prompt_dir: Path, repo_root: Path) -> list[str]:
    return threshold_problems(spec, 0, None)


def _validate_score(spec: ScorerSpec, prompt_dir: Path, repo_root: Path) -> list[str]:
    return threshold_problems(spec, 0, 1)


SCORERS: dict[str, ScorerDef] = {
    "perplexity": ScorerDef(perplexity, _validate),
    "perplexity-score": ScorerDef(perplexity_score, _validate_score),
}
