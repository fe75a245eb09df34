"""llm-rubric, factuality and similar against the loopback fake LLM, through a minimal httpx Grader."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from eval_action.execution.scorers.base import ScoreContext
from eval_action.execution.scorers.registry import score_case, validate_scorer
from eval_action.model.errors import TargetError
from eval_action.model.specs import Message, ProviderSpec, ScorerSpec
from fakes.llm import FakeLLM, last_user_text


class HttpGrader:
    """Just enough of the runner's Grader: one OpenAI-compatible call, no retries."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.providers: list[Any] = []

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        async with httpx.AsyncClient(base_url=self.base_url, timeout=5) as client:
            try:
                response = await client.post(path, json=body)
                response.raise_for_status()
                data: dict[str, Any] = response.json()
            except (httpx.HTTPError, ValueError) as e:
                raise TargetError(f"grader call failed: {type(e).__name__}") from None
        return data

    async def complete(self, provider: str | ProviderSpec | None, messages: list[Message]) -> str:
        self.providers.append(provider)
        body = {"model": "judge", "messages": [m.model_dump() for m in messages]}
        data = await self._post("/v1/chat/completions", body)
        return str(data["choices"][0]["message"]["content"])

    async def embed(self, provider: str | ProviderSpec | None, texts: list[str]) -> list[list[float]]:
        self.providers.append(provider)
        data = await self._post("/v1/embeddings", {"model": "emb", "input": texts})
        return [item["embedding"] for item in data["data"]]


def run(llm: FakeLLM, spec: dict[str, Any], output: str = "Paris", expected: Any = None) -> Any:
    grader = HttpGrader(llm.url)
    ctx = ScoreContext(output=output, vars={}, expected=expected, case_id="c1", prompt="p.prompt.yaml",
                       prompt_dir=Path("."), repo_root=Path("."), grader=grader,
                       messages=[Message(role="user", content="What is the capital of France?")])
    return asyncio.run(score_case([ScorerSpec(**spec)], ctx))[spec["type"]]


RUBRIC_REPLIES = [
    # (grader reply, threshold, passed, score, reason fragment)
    ('{"reason": "Names one city", "score": 1.0, "pass": true}', None, True, 1.0, "grader: Names one city"),
    ('```json\n{"reason": "two cities", "score": 0.2, "pass": false}\n```', None, False, 0.2,
     "score 0.2; grader: two cities"),
    ('Let me think. {"reason": "fine", "score": 0.9, "pass": "true"} Hope that helps.', None, True, 0.9,
     "fine"),
    ('{"Reason": "ok", "Score": "0.7", "Pass": "yes"}', 0.8, False, 0.7,
     "score 0.7 < threshold 0.8; grader: ok"),
    ('{"reason": "meh", "score": 0.6}', None, True, 0.6, "meh"),
    ('{"pass": false}', None, False, 0.0, "grader gave no reason"),
]


@pytest.mark.parametrize(("reply", "threshold", "passed", "score", "reason"), RUBRIC_REPLIES)
def test_llm_rubric_parses_reply_shapes(fake_llm: FakeLLM, reply: str, threshold: float | None,
                                        passed: bool, score: float, reason: str) -> None:
    fake_llm.respond_with(lambda body: reply)
    result = run(fake_llm, {"type": "llm-rubric", "value": "Names exactly one city", "threshold": threshold})
    assert (result.passed, result.errored) == (passed, False), result.reason
    assert result.score == pytest.approx(score)
    assert reason in result.reason


def test_llm_rubric_sends_rubric_and_output_to_the_grader(fake_llm: FakeLLM) -> None:
    fake_llm.respond_with(lambda body: '{"reason": "ok", "score": 1, "pass": true}')
    run(fake_llm, {"type": "llm-rubric", "value": "Mentions {{ expected }}"}, output="Lyon", expected="Paris")
    sent = last_user_text(fake_llm.requests[0].body)
    assert "<Output>\nLyon\n</Output>" in sent and "Mentions Paris" in sent


