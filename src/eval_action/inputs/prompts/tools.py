"""Checks on a prompt's `tools:` and `tool_choice`, before anything is sent.

A tool whose `parameters` is not a JSON Schema would be refused by the API on every case (or,
worse, accepted and never validated); a `tool_choice` naming no declared tool is a typo.
"""

from __future__ import annotations

from eval_action.inputs.yamlio import YamlDoc, show
from eval_action.model.errors import UserError, UserErrors
from eval_action.model.specs import ScorerSpec, ToolChoice, ToolSpec

NEEDS_TOOLS = ("is-valid-openai-tools-call", "not-is-valid-openai-tools-call")


def check_tools(tools: list[ToolSpec], choice: ToolChoice | None, scorers: list[ScorerSpec], path: str,
                doc: YamlDoc) -> None:
    problems = [doc.error(p, ("tools", str(i))) for i, t in enumerate(tools) for p in _tool(t, tools[:i])]
    if choice is not None:
        problems += [doc.error(p, ("tool_choice",)) for p in _choice(choice, tools)]
    for scorer in scorers:
        if scorer.type in NEEDS_TOOLS and not tools:
            problems.append(UserError(f"scorer `{scorer.type}` checks calls against the prompt's tools, but "
                                      "it declares none — add `tools:` to the prompt file", path, scorer.line))
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise UserErrors(problems)


def _tool(tool: ToolSpec, before: list[ToolSpec]) -> list[str]:
    import jsonschema  # ~35 ms: paid only by prompts that declare tools

    problems = []
    if any(t.name == tool.name for t in before):
        problems.append(f"tool `{show(tool.name)}` is declared twice — give each tool a distinct name")
    try:
        jsonschema.validators.validator_for(tool.parameters).check_schema(tool.parameters)
    except jsonschema.SchemaError as e:
        where = "/".join(str(p) for p in e.absolute_path) or "top level"
        problems.append(f"tool `{show(tool.name)}`: `parameters` is not a valid JSON Schema at {where} "
                        f"({show(e.message, 80)}) — fix the schema")
    if tool.parameters.get("type", "object") != "object":
        problems.append(f"tool `{show(tool.name)}`: `parameters` must be an object schema "
                        "(`type: object` with `properties`), as the APIs require")
    return problems


def _choice(choice: ToolChoice, tools: list[ToolSpec]) -> list[str]:
    if not tools and choice.mode != "none":
        return [f"`tool_choice: {choice.mode}` but the prompt declares no `tools:` — add them or drop it"]
    if choice.mode == "tool" and not any(t.name == choice.name for t in tools):
        known = ", ".join(t.name for t in tools)
        return [f"`tool_choice` names `{show(choice.name or '')}`, which is not a declared tool — "
                f"declared: {known}"]
    return []
