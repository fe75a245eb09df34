"""`*.prompty`: `model.configuration` names the model, `model.parameters` are the params.

`openai` and `azure_openai` configurations both map to our `openai` provider: the config's
`default` provider when it is one (keeping its `base_url` and key variable) with the model
replaced, so `provider_name` is None. A configuration naming no model uses `default` as is.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from eval_action.inputs.prompts.build import Draft, resolve_provider
from eval_action.inputs.prompts.schema import PromptyHeader
from eval_action.inputs.prompts.sections import default_name, front_matter, role_lines
from eval_action.inputs.yamlio import YamlDoc, show, validate
from eval_action.model.specs import Config, ProviderSpec

_ENV_REF = re.compile(r"^\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}$")
_MODEL_KEYS = ("model", "name", "azure_deployment")
_LOC = ("model", "configuration")


def parse_prompty(text: str, file: Path, path: str, config: Config) -> Draft:
    parts = front_matter(text, path)
    spec = validate(PromptyHeader, parts.data, parts.doc)
    provider_name, provider = _provider(spec.model.configuration, config, parts.doc)
    return Draft(
        path=path, file=file, kind="prompty", doc=parts.doc,
        name=spec.name or default_name(file, [".prompty"]),
        provider_name=provider_name, provider=provider, params=dict(spec.model.parameters),
        messages=role_lines(parts.body, path, parts.body_offset), evals=spec.evals, sample=spec.sample,
    )


def _provider(conf: dict[str, Any], config: Config, doc: YamlDoc) -> tuple[str | None, ProviderSpec]:
    kind = conf.get("type", "openai")
    if kind not in ("openai", "azure_openai"):
        raise doc.error(f"configuration type `{show(kind)}` is not supported — use openai or azure_openai "
                        "(any OpenAI-compatible endpoint)", (*_LOC, "type"))
    model = next((conf[k] for k in _MODEL_KEYS if conf.get(k)), None)
    name, default = resolve_provider(None, config, doc, _LOC)
    if model is None:
        return name, default
    if not isinstance(model, str):
        raise doc.error("the model name must be a string", _LOC)
    base = default if default.type == "openai" else ProviderSpec(type="openai")
    update: dict[str, Any] = {"model": model}
    if conf.get("base_url"):
        update["base_url"] = str(conf["base_url"])
    if "api_key" in conf:
        update["api_key_env"] = _key_env(conf["api_key"], doc)
    return None, base.model_copy(update=update)


def _key_env(value: Any, doc: YamlDoc) -> str:
    """Only `${env:NAME}` is accepted: a literal key in a committed file is a leaked key."""
    match = _ENV_REF.match(value) if isinstance(value, str) else None
    if match is None:
        raise doc.error("`api_key` must be `${env:NAME}` — keep the key in an environment variable, "
                        "never in the file", (*_LOC, "api_key"))
    return match.group(1)
