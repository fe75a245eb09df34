"""promptfoo's own assertion cases (tests/promptfoo_cases/): same inputs, same verdict and score.

Cases that script a grader (`grader:` replies, `embeddings:`, `moderation:`) are scored by the run's
real grader over loopback HTTP to the fake LLM, answering as promptfoo's tests mock their provider."""

from __future__ import annotations

import asyncio
import json
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from eval_action.execution.scorers.base import ScoreContext
from eval_action.execution.scorers.registry import score_case, validate_scorer
from eval_action.inputs.yamlio import load_yaml
from eval_action.model.answer import ToolCall, TraceStep
from eval_action.model.specs import Message, ScorerSpec, ToolSpec
from fakes.llm import FakeLLM
from grading import runner_grader, script

CASES_DIR = Path(__file__).parent.parent / "promptfoo_cases"
_GRADED = ("grader", "embeddings", "moderation", "classification", "grader_status")


class NoGrader:
    async def complete(self, provider: Any, messages: list[Message]) -> str:
        raise AssertionError("deterministic scorers must not call a model")

    async def embed(self, provider: Any, texts: list[str]) -> list[list[float]]:
        raise AssertionError("deterministic scorers must not call a model")


def _cases() -> list[Any]:
    params = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        for i, case in enumerate(load_yaml(path.read_text(encoding="utf-8"), path.name).data):
            marks = [pytest.mark.xfail(reason=case["differs"], strict=True)] if "differs" in case else []
            needs_node = "javascript" in (path.stem, case["assert"]["type"]) or "contextTransform" in case["assert"]
            if needs_node and shutil.which("node") is None:
                marks.append(pytest.mark.skip(reason="javascript cases need Node.js on PATH"))
            params.append(pytest.param(case, id=f"{path.stem}-{i}-{case['name']}", marks=marks))
    return params


def judge(case: dict[str, Any], tmp: Path) -> tuple[str, bool | None, float | None]:
    """("config", …) when validate refuses the assertion, ("errored", …) or ("scored", pass, score)."""
    for rel, text in case.get("files", {}).items():  # files a `file://` value names, next to the prompt
        (tmp / rel).write_text(text, encoding="utf-8")
    spec = ScorerSpec(**case["assert"])
    if validate_scorer(spec, tmp, tmp):
        return "config", None, None
    output = case["output"] + "".join(text * times for text, times in case.get("output_parts", []))
    ctx = ScoreContext(output=output, vars=case.get("vars", {}), expected=None, case_id="c",
                       prompt="p.prompt.yaml",
                       prompt_dir=tmp, repo_root=tmp, grader=NoGrader(),
                       tool_calls=[ToolCall.model_validate(c) for c in case.get("tool_calls", [])],
                       trace=[TraceStep.model_validate(s) for s in case.get("trace", [])],
                       tools=[ToolSpec.model_validate(t) for t in case.get("tools", [])],
                       messages=[Message(role="user", content=case.get("prompt", "prompt"))],
                       logprobs=case.get("logprobs"))
    if any(key in case for key in _GRADED):
        with FakeLLM() as llm:
            script(llm, case)

            async def graded() -> Any:
                async with runner_grader(llm, tmp) as (grader, _):
                    return (await score_case([spec], replace(ctx, grader=grader)))[spec.label]
            score = asyncio.run(graded())
            sent = "\n".join(json.dumps(r.body, ensure_ascii=False) for r in llm.requests)
            for fragment in case.get("sent", []):  # what promptfoo's test says the grader is given
                assert json.dumps(fragment, ensure_ascii=False)[1:-1] in sent, fragment
    else:
        score = asyncio.run(score_case([spec], ctx))[spec.label]
    if score.errored:
        return "errored", None, None
    assert case.get("reason", "") in score.reason  # the tool cases carry promptfoo's reasons too
    return "scored", score.passed, score.score


@pytest.mark.parametrize("case", _cases())
def test_promptfoo_case(case: dict[str, Any], tmp_path: Path) -> None:
    kind, passed, score = judge(case, tmp_path)
    if "error" in case:
        assert kind in ("config", "errored"), f"promptfoo refuses this ({case['error']}); here it scored"
        return
    assert kind == "scored", f"refused here; promptfoo scores pass={case['pass']} score={case['score']}"
    assert (passed, score) == (case["pass"], pytest.approx(case["score"], abs=1e-4))
