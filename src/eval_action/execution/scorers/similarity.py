"""`similar`: cosine similarity of embeddings between the output and the expected text."""

from __future__ import annotations

import math
from pathlib import Path

from eval_action.execution.scorers._common import as_text, fmt, quote, threshold_problems, value_or_expected, verdict
from eval_action.execution.scorers.base import OPENAI_COMPATIBLE, ScoreContext, ScorerDef, ScorerError
from eval_action.model.results import Score
from eval_action.model.specs import ScorerSpec

DEFAULT_THRESHOLD = 0.75


def cosine(a: list[float], b: list[float]) -> float:
    if len(a) != len(b) or not a:
        raise ScorerError(f"the embedding provider returned vectors of sizes {len(a)} and {len(b)}")
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return sum(x * y for x, y in zip(a, b, strict=True)) / norm if norm else 0.0


async def similar(spec: ScorerSpec, ctx: ScoreContext) -> Score:
    """Against a list of references the best one counts, as in promptfoo."""
    raw = value_or_expected(spec, ctx)
    references = [as_text(v) for v in raw] if isinstance(raw, list) else [as_text(raw)]
    vectors = await ctx.grader.embed(spec.provider, [ctx.output, *references])
    if len(vectors) != len(references) + 1:
        raise ScorerError(f"the embedding provider returned {len(vectors)} vectors "
                          f"for {len(references) + 1} texts")
    sims = [cosine(vectors[0], v) for v in vectors[1:]]
    best = max(range(len(sims)), key=lambda i: sims[i])
    sim = min(max(sims[best], 0.0), 1.0)
    limit = DEFAULT_THRESHOLD if spec.threshold is None else spec.threshold
    ref = quote(references[best])
    return verdict(sim >= limit, f"similarity {fmt(sim)} ≥ {fmt(limit)} to {ref}",
                   f"similarity {fmt(sim)} < {fmt(limit)} to {ref}; got {quote(ctx.output)}", sim)


def _validate(spec: ScorerSpec, prompt_dir: Path, repo_root: Path) -> list[str]:
    return threshold_problems(spec, 0, 1)


SCORERS: dict[str, ScorerDef] = {"similar": ScorerDef(similar, _validate, graded=True, serves=OPENAI_COMPATIBLE)}
