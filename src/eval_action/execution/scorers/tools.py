"""`is-valid-openai-tools-call` and `tool-call-f1`, with promptfoo's names, reasons and scores.

Both read the answer's `tool_calls`. When a target gave none, `tool-call-f1` also reads calls
serialised in the output text (a whole JSON document, or one JSON object per line), as
promptfoo does for providers that print their calls.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from eval_action.execution.scorers._common import fmt, is_templated, threshold_problems
from eval_action.execution.scorers.base import ScoreContext, ScorerDef, ScorerError
from eval_action.model.answer import ToolCall
from eval_action.model.results import Score
from eval_action.model.specs import ScorerSpec, ToolSpec


# ---------------------------------------------------------------- is-valid-openai-tools-call
async def valid_tools_call(spec: ScorerSpec, ctx: ScoreContext) -> Score:
    if not ctx.tool_calls:
        return Score(score=0, passed=False, reason="OpenAI did not return a valid-looking tools response: []")
    tools = {t.name: t for t in ctx.tools}
    for call in ctx.tool_calls:
        problem = _call_problem(call, tools.get(call.name))
        if problem:
            return Score(score=0, passed=False, reason=problem)
    return Score(score=1, passed=True, reason="Assertion passed")


def _call_problem(call: ToolCall, tool: ToolSpec | None) -> str | None:
    if tool is None:
        return f'Called "{call.name}", but there is no function with that name'
    if call.invalid_arguments:
        return f'Call to "{call.name}" has arguments that are not JSON: {str(call.arguments)[:80]}'
    schema = tool.parameters
    if not schema.get("properties") and "additionalProperties" not in schema:
        schema = {**schema, "additionalProperties": False}  # a tool without parameters takes none
    import jsonschema  # ~35 ms to import: paid only by runs that check tool calls

    try:
        jsonschema.validate(call.arguments, schema)
    except jsonschema.ValidationError as e:
        where = "/".join(str(p) for p in e.absolute_path)
        return f'Call to "{call.name}" does not match schema: {where + ": " if where else ""}{e.message}'
    return None


# ---------------------------------------------------------------- tool-call-f1
async def tool_call_f1(spec: ScorerSpec, ctx: ScoreContext) -> Score:
    expected = set(expected_names(spec.value))
    if not expected:
        raise ScorerError('"tool-call-f1" needs a value: a list of tool names or a comma-separated string')
    actual = {c.name for c in ctx.tool_calls} or names_in_text(ctx.output)
    hits = len(expected & actual)
    precision = hits / len(actual) if actual else 0.0
    recall = hits / len(expected)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    threshold = spec.threshold if spec.threshold is not None else 1.0
    lists = f"Expected: [{', '.join(sorted(expected))}], Called: [{', '.join(sorted(actual)) or '(none)'}]"
    if f1 >= threshold:
        reason = f"Tool Call F1: {f1:.3f} (precision={precision:.3f}, recall={recall:.3f}). {lists}"
        return Score(score=f1, passed=True, reason=reason)
    reason = (f"Tool Call F1 score {f1:.3f} is below threshold {fmt(threshold)}. {lists}. "
              f"Precision={precision:.3f}, Recall={recall:.3f}")
    return Score(score=f1, passed=False, reason=reason)


def expected_names(value: Any) -> list[str]:
    items = value.split(",") if isinstance(value, str) else value if isinstance(value, list) else []
    return [str(v).strip() for v in items if str(v).strip()]


def names_in_text(text: str) -> set[str]:
    """Tool names in calls printed as JSON: OpenAI, Anthropic and Google shapes, as promptfoo reads them."""
    try:
        return _names(json.loads(text))
    except ValueError:
        pass
    names: set[str] = set()
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(("{", "[")):
            try:
                names |= _names(json.loads(stripped))
            except ValueError:
                continue
    return names


def _names(data: Any) -> set[str]:
    if isinstance(data, list):
        return {n for item in data if isinstance(item, dict) for n in _item_names(item, listed=True)}
    if not isinstance(data, dict):
        return set()
    if isinstance(data.get("tool_calls"), list):
        return {n for c in data["tool_calls"] if isinstance(c, dict) for n in _item_names(c, listed=True)}
    live = data.get("toolCall")
    if isinstance(live, dict) and isinstance(live.get("functionCalls"), list):
        return {c["name"] for c in live["functionCalls"] if isinstance(c, dict) and isinstance(c.get("name"), str)}
    return _item_names(data, listed=False)


def _item_names(item: dict[str, Any], *, listed: bool) -> set[str]:
    """A lone object counts only in a call's own shape; inside a list of calls a bare `name` does too."""
    for key in ("function", "functionCall"):
        inner = item.get(key)
        if isinstance(inner, dict) and isinstance(inner.get("name"), str):
            return {inner["name"]}
    name = item.get("name")
    if isinstance(name, str) and ((listed and item.get("type") in (None, "tool_use", "function_call", "function"))
                                  or item.get("type") in ("tool_use", "function_call")):
        return {name}
    return set()


def _f1_validate(spec: ScorerSpec, prompt_dir: Path, repo_root: Path) -> list[str]:
    problems = threshold_problems(spec, 0, 1)
    if not is_templated(spec.value) and not expected_names(spec.value):
        problems.append("tool-call-f1 needs `value:` — the expected tool names, as a list or `a, b`")
    return problems


SCORERS: dict[str, ScorerDef] = {
    "is-valid-openai-tools-call": ScorerDef(valid_tools_call),
    "tool-call-f1": ScorerDef(tool_call_f1, _f1_validate),
}
