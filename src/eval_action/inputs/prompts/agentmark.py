"""`*.prompt.mdx` (AgentMark): `text_config` or `object_config` picks the model and settings,
`test_settings` is our `evals` (its `evals` names mapped to scorers, see agentmark_map.py).

A file is an eval when its `test_settings` has a dataset, cases, eval names or scorers; `props`
alone are AgentMark's playground input, as Prompty's `sample:` is, so such a file is listed as
"not an eval". Image and speech prompts are never run: eval-action scores text.
"""

from __future__ import annotations

import posixpath
from pathlib import Path

from eval_action.inputs.paths import existing_file_inside, repo_relative, repo_root_of, resolve_inside
from eval_action.inputs.prompts import agentmark_map, mdx
from eval_action.inputs.prompts.build import Draft
from eval_action.inputs.prompts.schema import AmModelConfig, MdxHeader, TestSettings
from eval_action.inputs.prompts.sections import default_name, front_matter, tagged
from eval_action.inputs.yamlio import load_json, read_text, validate
from eval_action.model.specs import Config, Message, NotAnEval

_MEDIA = ("image_config", "speech_config")
_KINDS = ("text_config", "object_config", *_MEDIA)


def parse_mdx(text: str, file: Path, path: str, config: Config) -> Draft | NotAnEval:
    lead, rest = mdx.split_lead(text)
    parts = front_matter(rest, path, lead)
    spec = validate(MdxHeader, parts.data, parts.doc)
    kinds = [k for k in _KINDS if getattr(spec, k) is not None]
    if len(kinds) > 1:
        raise parts.doc.error(f"give one of {', '.join(_KINDS)}, not {' and '.join(kinds)}", (kinds[1],))
    settings = spec.test_settings
    if not _is_eval(settings):
        reason = f"not an eval ({kinds[0]}: eval-action scores text)" if kinds and kinds[0] in _MEDIA else None
        return NotAnEval(path, reason) if reason else NotAnEval(path)
    if kinds and kinds[0] in _MEDIA:
        raise parts.doc.error(f"`{kinds[0]}` prompts make images or audio, which eval-action can't score — "
                              "it runs text_config and object_config prompts", (kinds[0],))
    kind = kinds[0] if kinds else "text_config"
    cfg: AmModelConfig = getattr(spec, kind) or AmModelConfig()
    provider_name, provider = agentmark_map.provider(cfg.model_name, config, parts.doc, (kind,))
    repo_root = repo_root_of(file, path)
    assert settings is not None  # _is_eval
    data_dir, marker = _data_dir(repo_root, file) if settings.dataset is not None else (None, None)
    src = mdx.Source(repo_root, file, path)
    body = mdx.strip(parts.body, src, parts.body_offset)
    messages = [(Message(role=m.role, content=mdx.to_template(m.content, src, line)), line)
                for m, line in tagged(body, path, parts.body_offset)]
    return Draft(
        path=path, file=file, kind="mdx", doc=parts.doc, name=spec.name or default_name(file, [".prompt.mdx"]),
        provider_name=provider_name, provider=provider,
        params=agentmark_map.params(cfg, provider, parts.doc, (kind,)), messages=messages,
        evals=settings.model_copy(update={"scorers": agentmark_map.scorers(settings, parts.doc)}),
        evals_loc=("test_settings",), sample=settings.props, sample_loc=("test_settings", "props"),
        agentmark_rows=True, tools=agentmark_map.tools(cfg, spec.tools, parts.doc, (kind,)),
        tool_choice=agentmark_map.tool_choice(cfg), includes=sorted(src.inlined.bodies),
        data_dir=data_dir, references=[marker] if marker else [],
    )


def _is_eval(settings: TestSettings | None) -> bool:
    if settings is None:
        return False
    return (any(v is not None for v in (settings.dataset, settings.cases, settings.evals, settings.scores))
            or bool(settings.scorers))


def _data_dir(repo_root: Path, file: Path) -> tuple[Path | None, str | None]:
    """AgentMark reads datasets from its prompts folder, `<agentmarkPath>/agentmark` next to the nearest
    `agentmark.json`; without one, paths are relative to the file, as in every prompt file. Also the
    `agentmark.json` read (repository path), whose change must re-run the prompt."""
    for folder in file.parents:
        if not folder.is_relative_to(repo_root):
            return None, None
        candidate = folder / "agentmark.json"
        if candidate.exists() or candidate.is_symlink():  # a committed symlink may point anywhere
            shown = repo_relative(repo_root, candidate)
            marker = existing_file_inside(repo_root, folder, "agentmark.json", source=shown)
            data = load_json(read_text(marker, shown), shown)
            sub = data.get("agentmarkPath", ".") if isinstance(data, dict) else "."
            sub = sub if isinstance(sub, str) and sub.strip() else "."
            base = resolve_inside(repo_root, folder, posixpath.join(sub, "agentmark"), source=shown, line=None)
            return (base if file.is_relative_to(base) else None), shown
    return None, None