@pytest.mark.parametrize(("reply", "reason"), [
    ("I think it passes.", 'grader reply has no JSON {"pass", "score", "reason"}; reply starts "I think'),
    ('{"reason": "x", "score": 7, "pass": true}', "grader gave score 7, outside 0..1"),
    ('{"reason": "x", "pass": "maybe"}', '"pass": maybe, which is not true or false'),
    ('{"reason": "x", "score": "high"}', '"score": high, which is not a number'),
])
def test_llm_rubric_unusable_reply_is_errored(fake_llm: FakeLLM, reply: str, reason: str) -> None:
    fake_llm.respond_with(lambda body: reply)
    result = run(fake_llm, {"type": "llm-rubric", "value": "r"})
    assert result.errored and not result.passed
    assert reason in result.reason


@pytest.mark.parametrize("fault", ["malformed", "empty_choices"])
def test_grader_infrastructure_failure_is_errored(fake_llm: FakeLLM, fault: str) -> None:
    fake_llm.inject(fault)
    result = run(fake_llm, {"type": "llm-rubric", "value": "r"})
    assert result.errored and not result.passed and "\n" not in result.reason


def test_grader_http_error_is_errored(fake_llm: FakeLLM) -> None:
    fake_llm.fail_next(1, status=503)
    result = run(fake_llm, {"type": "factuality", "value": "Paris"})
    assert result.errored and "grader call failed: HTTPStatusError" in result.reason


def test_grader_provider_is_passed_through(fake_llm: FakeLLM) -> None:
    fake_llm.respond_with(lambda body: '{"pass": true, "score": 1, "reason": "ok"}')
    grader = HttpGrader(fake_llm.url)
    ctx = ScoreContext(output="x", vars={}, expected=None, case_id="c", prompt="p", prompt_dir=Path("."),
                       repo_root=Path("."), grader=grader)
    asyncio.run(score_case([ScorerSpec(type="llm-rubric", value="r", provider="claude")], ctx))
    assert grader.providers == ["claude"]


@pytest.mark.parametrize(("reply", "passed", "reason"), [
    ('{"category": "B", "reason": "adds detail"}', True,
     "(B) superset of the reference, consistent; grader: adds"),
    ('{"category": "(D)", "reason": "says Lyon"}', False, "(D) disagrees with the reference"),
    ("(A) The submission is a subset.", True, "(A) subset"),
    ("E", True, "(E) differs only in ways that do not matter"),
    ("**C**: same details", True, "(C) same details"),
])
def test_factuality_categories(fake_llm: FakeLLM, reply: str, passed: bool, reason: str) -> None:
    fake_llm.respond_with(lambda body: reply)
    result = run(fake_llm, {"type": "factuality", "value": "Paris is the capital"})
    assert (result.passed, result.errored) == (passed, False)
    assert reason in result.reason


def test_factuality_prompt_carries_question_reference_and_submission(fake_llm: FakeLLM) -> None:
    fake_llm.respond_with(lambda body: '{"category": "C", "reason": "same"}')
    run(fake_llm, {"type": "factuality"}, output="It's Paris", expected="Paris")
    sent = last_user_text(fake_llm.requests[0].body)
    assert "[Question]: What is the capital of France?" in sent
    assert "[Expert]: Paris" in sent and "[Submission]: It's Paris" in sent


def test_factuality_without_category_is_errored(fake_llm: FakeLLM) -> None:
    fake_llm.respond_with(lambda body: "Hard to say.")
    result = run(fake_llm, {"type": "factuality", "value": "Paris"})
    assert result.errored and "names no category A-E" in result.reason


def _axis(text: str) -> list[float]:
    return [1.0, 0.0] if "paris" in text.lower() else [0.6, 0.8]


@pytest.mark.parametrize(("spec", "output", "passed", "score"), [
    ({"type": "similar", "value": "Paris"}, "It is Paris", True, 1.0),
    ({"type": "similar", "value": "Paris"}, "Berlin", False, 0.6),
    ({"type": "similar", "value": "Paris", "threshold": 0.5}, "Berlin", True, 0.6),
    ({"type": "similar", "value": ["Rome", "Paris"]}, "Paris!", True, 1.0),
    ({"type": "not-similar", "value": "Paris"}, "Berlin", True, 0.4),
])
def test_similar(fake_llm: FakeLLM, spec: dict[str, Any], output: str, passed: bool, score: float) -> None:
    fake_llm.embed_with(_axis)
    result = run(fake_llm, spec, output=output)
    assert (result.passed, result.errored) == (passed, False), result.reason
    assert result.score == pytest.approx(score)


