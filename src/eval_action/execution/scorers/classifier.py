"""`classifier`: a HuggingFace text-classification model labels the answer, as promptfoo's assertion does.

With `value:` (a label, e.g. `POSITIVE`) the score is that label's; without, the highest label's.
It passes at or above `threshold` (default 1, promptfoo's). `provider:` names the model:
`{type: huggingface, model: <model id>}`.
"""

from __future__ import annotations

from pathlib import Path

from eval_action.execution.scorers._common import fmt, is_templated, threshold_problems
from eval_action.execution.scorers.base import CLASSIFIERS, ScoreContext, ScorerDef, ScorerError
from eval_action.model.results import Score
from eval_action.model.specs import ScorerSpec

DEFAULT_THRESHOLD = 1.0
_BAD_VALUE = "classifier `value:` must be the expected label (text), or left out to take the highest label"
_NO_PROVIDER = ("classifier needs `provider:` — a text-classification model, e.g. "
                "{type: huggingface, model: distilbert/distilbert-base-uncased-finetuned-sst-2-english}")


async def classifier(spec: ScorerSpec, ctx: ScoreContext) -> Score:
    if spec.value is not None and not isinstance(spec.value, str):
        raise ScorerError(_BAD_VALUE)
    labels = await ctx.grader.classify(spec.provider, ctx.output)
    limit = DEFAULT_THRESHOLD if spec.threshold is None else spec.threshold
    if spec.value is None:
        if not labels:
            return Score(score=0.0, passed=False, reason="No classification scores returned")
        score, what = max(labels.values()), "Maximum classification score"
    else:
        score, what = labels.get(spec.value, 0.0), f"Classification {spec.value} has score"
    passed = score >= limit - 1e-12
    return Score(score=score, passed=passed, reason=f"{what} {score:.2f} {'>=' if passed else '<'} {fmt(limit)}")


def _validate(spec: ScorerSpec, prompt_dir: Path, repo_root: Path) -> list[str]:
    problems = [] if spec.provider is not None else [_NO_PROVIDER]
    if spec.value is not None and not isinstance(spec.value, str) and not is_templated(spec.value):
        problems.append(_BAD_VALUE)
    return problems + threshold_problems(spec, 0, 1)


SCORERS: dict[str, ScorerDef] = {"classifier": ScorerDef(classifier, _validate, graded=True, serves=CLASSIFIERS)}
