"""The plumbing under promptfoo's provider-served types: logprobs from the target's answer, the
moderation endpoint, grader tallies, and the types that have no meaning here."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from eval_action.execution.cache import ResponseCache
from eval_action.execution.ratelimit import Limiter
from eval_action.execution.scorers.base import ScoreContext
from eval_action.execution.scorers.registry import grader_calls, score_case, validate_scorer
from eval_action.execution.targets.base import TargetRequest
from eval_action.execution.targets.caller import Caller
from eval_action.execution.targets.http import HttpPool
from eval_action.execution.targets.openai import OpenAITarget
from eval_action.model.specs import Config, Message, PromptSpec, ProviderSpec, ScorerSpec
from eval_action.selection import trust
from fakes.llm import FakeLLM, shape
from grading import ENV, runner_grader

REQUEST = TargetRequest(messages=[Message(role="user", content="Say hello")], params={"logprobs": True})


def _ctx(output: str, grader: object, **extra: object) -> ScoreContext:
    return ScoreContext(output=output, vars={}, expected=None, case_id="c", prompt="p.prompt.yaml",
                        prompt_dir=Path("."), repo_root=Path("."), grader=grader,  # type: ignore[arg-type]
                        messages=[Message(role="user", content="What is the capital of France?")],
                        **extra)  # type: ignore[arg-type]


def test_logprobs_of_the_documented_answer_reach_perplexity_and_survive_the_cache(
        fake_llm: FakeLLM, tmp_path: Path) -> None:
    fake_llm.answer_with(lambda body: shape("openai/logprobs"))
    spec = ProviderSpec(type="openai", model="gpt-4o-mini", base_url=fake_llm.url + "/v1")

    async def twice() -> tuple[list[float] | None, list[float] | None, bool]:
        async with HttpPool(2, retries=0) as http:
            target = OpenAITarget(spec, env=ENV, http=http, timeout_s=5)
            caller = Caller(Limiter(1), ResponseCache(tmp_path / "cache"))
            first = await caller.complete(target, REQUEST)
            again = await caller.complete(target, REQUEST)
            await caller.cache.aclose()
        return first.logprobs, again.logprobs, again.cached

    first, again, cached = asyncio.run(twice())
    assert first is not None and len(first) == 9 and first[0] == pytest.approx(-0.31725305)
    assert again == first and cached
    perplexity = ScorerSpec(type="perplexity", threshold=1.1)
    score = asyncio.run(score_case([perplexity], _ctx("Hello! How can I assist you today?", None,
                                                      logprobs=first)))["perplexity"]
    assert score.passed and "Perplexity 1.04 is less than or equal to threshold 1.1" in score.reason


def test_the_fake_answers_logprobs_only_when_asked(fake_llm: FakeLLM) -> None:
    spec = ProviderSpec(type="openai", model="m", base_url=fake_llm.url + "/v1")

    async def ask(params: dict[str, object]) -> list[float] | None:
        async with HttpPool(1, retries=0) as http:
            answer = await OpenAITarget(spec, env=ENV, http=http, timeout_s=5).complete(
                TargetRequest(messages=REQUEST.messages, params=params))
        return answer.logprobs

    assert asyncio.run(ask({})) is None
    assert asyncio.run(ask({"logprobs": True})) == [-0.25, -0.25, -0.25]  # "echo: Say hello"


def test_moderation_reads_the_documented_body_at_the_graders_endpoint(fake_llm: FakeLLM, tmp_path: Path) -> None:
    fake_llm.moderate_with(lambda text: shape("openai/moderation_flagged"))

    async def go() -> tuple[list[str], int]:
        async with runner_grader(fake_llm, tmp_path) as (grader, tally):
            flagged = await grader.moderate(None, "I will hurt you")
            return flagged, tally.grader_calls

    flagged, calls = asyncio.run(go())
    assert flagged == ["harassment", "harassment/threatening", "violence", "violence/graphic"]
    assert calls == 1
    request = fake_llm.requests[0]
    assert request.path == "/v1/moderations"
    assert request.body == {"model": "omni-moderation-latest", "input": "I will hurt you"}
    assert request.headers["authorization"] == "Bearer sk-test-grader"


def test_moderation_uses_the_scorers_own_provider_and_model(fake_llm: FakeLLM, tmp_path: Path) -> None:
    fake_llm.moderate_with(lambda text: {"hate"})
    own = ProviderSpec(type="openai", model="text-moderation-stable", base_url=fake_llm.url + "/v1")

    async def go() -> object:
        async with runner_grader(fake_llm, tmp_path) as (grader, _):
            return (await score_case([ScorerSpec(type="not-moderation", provider=own)], _ctx("x", grader)))[
                "not-moderation"]

    score = asyncio.run(go())
    assert score.passed  # type: ignore[attr-defined]
    assert fake_llm.requests[0].body["model"] == "text-moderation-stable"


def test_moderation_with_an_anthropic_grader_is_errored_naming_the_fix(fake_llm: FakeLLM, tmp_path: Path) -> None:
    config = Config(providers={"default": ProviderSpec(type="anthropic", model="claude", base_url=fake_llm.url)})

    async def go() -> object:
        async with runner_grader(fake_llm, tmp_path, config=config) as (grader, _):
            return (await score_case([ScorerSpec(type="moderation")], _ctx("x", grader)))["moderation"]

    score = asyncio.run(go())
    assert score.errored  # type: ignore[attr-defined]
    assert "moderation needs an OpenAI-compatible provider, not anthropic:claude" in score.reason  # type: ignore


def test_answer_relevance_tallies_three_questions_and_one_embeddings_request(
        fake_llm: FakeLLM, tmp_path: Path) -> None:
    fake_llm.respond_with(lambda body: "What is the capital of France?")

    async def go() -> tuple[object, int, int]:
        async with runner_grader(fake_llm, tmp_path, cache=True) as (grader, tally):
            score = (await score_case([ScorerSpec(type="answer-relevance")], _ctx("Paris", grader)))
            return score["answer-relevance"], tally.grader_calls, tally.cache_hits

    score, calls, hits = asyncio.run(go())
    assert score.passed and score.score == pytest.approx(1.0)  # type: ignore[attr-defined]
    # promptfoo asks the same prompt three times; with the cache on the repeats are cache hits
    assert (calls, hits) == (4, 2)
    assert grader_calls(ScorerSpec(type="answer-relevance")) == 4
    assert grader_calls(ScorerSpec(type="not-context-faithfulness")) == 2
    assert grader_calls(ScorerSpec(type="perplexity")) == 0


@pytest.mark.parametrize("type_", ["select-best", "max-score", "not-select-best"])
def test_select_best_and_max_score_are_configuration_errors_saying_why(type_: str) -> None:
    problems = validate_scorer(ScorerSpec(type=type_, value="the most concise"), Path("."), Path("."))
    assert len(problems) == 1
    assert "is not supported: promptfoo compares the outputs of several prompts or providers" in problems[0]
    assert "one prompt with one provider" in problems[0]


def test_context_transform_is_javascript_an_untrusted_head_may_not_run() -> None:
    scorer = ScorerSpec(type="context-recall", value="x", contextTransform="output.trim()")
    spec = PromptSpec(path="p.prompt.yaml", name="p", kind="yaml", provider=ProviderSpec(type="openai", model="m"),
                      messages=[], cases=[], scorers=[scorer])
    assert trust.user_code(spec, Config()) == ["scorer `context-recall`"]


def test_context_transform_is_not_rendered_as_a_template(tmp_path: Path) -> None:
    """Model output must never become code: `{{ output }}` stays literal in the transform."""
    from eval_action.execution.scorers.registry import render_options

    spec = ScorerSpec(type="context-relevance", contextTransform="'{{ output }}'")
    rendered = render_options(spec, {"output": "evil"}, tmp_path, "p", tmp_path)
    assert rendered.options["contextTransform"] == "'{{ output }}'"


def test_rag_validation() -> None:
    assert validate_scorer(ScorerSpec(type="context-recall"), Path("."), Path(".")) == [
        "context-recall needs `value:` — the expected answer or fact the context must hold"]
    assert "threshold 2 is out of range" in validate_scorer(
        ScorerSpec(type="answer-relevance", threshold=2), Path("."), Path("."))[0]
    assert "moderation `value:` must be a list of category names" in validate_scorer(
        ScorerSpec(type="moderation", value="hate"), Path("."), Path("."))[0]
    assert "unknown key `contextTransform` for answer-relevance" in validate_scorer(
        ScorerSpec(type="answer-relevance", contextTransform="x"), Path("."), Path("."))[0]


@pytest.mark.parametrize("body", [
    [[{"label": "POSITIVE", "score": 0.9998}, {"label": "NEGATIVE", "score": 0.0002}]],  # per input, as documented
    [{"label": "POSITIVE", "score": 0.9998}, {"label": "NEGATIVE", "score": 0.0002}],  # flat
])
def test_huggingface_text_classification_shapes(fake_llm: FakeLLM, tmp_path: Path, body: object) -> None:
    fake_llm.classify_with(lambda text: body)

    async def go() -> tuple[dict[str, float], int]:
        async with runner_grader(fake_llm, tmp_path) as (grader, tally):
            return await grader.classify("classifier", "I love it"), tally.grader_calls

    labels, calls = asyncio.run(go())
    assert labels == {"POSITIVE": 0.9998, "NEGATIVE": 0.0002} and calls == 1
    request = fake_llm.requests[0]
    assert request.path == "/models/test/classifier" and request.body == {"inputs": "I love it"}
    assert request.headers["authorization"] == "Bearer hf-test-token"


def test_huggingface_error_body_is_an_errored_score(fake_llm: FakeLLM, tmp_path: Path) -> None:
    fake_llm.classify_with(lambda text: {"error": "Model test/classifier is currently loading"})

    async def go() -> object:
        async with runner_grader(fake_llm, tmp_path) as (grader, _):
            return (await score_case([ScorerSpec(type="classifier", provider="classifier")], _ctx("x", grader)))[
                "classifier"]

    score = asyncio.run(go())
    assert score.errored and "currently loading" in score.reason  # type: ignore[attr-defined]


def test_classifier_needs_a_huggingface_provider(fake_llm: FakeLLM, tmp_path: Path) -> None:
    assert validate_scorer(ScorerSpec(type="classifier", value="POSITIVE"), Path("."), Path(".")) == [
        "classifier needs `provider:` — a text-classification model, e.g. {type: huggingface, model: "
        "distilbert/distilbert-base-uncased-finetuned-sst-2-english}"]

    async def go() -> object:
        async with runner_grader(fake_llm, tmp_path) as (grader, _):
            return (await score_case([ScorerSpec(type="classifier", provider="default")], _ctx("x", grader)))[
                "classifier"]

    score = asyncio.run(go())
    assert score.errored  # type: ignore[attr-defined]
    assert "classifier needs a text-classification provider (`type: huggingface" in score.reason  # type: ignore


def test_a_huggingface_provider_cannot_answer_a_prompt() -> None:
    from eval_action.execution.targets.registry import make_target
    from eval_action.execution.usercode.pool import UserCode
    from eval_action.model.errors import UserError

    with pytest.raises(UserError, match="classifies text and cannot answer a prompt"):
        make_target(ProviderSpec(type="huggingface", model="m"), env={}, repo_root=Path("."), http=HttpPool(1),
                    timeout_s=1, usercode=UserCode({}, 1))
