"""Chat Completions bodies: tools out, the answer in, in every shape the API documents.

`message.tool_calls` is read whatever `content` is (null, "" as Ollama sends, or text), as is
the deprecated `function_call`. A refusal is the model's answer (its text becomes the output).
A content filter, an empty `choices` and an upstream error carried inside a 200 (OpenRouter's
`{"error": …}` and `finish_reason: "error"`) raise TargetError: the case is errored with the
reason, and nothing is retried, since asking again costs money and gets the same answer.
"""

from __future__ import annotations

import json
from typing import Any

from eval_action.execution.targets.http import short_message
from eval_action.model.answer import Answer, ToolCall
from eval_action.model.errors import TargetError
from eval_action.model.specs import ToolChoice, ToolSpec


def tools_payload(tools: list[ToolSpec], choice: ToolChoice | None) -> dict[str, Any]:
    payload: dict[str, Any] = {}
    if tools:
        payload["tools"] = [{"type": "function", "function": tool.model_dump(exclude_none=True)}
                            for tool in tools]
    if choice is not None:
        payload["tool_choice"] = (choice.mode if choice.mode != "tool"
                                  else {"type": "function", "function": {"name": choice.name}})
    return payload


def parse_completion(body: Any) -> Answer:
    """KeyError/TypeError/ValueError for a body that isn't a completion (retried as malformed)."""
    if isinstance(body, dict) and body.get("error") and not body.get("choices"):
        raise TargetError(f"upstream error inside a 200 answer: {_error_text(body['error'])}")
    choices = body["choices"]
    if not choices:
        raise TargetError("the answer had no choices (a content filter on the prompt often does this)")
    choice = choices[0]
    finish = choice.get("finish_reason")
    if finish == "error":
        raise TargetError(f"upstream error (finish_reason error): {_error_text(choice.get('error'))}")
    if finish == "content_filter":
        raise TargetError("the provider's content filter withheld the answer (finish_reason content_filter)")
    message = choice["message"]
    calls = _tool_calls(message)
    refusal = message.get("refusal")
    text = _text(message.get("content"))
    if text is None and not calls and not isinstance(refusal, str):
        raise ValueError("no message content")
    metadata: dict[str, Any] = {"finish_reason": finish} if finish else {}
    if isinstance(refusal, str) and refusal:
        metadata["refusal"] = refusal
    usage = body.get("usage") or {}
    return Answer(output=text or (refusal if isinstance(refusal, str) else ""), tool_calls=calls,
                  metadata=metadata, input_tokens=usage.get("prompt_tokens"),
                  output_tokens=usage.get("completion_tokens"), logprobs=_logprobs(choice.get("logprobs")))


def _logprobs(found: Any) -> list[float] | None:
    """`choices[].logprobs.content[].logprob` (sent when the request asks `logprobs: true`); a refusal's
    tokens come under `logprobs.refusal` instead."""
    if not isinstance(found, dict):
        return None
    tokens = found.get("content") or found.get("refusal")
    if not isinstance(tokens, list) or not tokens:
        return None
    return [float(t["logprob"]) for t in tokens]


def _text(content: Any) -> str | None:
    if isinstance(content, list):  # some compatible servers answer with content parts
        return "".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
    return content if isinstance(content, str) else None


def _tool_calls(message: dict[str, Any]) -> list[ToolCall]:
    calls = []
    for call in message.get("tool_calls") or []:
        if call.get("type") == "custom":  # free-text input by design: not JSON, not flagged
            calls.append(ToolCall(id=call.get("id"), name=call["custom"]["name"],
                                  arguments=call["custom"].get("input", "")))
        else:
            fn = call["function"]
            calls.append(ToolCall.from_json_arguments(fn["name"], fn.get("arguments"), call.get("id")))
    legacy = message.get("function_call")
    if isinstance(legacy, dict) and legacy.get("name"):
        calls.append(ToolCall.from_json_arguments(legacy["name"], legacy.get("arguments")))
    return calls


def _error_text(error: Any) -> str:
    if isinstance(error, dict) and "code" in error and "message" in error:
        return short_message(json.dumps({"error": {"message": f"{error['code']}: {error['message']}"}}))
    return short_message(json.dumps({"error": error})) if error is not None else "no details given"
