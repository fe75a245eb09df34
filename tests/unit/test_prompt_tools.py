"""`tools:`/`tool_choice` in prompt files, case-level `messages:`, row `assert:` and `timeout_s`:
loaded, checked before any call, and sent in each provider's own wire form."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest

from eval_action.execution.cache import ResponseCache
from eval_action.execution.ratelimit import Limiter
from eval_action.execution.runner import RunOptions, run_jobs_sync
from eval_action.execution.targets.anthropic import AnthropicTarget
from eval_action.execution.targets.base import TargetRequest
from eval_action.execution.targets.caller import Caller
from eval_action.execution.targets.http import HttpPool
from eval_action.execution.targets.openai import OpenAITarget
from eval_action.inputs.prompts import load_prompt
from eval_action.inputs.templating import render_messages
from eval_action.model.answer import ToolCall
from eval_action.model.errors import UserError
from eval_action.model.specs import (
    Case,
    Config,
    Message,
    PromptJob,
    PromptSpec,
    ProviderSpec,
    ToolChoice,
    ToolSpec,
)
from fakes.llm import FakeLLM

CONFIG = Config(providers={"default": ProviderSpec(type="openai", model="m", base_url="http://127.0.0.1:9/v1")})
WEATHER = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
PROMPT = """\
messages:
  - {role: user, content: "Weather in {{ city }}?"}
tools:
  - type: function
    function: {name: get_weather, description: Current weather, parameters: %s}
  - {name: get_time, parameters: {type: object, properties: {tz: {type: string}}}}
tool_choice: %s
evals:
  cases:
    - vars: {city: Paris}
      messages:
        - role: assistant
          content: null
          tool_calls: [{id: call_1, type: function, function: {name: get_weather, arguments: '{"city": "Paris"}'}}]
        - {role: tool, tool_call_id: call_1, content: "18C, sunny"}
        - {role: user, content: "And in Rome?"}
      assert: [{type: trajectory:tool-used, value: get_weather}]
      timeout_s: 5
  scorers: [{type: is-valid-openai-tools-call}]
