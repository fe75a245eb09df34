"""`*.prompty` (Prompty v1 and v2): front matter and `system:`/`user:`/`assistant:` role lines.

`model: NAME` or `model.id` names the model, `model.connection`/`configuration` where it is called
(see prompty_provider); `model.options` (v2, mapped to request parameters as Prompty's runtime
does) or `model.parameters` (v1, sent as they are) are the params. `inputs` give the variables'
defaults, and with the top-level `sample` (v1) the one case used when the eval block has none.
`tools` (v2 `kind: function`, v1 function tools) are our tools, `outputs` a JSON-schema response
format. `${file:…}` values are read (prompty_refs). A file without `evals:` is not an eval.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any

from eval_action.inputs.prompts import prompty_props as props
from eval_action.inputs.prompts.build import Draft
from eval_action.inputs.prompts.prompty_provider import literal_key, provider
from eval_action.inputs.prompts.prompty_refs import resolve_files
from eval_action.inputs.prompts.schema import PromptyHeader, PromptyModel
from eval_action.inputs.prompts.sections import Placed, default_name, front_matter, role_lines
from eval_action.inputs.yamlio import Loc, YamlDoc, show, validate
from eval_action.model.specs import Config, NotAnEval, ToolSpec

CHAT_APIS = ("chat", "responses", "agent")  # all sent as Chat Completions
TEMPLATE_FORMATS = ("jinja2", "jinja", "nunjucks")
_V2_OPTIONS = {"temperature": "temperature", "maxOutputTokens": "max_completion_tokens", "topP": "top_p",
               "frequencyPenalty": "frequency_penalty", "presencePenalty": "presence_penalty", "seed": "seed",
               "stopSequences": "stop", "allowMultipleToolCalls": "parallel_tool_calls"}
_V2_ANTHROPIC = {"temperature": "temperature", "maxOutputTokens": "max_tokens", "topP": "top_p", "topK": "top_k",
                 "stopSequences": "stop_sequences"}
_TRANSPORT = ("stream", "stream_options")  # answers are read whole
_SCHEMA_NAME = re.compile(r"[^A-Za-z0-9_-]")


def parse_prompty(text: str, file: Path, path: str, config: Config) -> Draft | NotAnEval:
    parts = front_matter(text, path)
    doc = parts.doc
    data, references = resolve_files(parts.data, file, path, doc)
    spec = validate(PromptyHeader, data, doc)
    _check_extras(spec, doc)
    model = spec.model if isinstance(spec.model, PromptyModel) else PromptyModel(id=spec.model)
    literal_key(model, doc)
    messages = role_lines(parts.body, path, parts.body_offset)
    if spec.evals is None:
        return NotAnEval(path)
    _check_runnable(spec, model, doc)
    provider_name, target = provider(model, config, doc)
    params = _params(model, "anthropic" if target.type == "anthropic" else "openai", doc)
    if spec.outputs:
        params.update(_structured_output(spec, target.type, doc))
    inputs = props.named(spec.inputs, doc, ("inputs",))
    sample = {**props.sample(inputs), **(spec.sample or {})}
    messages = _without_threads(messages, [name for name, p, _ in inputs if props.kind(p) == "thread"])
    return Draft(
        path=path, file=file, kind="prompty", doc=doc, name=spec.name or default_name(file, [".prompty"]),
        provider_name=provider_name, provider=target, params=params, messages=messages, evals=spec.evals,
        sample=sample, sample_loc=("sample",) if spec.sample else ("inputs",),
        var_defaults=props.defaults(inputs), tools=_tools(spec, model, doc), references=references,
    )


def _without_threads(messages: list[Placed], names: list[str]) -> list[Placed]:
    """A `thread` input's place is where Prompty splices in a conversation; here a dataset row's
    `messages:` carry it (after the prompt's own), so the placeholder is taken out."""
    if not names:
        return messages
    placeholder = re.compile(r"[ \t]*\{\{-?\s*(?:" + "|".join(map(re.escape, names)) + r")\s*-?\}\}[ \t]*\n?")
    out = [(m.model_copy(update={"content": placeholder.sub("", m.content).strip()}), line) for m, line in messages]
    return [(m, line) for m, line in out if m.content]


def _check_extras(spec: PromptyHeader, doc: YamlDoc) -> None:
    """Unknown keys are Prompty's to ignore, unless one looks like a misspelt key (`eval:` would
    otherwise make the file "not an eval" without a word)."""
    known = sorted(PromptyHeader.model_fields)
    for key in spec.model_extra or {}:
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.75)
        if close:
            raise doc.error(f"key `{show(key)}` is not a Prompty key — did you mean `{close[0]}`?", (key,))


