"""`*.prompt.yaml` (all YAML) and `*.prompt.md` (YAML front matter + Markdown body)."""

from __future__ import annotations

import re
from pathlib import Path

from eval_action.inputs.prompts.build import Draft, not_an_eval, resolve_provider
from eval_action.inputs.prompts.schema import Header, NativeFile
from eval_action.inputs.prompts.sections import default_name, front_matter, tagged
from eval_action.inputs.yamlio import YamlDoc, validate
from eval_action.model.errors import UserError
from eval_action.model.specs import Config, NotAnEval


def parse_yaml(doc: YamlDoc, text: str, file: Path, path: str, config: Config) -> Draft | NotAnEval:
    if not isinstance(doc.data, dict):
        raise UserError("a .prompt.yaml file must be a mapping with `messages:` and `evals:`", path, 1)
    if "evals" not in doc.data:
        return not_an_eval(doc.data, ("evals",), doc)
    spec = validate(NativeFile, doc.data, doc)
    provider_name, provider = resolve_provider(spec.provider, config, doc)
    rows = text.splitlines()
    messages = [(m, _text_start(rows, doc.locate(("messages", str(i), "content"))))
                for i, m in enumerate(spec.messages)]
    return Draft(
        path=path, file=file, kind="yaml", doc=doc,
        name=spec.name or default_name(file, [".prompt.yaml", ".prompt.yml"]),
        provider_name=provider_name, provider=provider, params=spec.params, messages=messages,
        evals=spec.evals, tools=spec.tools, tool_choice=spec.tool_choice,
    )


def parse_md(text: str, file: Path, path: str, config: Config) -> Draft | NotAnEval:
    parts = front_matter(text, path)
    if "evals" not in parts.data:  # an editor's prompt file (.github/prompts/*.prompt.md) and the like
        return not_an_eval(parts.data, ("evals",), parts.doc)
    spec = validate(Header, parts.data, parts.doc)
    provider_name, provider = resolve_provider(spec.provider, config, parts.doc)
    return Draft(
        path=path, file=file, kind="md", doc=parts.doc, name=spec.name or default_name(file, [".prompt.md"]),
        provider_name=provider_name, provider=provider, params=spec.params,
        messages=tagged(parts.body, path, parts.body_offset), evals=spec.evals, tools=spec.tools,
        tool_choice=spec.tool_choice,
    )


_BLOCK = re.compile(r":\s*[|>][-+0-9]*\s*(#.*)?$")


def _text_start(rows: list[str], line: int | None) -> int | None:
    """The line a message's text starts on: after `content: |` for a block scalar, else the key's own."""
    if line is None or not 0 < line <= len(rows):
        return line
    return line + 1 if _BLOCK.search(rows[line - 1]) else line
