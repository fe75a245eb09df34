"""Messages API bodies: tools, tool turns and the answer, converted from and to our one shape.

Tools become `{name, description, input_schema}`; `required` is Anthropic's `any`. An assistant
turn's calls become `tool_use` blocks and `tool` turns become `tool_result` blocks of one user
turn (consecutive results share it, as the API requires). In the answer, text blocks join as the
output, `tool_use` blocks are the calls and `thinking` blocks are not part of the output. A
refusal (`stop_reason: "refusal"`, often with `content: []`) is an answer like any other.
"""

from __future__ import annotations

from typing import Any

from eval_action.execution.targets.http import short_message
from eval_action.model.answer import Answer, ToolCall
from eval_action.model.errors import TargetError
from eval_action.model.specs import Message, ToolChoice, ToolSpec

_CHOICE = {"auto": "auto", "none": "none", "required": "any", "tool": "tool"}


def tools_payload(tools: list[ToolSpec], choice: ToolChoice | None) -> dict[str, Any]:
    payload: dict[str, Any] = {}
    if tools:
        payload["tools"] = [{"name": t.name, "description": t.description, "input_schema": t.parameters}
                            for t in tools]
    if choice is not None:
        payload["tool_choice"] = {"type": _CHOICE[choice.mode],
                                  **({"name": choice.name} if choice.mode == "tool" else {})}
    return payload


def turns(messages: list[Message]) -> list[dict[str, Any]]:
    """Every non-system turn in Anthropic's form."""
    out: list[dict[str, Any]] = []
    for m in messages:
        if m.role == "system":
            continue
        if m.role == "tool":
            block = {"type": "tool_result", "tool_use_id": m.tool_call_id or "", "content": m.content}
            if out and out[-1]["role"] == "user" and isinstance(out[-1]["content"], list):
                out[-1]["content"].append(block)
            else:
                out.append({"role": "user", "content": [block]})
        elif m.tool_calls:
            text = [{"type": "text", "text": m.content}] if m.content else []
            uses = [{"type": "tool_use", "id": c.id or f"toolu_{i}", "name": c.name,
                     "input": c.arguments if isinstance(c.arguments, dict) else {}}
                    for i, c in enumerate(m.tool_calls)]
            out.append({"role": "assistant", "content": text + uses})
        else:
            out.append({"role": m.role, "content": m.content})
    return out


def parse_message(body: Any) -> Answer:
    """KeyError/TypeError for a body that isn't a message (retried as malformed)."""
    if isinstance(body, dict) and body.get("type") == "error":
        raise TargetError(f"upstream error inside a 200 answer: {short_message(str(body.get('error')))}")
    blocks = body["content"]
    text = "".join(b["text"] for b in blocks if b.get("type") == "text")
    calls = [ToolCall(id=b.get("id"), name=b["name"], arguments=b.get("input", {}))
             for b in blocks if b.get("type") == "tool_use"]
    stop = body.get("stop_reason")
    metadata: dict[str, Any] = {"stop_reason": stop} if stop else {}
    if stop == "refusal":
        details = body.get("stop_details") or {}
        metadata["refusal"] = details.get("explanation") or "the model refused (stop_reason refusal)"
    usage = body.get("usage") or {}
    return Answer(output=text, tool_calls=calls, metadata=metadata, input_tokens=usage.get("input_tokens"),
                  output_tokens=usage.get("output_tokens"),
                  cache_read_tokens=usage.get("cache_read_input_tokens") or 0,
                  cache_write_tokens=usage.get("cache_creation_input_tokens") or 0)
