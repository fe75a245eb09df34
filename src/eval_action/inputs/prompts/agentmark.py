"""`*.prompt.mdx` (AgentMark): `text_config` picks the model, `test_settings` is our `evals`.

The provider is the config's `default` one with `model` replaced by `text_config.model_name`.
That is no longer the configured entry, so `provider_name` is None (as for an inline provider);
without `model_name` the `default` entry is used as is and keeps its name.
"""

from __future__ import annotations

import re
from pathlib import Path

from eval_action.inputs.prompts.build import Draft, resolve_provider
from eval_action.inputs.prompts.schema import MdxHeader, TextConfig
from eval_action.inputs.prompts.sections import default_name, front_matter, tagged
from eval_action.inputs.yamlio import YamlDoc, validate
from eval_action.model.specs import Config, Message, ProviderSpec

# `{props.a.b}` but not Jinja's own `{{ … }}`.
_PROPS = re.compile(r"(?<!\{)\{\s*(props(?:\.[A-Za-z_]\w*)+)\s*\}(?!\})")


def to_jinja(source: str) -> str:
    return _PROPS.sub(r"{{ \1 }}", source)


def parse_mdx(text: str, file: Path, path: str, config: Config) -> Draft:
    parts = front_matter(text, path)
    spec = validate(MdxHeader, parts.data, parts.doc)
    provider_name, provider = _provider(spec.text_config, config, parts.doc)
    messages = [(Message(role=m.role, content=to_jinja(m.content)), line)
                for m, line in tagged(parts.body, path, parts.body_offset)]
    settings = spec.test_settings
    return Draft(
        path=path, file=file, kind="mdx", doc=parts.doc,
        name=spec.name or default_name(file, [".prompt.mdx"]),
        provider_name=provider_name, provider=provider, params=dict(spec.text_config.model_extra or {}),
        messages=messages, evals=settings, evals_loc=("test_settings",),
        sample=settings.props if settings else None, sample_loc=("test_settings", "props"),
        agentmark_rows=True,
    )


def _provider(text_config: TextConfig, config: Config, doc: YamlDoc) -> tuple[str | None, ProviderSpec]:
    name, default = resolve_provider(None, config, doc, ("text_config",))
    if not text_config.model_name:
        return name, default
    return None, default.model_copy(update={"model": text_config.model_name})
