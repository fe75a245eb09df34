"""AgentMark's settings in our terms: `model_name` → provider, `text_config`/`object_config` → params,
`tools` names → tool definitions, `test_settings.evals` names → scorers.

Settings are sent only where the target's API has them: a setting it lacks is an error naming it
(the API would refuse every call), except AgentMark's own runtime keys (`max_calls` bounds its tool
loop, `max_retries` its retries), which no API takes and which are dropped: eval-action scores one
model turn and retries with `defaults.retries`.
"""

from __future__ import annotations

import re
from typing import Any

from eval_action.inputs.prompts.build import resolve_provider
from eval_action.inputs.prompts.schema import AmModelConfig, AmObjectConfig, TestSettings
from eval_action.inputs.yamlio import Loc, YamlDoc, show
from eval_action.model.specs import Config, ProviderSpec, ScorerSpec, ToolChoice, ToolSpec

MODEL_APIS = ("openai", "anthropic")  # `provider/model` prefixes with a built-in provider
# AgentMark eval names whose meaning is fixed by AgentMark's own scaffold and examples
EVALS: dict[str, dict[str, Any]] = {
    "exact_match": {"type": "equals"},  # output === expectedOutput
    "exact_match_json": {"type": "agentmark/exact_match_json"},  # both parsed as JSON, then compared
}
_COMMON = ("max_tokens", "temperature", "top_p")
_OPENAI_ONLY = ("presence_penalty", "frequency_penalty", "seed")
_SCHEMA_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def provider(model_name: str | None, config: Config, doc: YamlDoc,
             loc: Loc) -> tuple[str | None, ProviderSpec]:
    """`openai/x`, `anthropic/x`: the config's provider named so, else its `default` when of that type,
    else its first of that type, else the built-in one. `name/x` for another name needs a provider of
    that name. A bare model name replaces the `default` provider's model."""
    if model_name is None:
        return resolve_provider(None, config, doc, loc)
    prefix, slash, model = model_name.partition("/")
    if not slash or not prefix or not model:
        _, default = resolve_provider(None, config, doc, loc)
        return None, default.model_copy(update={"model": model_name})
    entries = config.providers
    ordered = [entries[prefix]] if prefix in entries else []
    if prefix in MODEL_APIS:
        ordered += [p for n, p in sorted(entries.items(), key=lambda e: e[0] != "default") if p.type == prefix]
        ordered.append(ProviderSpec(type=prefix))  # type: ignore[arg-type]
    if not ordered:
        raise doc.error(f"model `{show(model_name)}`: `{show(prefix)}` is neither openai, anthropic nor a provider "
                        f"of eval-action.yaml — add a provider named `{show(prefix)}` (e.g. an OpenAI-compatible "
                        "endpoint) or use openai/… or anthropic/…", (*loc, "model_name"))
    return None, ordered[0].model_copy(update={"model": model})


def params(cfg: AmModelConfig, target: ProviderSpec, doc: YamlDoc, loc: Loc) -> dict[str, Any]:
    given = {k: v for k, v in cfg.model_dump(include={*_COMMON, *_OPENAI_ONLY, "top_k", "stop_sequences"},
                                             exclude_none=True).items()}
    if target.type in ("python", "command"):
        out = given  # the user's own code: AgentMark's names, as written
    elif target.type == "anthropic":
        _refuse(given, _OPENAI_ONLY, "Anthropic's Messages API", doc, loc)
        out = given
    else:
        _refuse(given, ("top_k",), "OpenAI-compatible APIs", doc, loc)
        out = {("stop" if k == "stop_sequences" else k): v for k, v in given.items()}
    if isinstance(cfg, AmObjectConfig):
        out.update(_response_format(cfg, target, doc, loc))
    return out


def _refuse(given: dict[str, Any], keys: tuple[str, ...], api: str, doc: YamlDoc, loc: Loc) -> None:
    for key in keys:
        if key in given:
            raise doc.error(f"`{key}` is not a setting of {api}, which would refuse every call — remove it, "
                            "or pick another provider with `model_name: openai/…` or `anthropic/…`", (*loc, key))


