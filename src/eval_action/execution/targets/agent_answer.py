"""What a `python` or `command` agent returns, read into an Answer.

A string is the output. An object may carry `output`, `tool_calls` (`{id?, name, arguments}`,
arguments as an object or a JSON string; OpenAI's `{function: {name, arguments}}` form too),
`trace`, `metadata`, `tokens` and `cost_usd`. A wrong shape is the agent's bug: the case is
errored with what to return, never scored on a guess.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from eval_action.model.answer import Answer, ToolCall, TraceStep
from eval_action.model.errors import TargetError

CONTRACT = ('return a string, or {"output": str, "tool_calls": [{"name", "arguments"}], "trace": [...], '
            '"metadata": {...}, "tokens": int, "cost_usd": float}')
KEYS = ("output", "tool_calls")  # an object with neither is not an answer


def agent_answer(result: Any, who: str) -> Answer:
    if isinstance(result, str):
        return Answer(output=result)
    if not isinstance(result, dict) or not any(k in result for k in KEYS):
        raise TargetError(f"{who} returned {type(result).__name__}; {CONTRACT}")
    output = result.get("output", "")
    if not isinstance(output, str):
        raise TargetError(f"{who} returned output of type {type(output).__name__}; {CONTRACT}")
    tokens, cost, metadata = result.get("tokens"), result.get("cost_usd"), result.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise TargetError(f"{who} returned metadata that is not an object; {CONTRACT}")
    try:
        return Answer(output=output, tool_calls=_calls(result.get("tool_calls"), who),
                      trace=[TraceStep.model_validate(s) for s in _list(result.get("trace"), "trace", who)],
                      metadata=metadata,
                      output_tokens=tokens if isinstance(tokens, int) and not isinstance(tokens, bool) else None,
                      cost_usd=float(cost) if isinstance(cost, int | float) else None)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise TargetError(f"{who} returned a malformed answer ({where}: {first['msg']}); {CONTRACT}") from None


def _calls(value: Any, who: str) -> list[ToolCall]:
    calls = []
    for i, call in enumerate(_list(value, "tool_calls", who)):
        if not isinstance(call, dict):
            raise TargetError(f"{who} returned tool_calls[{i}] that is not an object; {CONTRACT}")
        fn: dict[str, Any] = call["function"] if isinstance(call.get("function"), dict) else call
        name = fn.get("name")
        if not isinstance(name, str) or not name:
            raise TargetError(f"{who} returned tool_calls[{i}] without a name; {CONTRACT}")
        arguments = fn.get("arguments", fn.get("args", fn.get("input")))
        calls.append(ToolCall.from_json_arguments(name, {} if arguments is None else arguments,
                                                  call.get("id") if isinstance(call.get("id"), str) else None))
    return calls


def _list(value: Any, key: str, who: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise TargetError(f"{who} returned {key} that is not a list; {CONTRACT}")
    return value
