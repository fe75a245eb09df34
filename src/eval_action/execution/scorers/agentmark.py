"""AgentMark's `exact_match_json`: its datasets give `expected_output` as JSON text, compared as JSON."""

from __future__ import annotations

import json
from typing import Any

from eval_action.execution.scorers._common import value_or_expected
from eval_action.execution.scorers.base import ScoreContext, ScorerDef, ScorerError
from eval_action.execution.scorers.text import equals_json
from eval_action.model.results import Score
from eval_action.model.specs import ScorerSpec


async def exact_match_json(spec: ScorerSpec, ctx: ScoreContext) -> Score:
    expected: Any = value_or_expected(spec, ctx)
    if isinstance(expected, str):
        try:
            expected = json.loads(expected)
        except json.JSONDecodeError as e:
            raise ScorerError(f"the expected output is not JSON ({e.msg}) — give `expected_output` as JSON "
                              "text, or use exact_match") from None
    return equals_json(expected, ctx.output)


SCORERS: dict[str, ScorerDef] = {"agentmark/exact_match_json": ScorerDef(exact_match_json)}
