"""A python or command agent returning the whole answer: tool calls and trace reach the scorers."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from eval_action.execution.targets.agent_answer import agent_answer
from eval_action.execution.targets.base import TargetRequest
from eval_action.execution.targets.command import CommandTarget
from eval_action.execution.targets.python_fn import PythonTarget
from eval_action.execution.usercode.pool import UserCode
from eval_action.model.answer import Answer, ToolCall, TraceStep
from eval_action.model.errors import TargetError
from eval_action.model.specs import Message, ProviderSpec, ToolSpec

ANSWER = {"output": "Refund issued.",
          "tool_calls": [{"id": "c1", "name": "lookup_order", "arguments": {"order_id": "A1"}},
                         {"name": "issue_refund", "arguments": '{"order_id": "A1", "amount": 20}'},
                         {"type": "function", "function": {"name": "notify", "arguments": "{bad"}}],
          "trace": [{"type": "tool_call", "name": "lookup_order", "duration_ms": 3.5, "span": "x"}],
          "metadata": {"agent": "v2"}, "tokens": 9, "cost_usd": 0.25}
CALLS = [ToolCall(id="c1", name="lookup_order", arguments={"order_id": "A1"}),
         ToolCall(name="issue_refund", arguments={"order_id": "A1", "amount": 20}),
         ToolCall(name="notify", arguments="{bad", invalid_arguments=True)]
REQUEST = TargetRequest(messages=[Message(role="user", content="refund A1")],
                        tools=[ToolSpec(name="lookup_order")])


def test_python_agent_returns_the_whole_answer(tmp_path: Path) -> None:
    (tmp_path / "agent.py").write_text(
        f"def run(messages, context):\n    assert context['tools'][0]['name'] == 'lookup_order'\n"
        f"    return {ANSWER!r}\n")
    async def complete() -> Answer:
        usercode = UserCode(dict(os.environ), threads=1)
        spec = ProviderSpec(type="python", function="agent.py:run", python=sys.executable)
        try:
            return await PythonTarget(spec, repo_root=tmp_path, timeout_s=5, usercode=usercode).complete(REQUEST)
        finally:
            await usercode.aclose()
    answer = asyncio.run(complete())
    assert answer.output == "Refund issued." and answer.tool_calls == CALLS
    assert answer.trace == [TraceStep(type="tool_call", name="lookup_order", duration_ms=3.5, span="x")]
    assert answer.metadata == {"agent": "v2"} and answer.tokens == 9 and answer.cost_usd == 0.25


def test_command_agent_prints_the_whole_answer(tmp_path: Path) -> None:
    (tmp_path / "agent.py").write_text(textwrap.dedent(f"""
        import json, sys
        request = json.load(sys.stdin)
        assert request["tools"] == [{{"name": "lookup_order", "description": "",
                                     "parameters": {{"type": "object", "properties": {{}}}}}}]
        print(json.dumps({json.dumps(ANSWER)}))
    """))
    target = CommandTarget(ProviderSpec(type="command", command=[sys.executable, "agent.py"]),
                           env={"PATH": os.environ["PATH"]}, repo_root=tmp_path, timeout_s=5)
    answer = asyncio.run(target.complete(REQUEST))
    assert answer.tool_calls == CALLS and answer.metadata == {"agent": "v2"}


def test_tool_calls_alone_are_an_answer_with_empty_output() -> None:
    answer = agent_answer({"tool_calls": [{"name": "search", "args": {"q": "x"}}]}, "agent")
    assert answer.output == "" and answer.tool_calls == [ToolCall(name="search", arguments={"q": "x"})]


def test_a_plain_string_still_means_output() -> None:
    assert agent_answer("Paris", "agent").output == "Paris"


@pytest.mark.parametrize(("result", "says"), [
    (42, "returned int"),
    ({"answer": "x"}, "returned dict"),
    ({"output": 3}, "output of type int"),
    ({"output": "", "tool_calls": {"name": "x"}}, "tool_calls that is not a list"),
    ({"output": "", "tool_calls": [{"arguments": {}}]}, "tool_calls[0] without a name"),
    ({"output": "", "trace": [{"name": "no type"}]}, "malformed answer (type: Field required)"),
    ({"output": "", "metadata": [1]}, "metadata that is not an object"),
])
def test_a_wrong_shape_is_errored_with_the_contract(result: Any, says: str) -> None:
    with pytest.raises(TargetError) as info:
        agent_answer(result, "agent.py:run")
    assert says in str(info.value) and '"tool_calls"' in str(info.value)


def test_results_json_keeps_calls_trace_and_metadata() -> None:
    from eval_action.model.results import CaseResult

    answer = agent_answer(ANSWER, "agent")
    case = CaseResult(id="a", passed=True, output=answer.output, tool_calls=answer.tool_calls,
                      trace=answer.trace, metadata=answer.metadata)
    data = json.loads(case.model_dump_json())
    assert data["tool_calls"][1] == {"id": None, "name": "issue_refund",
                                     "arguments": {"order_id": "A1", "amount": 20}, "invalid_arguments": False}
    assert data["trace"][0]["span"] == "x" and data["metadata"] == {"agent": "v2"}
    assert CaseResult.model_validate(data) == case  # feedable back as a baseline


def test_a_cached_answer_keeps_its_calls_and_secrets_never_reach_them(tmp_path: Path) -> None:
    from eval_action.execution.cache import ResponseCache
    from eval_action.execution.ratelimit import Limiter
    from eval_action.execution.targets.caller import Caller
    from eval_action.model.answer import Answer

    class Echoing:
        """A cacheable target whose model echoes a key into a tool call's arguments."""

        calls = 0

        def cache_identity(self) -> dict[str, Any]:
            return {"type": "test"}

        async def complete(self, request: TargetRequest) -> Answer:
            Echoing.calls += 1
            return Answer(output="ok", tool_calls=[ToolCall(name="send", arguments={"token": "sk-SECRET-1"})],
                          metadata={"finish_reason": "tool_calls"})

    async def twice() -> tuple[Answer, Answer]:
        caller = Caller(Limiter(1), ResponseCache(tmp_path / "cache"), secrets=("sk-SECRET-1",))
        first = await caller.complete(Echoing(), REQUEST)
        await caller.cache.aclose()
        again = Caller(Limiter(1), ResponseCache(tmp_path / "cache"), secrets=("sk-SECRET-1",))
        second = await again.complete(Echoing(), REQUEST)
        await again.cache.aclose()
        return first, second

    first, second = asyncio.run(twice())
    assert Echoing.calls == 1 and second.cached
    assert second.tool_calls == first.tool_calls == [ToolCall(name="send", arguments={"token": "[redacted]"})]
    assert second.metadata == {"finish_reason": "tool_calls"}
    assert not any("sk-SECRET-1" in p.read_text() for p in (tmp_path / "cache").rglob("*") if p.is_file())
