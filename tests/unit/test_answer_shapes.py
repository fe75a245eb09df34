"""One answer from every documented response shape, through the real clients and the loopback fake.

The bodies are in tests/fakes/shapes/ (sources in its README). Refusals are answers; content
filters, empty choices and upstream errors inside a 200 are errored with their reason, after ONE
request: never retried as "malformed", never billed again.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from eval_action.execution.targets.anthropic import AnthropicTarget
from eval_action.execution.targets.base import TargetRequest
from eval_action.execution.targets.http import HttpPool
from eval_action.execution.targets.openai import OpenAITarget
from eval_action.model.answer import Answer, ToolCall
from eval_action.model.errors import TargetError
from eval_action.model.specs import Message, ProviderSpec
from fakes.llm import FakeLLM, shape

REQUEST = TargetRequest(messages=[Message(role="user", content="weather in Paris?")])


def ask(llm: FakeLLM, provider: str, name: str) -> Answer:
    llm.answer_with(lambda body: shape(name))

    async def main() -> Answer:
        async with HttpPool(2, retries=4, backoff_s=0.01) as http:
            if provider == "openai":
                spec = ProviderSpec(type="openai", model="m", base_url=llm.url + "/v1")
                return await OpenAITarget(spec, env={}, http=http, timeout_s=5).complete(REQUEST)
            spec = ProviderSpec(type="anthropic", model="m", base_url=llm.url)
            return await AnthropicTarget(spec, env={}, http=http, timeout_s=5).complete(REQUEST)
    return asyncio.run(main())


def call(name: str, arguments: Any, id: str | None = None, invalid: bool = False) -> ToolCall:
    return ToolCall(id=id, name=name, arguments=arguments, invalid_arguments=invalid)


WEATHER_PARIS = call("get_current_weather", {"location": "Paris"})

ANSWERS = [
    ("openai/text", "Hello! How can I assist you today?", []),
    ("openai/tool_calls_null_content", "",
     [call("get_current_weather", {"location": "Boston, MA"}, "call_abc123")]),
    ("openai/tool_calls_empty_content", "", [WEATHER_PARIS.model_copy(update={"id": "call_ollama1"})]),
    ("openai/tool_calls_with_text", "Let me check the weather.", [WEATHER_PARIS.model_copy(update={"id": "call_t1"})]),
    ("openai/parallel_tool_calls", "",
     [call("get_current_weather", {"location": "London", "unit": "celsius"}, "call_p1"),
      call("get_rain_probability", {"location": "London"}, "call_p2")]),
    ("openai/legacy_function_call", "", [call("get_current_weather", {"location": "Boston, MA"})]),
    ("openai/custom_tool_call", "", [call("code_exec", "print('hi')", "call_c1")]),
    ("openai/unparsable_arguments", "", [call("get_current_weather", '{"location": "Bos', "call_bad", True)]),
    ("openai/refusal", "I'm sorry, I can't help with that.", []),
    ("openai/refusal_with_tool_calls", "I can't look that up.", [WEATHER_PARIS.model_copy(update={"id": "call_r1"})]),
    ("anthropic/text", "Hi, I'm Claude.", []),
    ("anthropic/tool_use", "I'll check the weather.",
     [call("get_weather", {"location": "San Francisco, CA"}, "toolu_01A09q90qw90lq917835lq9")]),
    ("anthropic/parallel_tool_use", "",
     [call("get_weather", {"location": "London"}, "toolu_1"),
      call("get_time", {"timezone": "Europe/London"}, "toolu_2")]),
    ("anthropic/thinking_text_tool_use", "Checking now.", [call("get_weather", {"location": "Paris"}, "toolu_3")]),
    ("anthropic/multiple_text_blocks", "Paris is the capital.", []),
    ("anthropic/refusal_empty", "", []),
    ("anthropic/refusal_partial_text", "Hello..", []),
    ("anthropic/empty_end_turn", "", []),
]


@pytest.mark.parametrize(("name", "output", "calls"), ANSWERS, ids=[a[0] for a in ANSWERS])
def test_every_documented_shape_is_one_answer(fake_llm: FakeLLM, name: str, output: str,
                                              calls: list[ToolCall]) -> None:
    answer = ask(fake_llm, name.split("/")[0], name)
    assert answer.output == output
    assert answer.tool_calls == calls
    assert len(fake_llm.requests) == 1


@pytest.mark.parametrize(("name", "refusal"), [
    ("openai/refusal", "I'm sorry, I can't help with that."),
    ("anthropic/refusal_empty", "the model refused (stop_reason refusal)"),
    ("anthropic/refusal_partial_text", "This request was declined because it could enable cyber harm."),
])
def test_refusal_is_an_answer_marked_in_metadata(fake_llm: FakeLLM, name: str, refusal: str) -> None:
    answer = ask(fake_llm, name.split("/")[0], name)
    assert answer.metadata["refusal"] == refusal
    assert answer.input_tokens is not None  # billed once, usage kept


@pytest.mark.parametrize(("name", "reason"), [
    ("openai/content_filter", "content filter withheld the answer (finish_reason content_filter)"),
    ("openai/empty_choices", "the answer had no choices"),
    ("openai/openrouter_error_in_200", "upstream error inside a 200 answer: 502: Provider returned error"),
    ("openai/openrouter_finish_reason_error", "upstream error (finish_reason error): 502: upstream connection reset"),
])
def test_filters_and_upstream_errors_are_errored_once_with_their_reason(fake_llm: FakeLLM, name: str,
                                                                        reason: str) -> None:
    with pytest.raises(TargetError) as info:
        ask(fake_llm, "openai", name)
    assert reason in str(info.value) and "malformed" not in str(info.value)
    assert len(fake_llm.requests) == 1  # not retried: not billed five times


def test_openai_finish_reason_and_anthropic_stop_reason_are_kept(fake_llm: FakeLLM) -> None:
    assert ask(fake_llm, "openai", "openai/parallel_tool_calls").metadata == {"finish_reason": "tool_calls"}
    assert ask(fake_llm, "anthropic", "anthropic/tool_use").metadata == {"stop_reason": "tool_use"}


@pytest.mark.parametrize(("name", "refused"), [
    ("openai/refusal", True), ("anthropic/refusal_empty", True), ("anthropic/refusal_partial_text", True),
    ("openai/tool_calls_empty_content", False), ("anthropic/parallel_tool_use", False),
])
def test_is_refusal_reads_the_providers_mark(fake_llm: FakeLLM, tmp_path: Any, name: str, refused: bool) -> None:
    from eval_action.execution.scorers.base import ScoreContext
    from eval_action.execution.scorers.registry import score_case
    from eval_action.model.specs import ScorerSpec

    answer = ask(fake_llm, name.split("/")[0], name)
    ctx = ScoreContext(output=answer.output, vars={}, expected=None, case_id="c", prompt="p.prompt.yaml",
                       prompt_dir=tmp_path, repo_root=tmp_path, grader=None,  # type: ignore[arg-type]
                       tool_calls=answer.tool_calls, metadata=answer.metadata)
    score = asyncio.run(score_case([ScorerSpec(type="is-refusal")], ctx))["is-refusal"]
    assert score.passed is refused


def test_anthropic_prompt_cache_tokens_count(fake_llm: FakeLLM) -> None:
    """Anthropic reports prompt-cache reads and writes apart from input_tokens: a 2,051-token request
    served from the prompt cache read `tokens=4` before."""
    from eval_action.execution.runner import _cost
    from eval_action.model.specs import Config, Price, PromptJob, PromptSpec

    answer = ask(fake_llm, "anthropic", "anthropic/prompt_cache_usage")
    assert (answer.input_tokens, answer.cache_read_tokens, answer.cache_write_tokens) == (4, 2047, 0)
    assert answer.tokens == 2053  # 4 + 2,047 read from the cache + 2 out
    spec = PromptSpec(path="p", name="p", kind="yaml", provider=ProviderSpec(type="anthropic", model="m"),
                      messages=[], cases=[], scorers=[])
    priced = {"m": Price(input_per_mtok=1_000_000, output_per_mtok=1_000_000, cache_read_per_mtok=100_000)}
    job = PromptJob(spec=spec, repo_root=Path("."), config=Config(pricing=priced))
    assert _cost(job, answer) == pytest.approx(4 + 204.7 + 2)  # reads at their own (lower) price