def _check_runnable(spec: PromptyHeader, model: PromptyModel, doc: YamlDoc) -> None:
    api = model.apiType or model.api or "chat"
    if api not in CHAT_APIS:
        key = "apiType" if model.apiType else "api"
        raise doc.error(f"`model.{key}: {show(api)}` is not a chat model — eval-action evaluates chat prompts "
                        f"({', '.join(CHAT_APIS)}); drop `evals:` from this file", ("model", key))
    template = spec.template
    fmt = template.get("format", template.get("type")) if isinstance(template, dict) else template
    fmt = fmt.get("kind") if isinstance(fmt, dict) else fmt
    if fmt is not None and fmt not in TEMPLATE_FORMATS:
        raise doc.error(f"template format `{show(fmt)}` is not supported — eval-action renders Jinja2 "
                        "(`template: jinja2`)", ("template",))
    if (spec.model_extra or {}).get("base") is not None:
        raise doc.error("`base:` (inheriting another .prompty) is not supported — copy its settings into this "
                        "file", ("base",))


def _params(model: PromptyModel, family: str, doc: YamlDoc) -> dict[str, Any]:
    """v2 `options` renamed as Prompty's runtime does (`additionalProperties` passed through); v1
    `parameters` (and the snake_case keys of late-v1 `options`) sent as they are."""
    mapping, other = (_V2_ANTHROPIC, _V2_OPTIONS) if family == "anthropic" else (_V2_OPTIONS, _V2_ANTHROPIC)
    params: dict[str, Any] = {k: v for k, v in model.parameters.items() if k not in (*_TRANSPORT, "tools")}
    for key, value in model.options.items():
        if key in mapping:
            params[mapping[key]] = value
        elif key in other:
            raise doc.error(f"option `{key}` has no {family} parameter — drop it", ("model", "options", key))
        elif key == "additionalProperties" and isinstance(value, dict):
            params.update({k: v for k, v in value.items() if k not in params and k not in _TRANSPORT})
        elif key not in (*_TRANSPORT, "tools"):
            params[key] = value
    return params


def _structured_output(spec: PromptyHeader, target: str, doc: YamlDoc) -> dict[str, Any]:
    """`outputs` as Prompty sends them: OpenAI's strict JSON-schema response format (named
    `structured_output`, or after the prompt in v1), Anthropic's `output_config.format`."""
    outputs = props.named(spec.outputs, doc, ("outputs",))
    schema = props.json_schema(outputs, doc, strict=True)
    if target == "anthropic":
        return {"output_config": {"format": {"type": "json_schema", "schema": schema}}}
    v2 = isinstance(spec.outputs, list) or any("kind" in p for _, p, _ in outputs)
    name = "structured_output" if v2 or not spec.name else _SCHEMA_NAME.sub("_", spec.name.lower())[:64]
    return {"response_format": {"type": "json_schema", "json_schema": {"name": name, "strict": True, "schema": schema}}}


def _tools(spec: PromptyHeader, model: PromptyModel, doc: YamlDoc) -> list[ToolSpec]:
    raw = spec.tools
    found: list[tuple[Any, Loc]] = (
        [({"id": k, **v} if isinstance(v, dict) else v, ("tools", str(k))) for k, v in raw.items()]
        if isinstance(raw, dict) else [(t, ("tools", str(i))) for i, t in enumerate(raw or [])])
    for key, where in (("parameters", model.parameters), ("options", model.options)):  # v1: OpenAI's form
        listed = where.get("tools")
        if listed is not None and not isinstance(listed, list):
            raise doc.error("`tools` must be a list of tools", ("model", key, "tools"))
        found += [(t, ("model", key, "tools", str(i))) for i, t in enumerate(listed or [])]
    tools = [_tool(t, doc, loc) for t, loc in found]
    return [t for t in tools if t is not None]


def _tool(tool: Any, doc: YamlDoc, loc: Loc) -> ToolSpec | None:
    if not isinstance(tool, dict):
        raise doc.error("each tool must be a mapping (name, kind: function, description, parameters)", loc)
    if isinstance(tool.get("function"), dict):
        return validate(ToolSpec, tool, doc, loc)
    name = tool.get("name", tool.get("id"))
    if "kind" in tool:  # v2
        if tool["kind"] != "function":
            raise doc.error(f"tool `{show(name)}` is of kind `{show(tool['kind'])}` — eval-action sends function "
                            "tools (`kind: function`); Prompty turns mcp/openapi tools into functions by "
                            "calling their servers, which an eval does not", loc)
    elif tool.get("type") != "function":
        return None  # v1 sends function tools only and leaves the others to its agent loop
    given = tool.get("parameters")
    if isinstance(given, dict) and isinstance(given.get("properties"), list):
        given = given["properties"]
    schema = props.json_schema(props.named(given, doc, (*loc, "parameters")), doc)
    for bound in tool.get("bindings") or {}:  # filled in by the caller at run time, never by the model
        schema["properties"].pop(bound, None)
        if bound in schema.get("required", []):
            schema["required"].remove(bound)
    strict = bool(tool.get("strict"))
    if strict:
        schema["additionalProperties"] = False
    return validate(ToolSpec, {"name": name, "description": tool.get("description") or "", "parameters": schema,
                               "strict": True if strict else None}, doc, loc)
