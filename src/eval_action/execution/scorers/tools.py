"""`is-valid-openai-tools-call` and `tool-call-f1`, with promptfoo's names, reasons and scores.

Both read the answer's `tool_calls`. When a target gave none, `tool-call-f1` also reads calls
serialised in the output text (a whole JSON document, or JSON blocks on lines of their own among
prose, fenced examples left out), as promptfoo does for providers that print their calls.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from eval_action.execution.scorers._common import fmt, is_templated, threshold_problems
from eval_action.execution.scorers._json import JsonScanLimit, json_on_own_lines, parse_whole
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
    return _f1(spec, ctx, inverse=False)


async def not_tool_call_f1(spec: ScorerSpec, ctx: ScoreContext) -> Score:
    """promptfoo's own inverse: passes below the threshold and keeps the F1 as the score."""
    return _f1(spec, ctx, inverse=True)


def _f1(spec: ScorerSpec, ctx: ScoreContext, *, inverse: bool) -> Score:
    expected = set(expected_names(spec.value))
    if not expected:
        raise ScorerError('"tool-call-f1" needs a value: a list of tool names or a comma-separated string')
    try:
        actual = {c.name for c in ctx.tool_calls} or names_in_text(ctx.output)
    except JsonScanLimit as e:  # a failure either way: `not-` must not turn an unread output into a pass
        return Score(score=0, passed=False, reason=f"Tool Call F1 {e}")
    hits = len(expected & actual)
    precision = hits / len(actual) if actual else 0.0
    recall = hits / len(expected)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    threshold = spec.threshold if spec.threshold is not None else 1.0
    lists = f"Expected: [{', '.join(sorted(expected))}], Called: [{', '.join(sorted(actual)) or '(none)'}]"
    if (f1 >= threshold) != inverse:
        reason = f"Tool Call F1: {f1:.3f} (precision={precision:.3f}, recall={recall:.3f}). {lists}"
        return Score(score=f1, passed=True, reason=reason)
    reason = (f"Tool Call F1 score {f1:.3f} is {'above' if inverse else 'below'} threshold {fmt(threshold)}. "
              f"{lists}. Precision={precision:.3f}, Recall={recall:.3f}")
    return Score(score=f1, passed=False, reason=reason)


def expected_names(value: Any) -> list[str]:
    items = value.split(",") if isinstance(value, str) else value if isinstance(value, list) else []
    return [str(v).strip() for v in items if str(v).strip()]


def names_in_text(text: str) -> set[str]:
    """Tool names in calls printed as JSON (OpenAI, Responses, Anthropic and Google shapes): the whole
    output, or blocks on lines of their own among prose, code-fenced examples left out, as promptfoo
    reads them. Raises JsonScanLimit on output too malformed to read."""
    ok, data = parse_whole(text)
    if ok:
        return _names(data)
    return {name for block in json_on_own_lines(text) for name in _names(block)}


def _names(data: Any) -> set[str]:
    if isinstance(data, str):  # a JSON string holding the serialised calls
        return names_in_text(data)
    if isinstance(data, list):
        return {n for item in data if isinstance(item, dict) for n in _listed_names(item)}
    if not isinstance(data, dict):
        return set()
    if isinstance(data.get("tool_calls"), list):
        return {n for call in data["tool_calls"] if isinstance(call, dict)
                for n in (_name(call.get("function")), _name(call)) if n}
    if data.get("type") in ("tool_use", "function_call") and isinstance(data.get("name"), str):
        return {data["name"]}
    if isinstance(data.get("functionCall"), dict | list):
        return {n} if (n := _name(data["functionCall"])) else set()
    calls = data["toolCall"].get("functionCalls") if isinstance(data.get("toolCall"), dict) else None
    return {n for c in calls if (n := _name(c))} if isinstance(calls, list) else set()


def _listed_names(item: dict[str, Any]) -> set[str]:
    """An item of a list of calls or content blocks: its first shape that is an object decides."""
    if item.get("type") == "tool_use" and isinstance(item.get("name"), str):
        return {item["name"]}
    for key in ("functionCall", "function"):
        if isinstance(item.get(key), dict | list):  # an object of that shape, named or not
            return {n} if (n := _name(item[key])) else set()
    return {n} if (n := _name(item)) else set()


def _name(value: Any) -> str | None:
    name = value.get("name") if isinstance(value, dict) else None
    return name if isinstance(name, str) else None


def _f1_validate(spec: ScorerSpec, prompt_dir: Path, repo_root: Path) -> list[str]:
    problems = threshold_problems(spec, 0, 1)
    if not is_templated(spec.value) and not expected_names(spec.value):
        problems.append("tool-call-f1 needs `value:` — the expected tool names, as a list or `a, b`")
    return problems


SCORERS: dict[str, ScorerDef] = {
    "is-valid-openai-tools-call": ScorerDef(valid_tools_call),
    "tool-call-f1": ScorerDef(tool_call_f1, _f1_validate, inverse=not_tool_call_f1),
}