"""


def load(tmp_path: Path, choice: str = "required", schema: str = "{type: object, properties: {city: {type: string}}, "
         "required: [city]}") -> Any:
    (tmp_path / "w.prompt.yaml").write_text(PROMPT % (schema, choice))
    return load_prompt(Path("w.prompt.yaml"), tmp_path, CONFIG)


def test_both_tool_forms_load_the_same(tmp_path: Path) -> None:
    spec = load(tmp_path)
    assert spec.tools == [ToolSpec(name="get_weather", description="Current weather", parameters=WEATHER),
                          ToolSpec(name="get_time",
                                   parameters={"type": "object", "properties": {"tz": {"type": "string"}}})]
    assert spec.tool_choice == ToolChoice(mode="required")


@pytest.mark.parametrize(("written", "choice"), [
    ("auto", ToolChoice(mode="auto")),
    ("{type: function, function: {name: get_time}}", ToolChoice(mode="tool", name="get_time")),
    ("{name: get_time}", ToolChoice(mode="tool", name="get_time")),
])
def test_tool_choice_forms(tmp_path: Path, written: str, choice: ToolChoice) -> None:
    assert load(tmp_path, written).tool_choice == choice


def test_row_messages_assert_and_timeout_load(tmp_path: Path) -> None:
    case = load(tmp_path).cases[0]
    assert [m.role for m in case.messages] == ["assistant", "tool", "user"]
    assert case.messages[0].tool_calls == [ToolCall(id="call_1", name="get_weather", arguments={"city": "Paris"})]
    assert case.messages[1].tool_call_id == "call_1"
    assert [s.type for s in case.scorers] == ["trajectory:tool-used"] and case.timeout_s == 5


@pytest.mark.parametrize(("choice", "schema", "says"), [
    ("{name: get_wether}", "{type: object}", "`tool_choice` names `get_wether`, which is not a declared tool"),
    ("auto", "{type: objekt}", "tool `get_weather`: `parameters` is not a valid JSON Schema"),
    ("auto", "{type: string}", "`parameters` must be an object schema"),
])
def test_bad_tools_are_config_errors_with_the_line(tmp_path: Path, choice: str, schema: str, says: str) -> None:
    with pytest.raises(UserError) as info:
        load(tmp_path, choice, schema)
    assert says in str(info.value) and str(info.value).startswith("w.prompt.yaml:")


def test_tools_scorer_without_tools_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "n.prompt.yaml").write_text(
        "messages: [{role: user, content: hi}]\nevals:\n  cases: [{vars: {}}]\n"
        "  scorers: [{type: is-valid-openai-tools-call}]\n")
    with pytest.raises(UserError, match="declares none — add `tools:`"):
        load_prompt(Path("n.prompt.yaml"), tmp_path, CONFIG)


@pytest.mark.parametrize(("row", "says"), [
    ('{"vars": {}, "timeout_s": -1}', "row `timeout_s`"),
    ('{"vars": {}, "messages": [{"role": "robot", "content": "x"}]}', "row `messages.0.role`"),
    ('{"vars": {}, "assert": [{"value": "x"}]}', "row `assert.0.type`"),
])
def test_bad_row_settings_name_the_row(tmp_path: Path, row: str, says: str) -> None:
    (tmp_path / "d.jsonl").write_text(row + "\n")
    (tmp_path / "r.prompt.yaml").write_text(
        "messages: [{role: user, content: hi}]\nevals:\n  dataset: d.jsonl\n  scorers: [{type: contains, value: a}]\n")
    with pytest.raises(UserError) as info:
        load_prompt(Path("r.prompt.yaml"), tmp_path, CONFIG)
    assert says in str(info.value) and str(info.value).startswith("d.jsonl:1:")


def send(llm: FakeLLM, provider: str, request: TargetRequest) -> dict[str, Any]:
    async def main() -> None:
        async with HttpPool(2, retries=0) as http:
            if provider == "openai":
                spec = ProviderSpec(type="openai", model="m", base_url=llm.url + "/v1")
                await OpenAITarget(spec, env={}, http=http, timeout_s=5).complete(request)
            else:
                spec = ProviderSpec(type="anthropic", model="m", base_url=llm.url)
                await AnthropicTarget(spec, env={}, http=http, timeout_s=5).complete(request)
    asyncio.run(main())
    return llm.requests[-1].body


def request_for(tmp_path: Path, choice: str = "required") -> TargetRequest:
    spec = load(tmp_path, choice)
    return TargetRequest(messages=render_messages(spec, spec.cases[0], tmp_path), tools=spec.tools,
                         tool_choice=spec.tool_choice)


def test_openai_gets_function_tools_and_wire_form_turns(tmp_path: Path, fake_llm: FakeLLM) -> None:
    body = send(fake_llm, "openai", request_for(tmp_path))
    assert body["tools"][0] == {"type": "function", "function": {
        "name": "get_weather", "description": "Current weather", "parameters": WEATHER}}
    assert body["tool_choice"] == "required"
    assert body["messages"] == [
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function",
             "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}]},
        {"role": "tool", "content": "18C, sunny", "tool_call_id": "call_1"},
        {"role": "user", "content": "And in Rome?"}]


@pytest.mark.parametrize(("choice", "sent"), [
    ("required", {"type": "any"}), ("auto", {"type": "auto"}), ("none", {"type": "none"}),
    ("{name: get_time}", {"type": "tool", "name": "get_time"}),
])
def test_anthropic_gets_input_schema_and_its_tool_choice(tmp_path: Path, fake_llm: FakeLLM, choice: str,
                                                         sent: dict[str, str]) -> None:
    body = send(fake_llm, "anthropic", request_for(tmp_path, choice))
    assert body["tools"][0] == {"name": "get_weather", "description": "Current weather", "input_schema": WEATHER}
    assert body["tool_choice"] == sent


def test_anthropic_gets_tool_use_and_tool_result_blocks(tmp_path: Path, fake_llm: FakeLLM) -> None:
    body = send(fake_llm, "anthropic", request_for(tmp_path))
    assert body["messages"] == [
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": [
            {"type": "tool_use", "id": "call_1", "name": "get_weather", "input": {"city": "Paris"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "call_1", "content": "18C, sunny"}]},
        {"role": "user", "content": "And in Rome?"}]


def test_tools_are_part_of_the_cache_key(tmp_path: Path, fake_llm: FakeLLM) -> None:
    request = request_for(tmp_path)
    other = request.model_copy(update={"tools": request.tools[:1]})
    target = OpenAITarget(ProviderSpec(type="openai", model="m", base_url=fake_llm.url + "/v1"), env={},
                          http=HttpPool(1), timeout_s=5)
    caller = Caller(Limiter(1), ResponseCache(tmp_path / "cache"))
    plain = request.model_copy(update={"tools": [], "tool_choice": None})
    keys = {caller._key(target, r, 0) for r in (request, other, plain)}
    assert len(keys) == 3


def test_validate_checks_a_rows_own_scorers(tmp_path: Path) -> None:
    from eval_action.commands.validate import validate_repo

    row = {"id": "r1", "vars": {}, "assert": [{"type": "trajectory:tool-usd", "value": "x"}]}
    (tmp_path / "d.jsonl").write_text(json.dumps(row) + "\n")
    (tmp_path / "r.prompt.yaml").write_text(
        "messages: [{role: user, content: hi}]\nevals:\n  dataset: d.jsonl\n  scorers: [{type: contains, value: a}]\n")
    problems, count, _ = validate_repo(tmp_path, None, [])
    assert count == 1
    assert any(p.startswith("d.jsonl:1: case `r1` scorer `trajectory:tool-usd`: unknown scorer type") and
               "did you mean 'trajectory:tool-used'?" in p for p in problems), problems


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
def test_a_rows_timeout_s_bounds_a_model_targets_attempt_both_ways(tmp_path: Path, kind: str) -> None:
    """The row's limit replaces the run's for its own case, as for python and command targets: a short one
    errors a slow answer, a long one lets a slow answer through a short run-wide limit."""
    with FakeLLM(latency=1.0) as llm:
        provider = ProviderSpec(type=kind, model="m", base_url=llm.url + ("/v1" if kind == "openai" else ""),
                                api_key_env="FAKE_KEY")
        spec = PromptSpec(path="p.prompt.yaml", name="p", kind="yaml", provider=provider,
                          messages=[Message(role="user", content="hi {{ n }}")],
                          cases=[Case(id="short", vars={"n": 1}, timeout_s=0.2),
                                 Case(id="long", vars={"n": 2}, timeout_s=10)], scorers=[])
        opts = RunOptions(concurrency=2, timeout_s=0.5, retries=0, use_cache=False, cache_dir=tmp_path)
        start = time.monotonic()
        (results,) = run_jobs_sync([PromptJob(spec=spec, repo_root=tmp_path, config=Config())], opts,
                                   {"FAKE_KEY": "k"})
    by_id = {c.id: c for c in results}
    assert by_id["short"].error is not None and "timed out after 0.2s" in by_id["short"].error
    assert by_id["long"].error is None and by_id["long"].output
    assert time.monotonic() - start < 5