def _response_format(cfg: AmObjectConfig, target: ProviderSpec, doc: YamlDoc, loc: Loc) -> dict[str, Any]:
    """The object schema as each API's structured-output setting (the reply is the JSON text)."""
    import jsonschema  # ~35 ms: paid only by object prompts

    try:
        jsonschema.validators.validator_for(cfg.schema_).check_schema(cfg.schema_)
    except jsonschema.SchemaError as e:
        raise doc.error(f"`schema` is not a valid JSON Schema ({show(e.message, 80)}) — fix it",
                        (*loc, "schema")) from None
    if target.type == "anthropic":
        return {"output_config": {"format": {"type": "json_schema", "schema": cfg.schema_}}}
    name = cfg.schema_name or "response"
    if not _SCHEMA_NAME.match(name):
        raise doc.error("`schema_name` may use letters, digits, `_` and `-` only (64 at most), as the API "
                        "requires", (*loc, "schema_name"))
    schema: dict[str, Any] = {"name": name, "schema": cfg.schema_}
    if cfg.schema_description:
        schema["description"] = cfg.schema_description
    return {"response_format": {"type": "json_schema", "json_schema": schema}}


def tool_choice(cfg: AmModelConfig) -> ToolChoice | None:
    choice = cfg.tool_choice
    if choice is None or isinstance(choice, str):
        return None if choice is None else ToolChoice(mode=choice)
    return ToolChoice(mode="tool", name=choice.tool_name)


def tools(cfg: AmModelConfig, defined: list[ToolSpec], doc: YamlDoc, loc: Loc) -> list[ToolSpec]:
    """`tools` names the prompt's tools; AgentMark keeps their schemas in the application's code, so
    the file's own `tools:` (eval-action's form) defines them. Older AgentMark's `{name: definition}`
    mapping is read as is."""
    if cfg.tools is None:
        return defined
    if isinstance(cfg.tools, dict):
        if defined:
            raise doc.error("tools are defined twice — keep `tools:` or the mapping under "
                            f"`{loc[0]}.tools`, not both", (*loc, "tools"))
        return [_tool(name, body, doc, (*loc, "tools", name)) for name, body in cfg.tools.items()]
    by_name = {t.name: t for t in defined}
    mcp = [n for n in cfg.tools if n.startswith("mcp://")]
    if mcp:
        raise doc.error(f"tool `{show(mcp[0])}` is an MCP server's, which AgentMark's runtime connects — eval-action "
                        "sends tool schemas itself: define the tool under `tools:` by its name", (*loc, "tools"))
    missing = [n for n in cfg.tools if n not in by_name]
    if missing:
        raise doc.error(f"{loc[0]}.tools names {', '.join(f'`{show(n)}`' for n in missing)}, whose schemas live "
                        "in your application's code — define each under the file's `tools:` "
                        "({name, description, parameters}) so eval-action can send it", (*loc, "tools"))
    return [by_name[n] for n in cfg.tools]


def _tool(name: str, body: dict[str, Any], doc: YamlDoc, loc: Loc) -> ToolSpec:
    from pydantic import ValidationError

    try:
        return ToolSpec.model_validate({"name": name, **body})
    except ValidationError as e:
        first = e.errors()[0]
        raise doc.error(f"tool `{show(name)}`: {show(first['msg'], 100)}", loc) from None


def scorers(settings: TestSettings, doc: YamlDoc) -> list[ScorerSpec]:
    """`evals` (or `scores`) names → scorers. A name also given as a scorer's `name:` under
    `test_settings.scorers` is that scorer: how a repository says what its own eval function means."""
    own = {s.name for s in settings.scorers if s.name}
    key = "evals" if settings.evals is not None else "scores"
    names = [*(settings.evals or []), *(settings.scores or [])]
    missing = [n for n in names if n not in own and n not in EVALS]
    if missing:
        raise doc.error(f"test_settings.{key} names {', '.join(f'`{show(n)}`' for n in missing)}: an eval function "
                        f"of your AgentMark client, which eval-action can't run — it knows {', '.join(EVALS)}; "
                        f"for another, add a scorer of that name under `test_settings.scorers` (e.g. "
                        f"`- {{name: {show(missing[0])}, type: llm-rubric, value: …}}`)", ("test_settings", key))
    mapped = [ScorerSpec(name=n, **EVALS[n]) for n in dict.fromkeys(names) if n not in own]
    if not mapped and not settings.scorers:  # AgentMark would show the outputs; a gate would pass them all
        raise doc.error("test_settings has cases but no evals, so every case would pass — add `evals: "
                        "[exact_match]` (or scorers under `test_settings.scorers`)", ("test_settings",))
    return [*settings.scorers, *mapped]
