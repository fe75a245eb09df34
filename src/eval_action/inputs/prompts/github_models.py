"""GitHub Models prompt files (`*.prompt.yml`, `*.prompt.yaml`), as `gh models eval` reads them.

`testData` rows are the cases (every key but `expected` is a var), `evaluators` the scorers
(`github/string`, the `github/…` judges, `github/llm`), `modelParameters` and `responseFormat` the
request parameters. The file's `model` goes to the config's `github` provider when it defines one,
else to GitHub Models' own endpoint. The judges grade with `openai/gpt-4o` on that same provider, as
GitHub does, unless the config names a `defaults.grader`.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from eval_action.inputs.prompts.build import Draft
from eval_action.inputs.prompts.schema import Evals, GhEvaluator, GhFile, GhModelParameters
from eval_action.inputs.prompts.sections import default_name
from eval_action.inputs.yamlio import YamlDoc, load_json, show, validate
from eval_action.model.errors import UserError
from eval_action.model.specs import Config, Message, NotAnEval, ProviderSpec, ScorerSpec

# Keys only GitHub's format has: any of them makes a `.prompt.yaml` a GitHub Models file.
GITHUB_KEYS = frozenset({"model", "modelParameters", "responseFormat", "jsonSchema", "testData", "evaluators"})
_OURS = frozenset({"provider", "params", "evals", "tags"})
_PARAMS = {"maxTokens": "max_tokens", "maxCompletionTokens": "max_completion_tokens", "temperature": "temperature",
           "topP": "top_p", "frequencyPenalty": "frequency_penalty", "presencePenalty": "presence_penalty",
           "stop": "stop", "seed": "seed"}
SUFFIXES = (".prompt.yml", ".prompt.yaml")
STRING_CHECKS = ("contains", "equals", "startsWith", "endsWith")
JUDGES = ("similarity", "relevance", "coherence", "fluency", "groundedness")
JUDGE_MODEL = "openai/gpt-4o"  # the model `gh models eval` grades with


def is_github_models(data: dict[str, Any]) -> bool:
    return bool(GITHUB_KEYS & data.keys())


def parse_github(doc: YamlDoc, file: Path, path: str, config: Config) -> Draft | NotAnEval:
    data: dict[str, Any] = doc.data
    mixed = sorted(_OURS & data.keys())
    if mixed:
        raise doc.error(f"`{mixed[0]}` is eval-action's key, but this is a GitHub Models file (it has "
                        f"`{sorted(GITHUB_KEYS & data.keys())[0]}`) — use testData/evaluators, or drop the "
                        "GitHub keys", (mixed[0],))
    spec = validate(GhFile, data, doc)
    _check_extras(spec, doc)
    if spec.testData is None and spec.evaluators is None:
        return NotAnEval(path)
    provider_name, provider = _provider(spec.model, config, doc)
    grader = None if config.defaults.grader is not None else provider
    scorers = [_scorer(e, grader, doc, i) for i, e in enumerate(spec.evaluators or [])]
    rows = [{"vars": {k: v for k, v in row.items() if k != "expected"}, "expected": row.get("expected")}
            for row in spec.testData or []]
    return Draft(
        path=path, file=file, kind="github", doc=doc, name=spec.name or default_name(file, SUFFIXES),
        provider_name=provider_name, provider=provider, params=_params(spec, doc),
        messages=[(_message(m.role, m.content, doc, i), doc.locate(("messages", str(i), "content")))
                  for i, m in enumerate(spec.messages)],
        evals=Evals(cases=rows, scorers=scorers), evals_loc=(), cases_key="testData", scorers_key="evaluators",
    )


def _check_extras(spec: GhFile, doc: YamlDoc) -> None:
    """An unknown key is ignored, as GitHub does, unless it looks like a misspelt one (`testdata:`
    would otherwise turn the file into "not an eval" without a word)."""
    known = sorted(GhFile.model_fields)
    for key in spec.model_extra or {}:
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.75)
        if close:
            raise doc.error(f"key `{show(key)}` is not a GitHub Models key — did you mean `{close[0]}`?", (key,))


def _provider(model: str | None, config: Config, doc: YamlDoc) -> tuple[str | None, ProviderSpec]:
    configured = config.providers.get("github")
    if configured is not None:
        return "github", configured if model is None else configured.model_copy(update={"model": model})
    if model is None:
        raise doc.error("`model:` is required — e.g. model: openai/gpt-4o-mini (a GitHub Models model id)")
    return None, ProviderSpec(type="github", model=model)


def _message(role: str, content: str, doc: YamlDoc, index: int) -> Message:
    lowered = role.lower()  # GitHub accepts any case
    if lowered not in ("system", "user", "assistant"):
        raise doc.error(f"message role `{show(role)}` is not supported — use system, user or assistant",
                        ("messages", str(index), "role"))
    return Message(role=lowered, content=content)  # type: ignore[arg-type]


def _params(spec: GhFile, doc: YamlDoc) -> dict[str, Any]:
    given = spec.modelParameters.model_dump(exclude_none=True)
    params = {_PARAMS[k]: v for k, v in given.items() if k in GhModelParameters.model_fields}
    if spec.responseFormat is not None:
        params["response_format"] = _response_format(spec, doc)
    elif spec.jsonSchema is not None:
        raise doc.error("`jsonSchema` needs `responseFormat: json_schema` — add it", ("jsonSchema",))
    return params


def _response_format(spec: GhFile, doc: YamlDoc) -> dict[str, Any]:
    if spec.responseFormat != "json_schema":
        return {"type": spec.responseFormat}
    schema = spec.jsonSchema
    if isinstance(schema, str):
        schema = load_json(schema, doc.path, (doc.locate(("jsonSchema",)) or 1) - 1)
    if not isinstance(schema, dict) or "name" not in schema or not isinstance(schema.get("schema"), dict):
        raise doc.error("`responseFormat: json_schema` needs `jsonSchema` with `name` and `schema` "
                        '(e.g. {"name": "answer", "schema": {"type": "object", …}})',
                        ("jsonSchema" if spec.jsonSchema is not None else "responseFormat",))
    return {"type": "json_schema", "json_schema": schema}


def _scorer(evaluator: GhEvaluator, grader: ProviderSpec | None, doc: YamlDoc, index: int) -> ScorerSpec:
    loc = ("evaluators", str(index))
    given = [k for k in ("string", "llm", "uses") if getattr(evaluator, k) is not None]
    if len(given) != 1:
        raise doc.error(f"evaluator `{show(evaluator.name)}` needs exactly one of string, llm or uses", loc)
    if evaluator.string is not None:
        checks = evaluator.string.model_dump(exclude_none=True)
        if len(checks) != 1:
            raise doc.error(f"`string` needs exactly one of {', '.join(STRING_CHECKS)}", (*loc, "string"))
        return ScorerSpec.model_validate({"type": "github/string", "name": evaluator.name, **checks})
    if evaluator.llm is not None:
        llm = evaluator.llm
        judge = grader.model_copy(update={"model": llm.modelId}) if grader and llm.modelId else grader
        return ScorerSpec.model_validate({"type": "github/llm", "name": evaluator.name, "provider": judge,
                                          "prompt": llm.prompt, "choices": [c.model_dump() for c in llm.choices],
                                          "system_prompt": llm.systemPrompt})
    uses = evaluator.uses or ""
    judge_name = uses.removeprefix("github/")
    if not uses.startswith("github/") or judge_name not in JUDGES:
        raise UserError(f"evaluator `{show(uses)}` is not one of GitHub's built-in evaluators — use "
                        f"{', '.join('github/' + j for j in JUDGES)}", doc.path, doc.locate((*loc, "uses")))
    judge = grader.model_copy(update={"model": JUDGE_MODEL}) if grader else None
    return ScorerSpec(type=uses, name=evaluator.name, provider=judge)