def test_similar_reason_names_similarity_and_threshold(fake_llm: FakeLLM) -> None:
    fake_llm.embed_with(_axis)
    result = run(fake_llm, {"type": "similar", "value": "Paris"}, output="Berlin")
    assert result.reason.startswith('similarity 0.6 < 0.75 to "Paris"; got "Berlin"')
    assert fake_llm.requests[0].body["input"] == ["Berlin", "Paris"]


def test_judge_validation() -> None:
    here = Path(".")
    assert validate_scorer(ScorerSpec(type="llm-rubric"), here, here) == [
        "llm-rubric needs `value:` — the rubric the grader applies"]
    too_high = ScorerSpec(type="similar", value="x", threshold=1.5)
    assert "out of range" in validate_scorer(too_high, here, here)[0]
    assert validate_scorer(ScorerSpec(type="factuality", threshold=0.5), here, here) == []


@pytest.mark.parametrize(("reply", "passed", "reason"), [
    ("The answer names Paris, the capital.\nY\nY", True, "meets the criterion; grader: The answer names Paris"),
    ("It names Lyon, which is not the capital.\nN\nN\n", False, "does not meet the criterion; grader: It names"),
    ("Y", True, "meets the criterion"),
])
def test_model_graded_closedqa_reads_promptfoo_y_and_n(fake_llm: FakeLLM, reply: str, passed: bool,
                                                       reason: str) -> None:
    fake_llm.respond_with(lambda body: reply)
    result = run(fake_llm, {"type": "model-graded-closedqa", "value": "names the capital of France"})
    assert (result.passed, result.errored, result.score) == (passed, False, float(passed))
    assert result.reason.startswith(reason)
    sent = last_user_text(fake_llm.requests[0].body)
    assert "[Task]: What is the capital of France?" in sent and "[Submission]: Paris" in sent
    assert "[Criterion]: names the capital of France" in sent


def test_model_graded_closedqa_without_a_verdict_is_errored(fake_llm: FakeLLM) -> None:
    fake_llm.respond_with(lambda body: "Maybe.")
    result = run(fake_llm, {"type": "model-graded-closedqa", "value": "x"})
    assert result.errored and "ends in neither Y nor N" in result.reason


def _geval(score: object) -> Any:
    def reply(body: dict[str, Any]) -> str:
        if "EVALUATION CRITERIA" in json.dumps(body):
            return '{"steps":["Check the city is named","Check it is the capital"]}'
        return json.dumps({"score": score, "reason": "names Paris"})
    return reply


@pytest.mark.parametrize(("rating", "threshold", "passed", "score"), [
    (9, None, True, 0.9), (6, None, False, 0.6), ("7", None, True, 0.7), (5, 0.5, True, 0.5),
])
def test_g_eval_rates_0_to_10_against_its_own_steps(fake_llm: FakeLLM, rating: object, threshold: float | None,
                                                     passed: bool, score: float) -> None:
    fake_llm.respond_with(_geval(rating))
    spec: dict[str, Any] = {"type": "g-eval", "value": "Names the capital of France"}
    if threshold is not None:
        spec["threshold"] = threshold
    result = run(fake_llm, spec)
    assert (result.passed, result.score, result.errored) == (passed, pytest.approx(score), False)
    second = json.dumps(fake_llm.requests[1].body)
    assert "Check the city is named" in second and "Names the capital of France" in second


@pytest.mark.parametrize("rating", [11, -1, "lots", None])
def test_g_eval_rating_outside_0_to_10_is_errored(fake_llm: FakeLLM, rating: object) -> None:
    fake_llm.respond_with(_geval(rating))
    assert run(fake_llm, {"type": "g-eval", "value": "x"}).errored
