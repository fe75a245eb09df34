"""Prompt files → `PromptSpec`, one parser per file kind; and finding the files in a repository."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from eval_action.inputs.paths import repo_relative, resolve_inside
from eval_action.inputs.prompts.agentmark import parse_mdx
from eval_action.inputs.prompts.build import Draft, finish
from eval_action.inputs.prompts.files import find_prompt_files
from eval_action.inputs.prompts.github_models import is_github_models, parse_github
from eval_action.inputs.prompts.native import parse_md, parse_yaml
from eval_action.inputs.prompts.prompty import parse_prompty
from eval_action.inputs.yamlio import load_yaml, read_text
from eval_action.model.errors import UserError, UserErrors
from eval_action.model.specs import Config, NotAnEval, PromptSpec

__all__ = ["find_prompt_files", "load_prompt", "load_prompts"]

Parser = Callable[[str, Path, str, Config], Draft | NotAnEval]


def _parse_yaml_kinds(text: str, file: Path, path: str, config: Config) -> Draft | NotAnEval:
    """`.prompt.yaml`/`.prompt.yml` is GitHub Models' format when it has one of its keys, else ours."""
    doc = load_yaml(text, path)
    if isinstance(doc.data, dict) and is_github_models(doc.data):
        return parse_github(doc, file, path, config)
    return parse_yaml(doc, text, file, path, config)


_PARSERS: dict[str, Parser] = {
    ".prompt.yaml": _parse_yaml_kinds,
    ".prompt.yml": _parse_yaml_kinds,
    ".prompt.md": parse_md,
    ".prompt.mdx": parse_mdx,
    ".prompty": parse_prompty,
}


def load_prompt(path: Path, repo_root: Path, config: Config) -> PromptSpec | NotAnEval:
    """Load and check one prompt file; `path` is absolute or relative to `repo_root`. A file of a known
    kind without an eval block is a `NotAnEval`: listed, never run."""
    file = path if path.is_absolute() else repo_root / path
    try:
        display = repo_relative(repo_root, file)
    except ValueError:
        raise UserError("prompt file is outside the repository — move it inside", str(path)) from None
    resolve_inside(repo_root, repo_root, display, source=display, line=None)
    parser = next((p for suffix, p in _PARSERS.items() if display.endswith(suffix)), None)
    if parser is None:
        raise UserError(f"not a prompt file — names end with {', '.join(_PARSERS)}", display)
    draft = parser(read_text(file, display), file, display, config)
    return draft if isinstance(draft, NotAnEval) else finish(draft, repo_root, config)


def load_prompts(paths: Iterable[Path], repo_root: Path, config: Config) -> list[PromptSpec]:
    """Load every eval among the files (`NotAnEval`s dropped), reporting all problems at once (`UserErrors`)."""
    specs: list[PromptSpec] = []
    errors: list[UserError] = []
    for path in paths:
        try:
            loaded = load_prompt(path, repo_root, config)
            if isinstance(loaded, PromptSpec):
                specs.append(loaded)
        except UserError as e:
            errors.append(e)
    if errors:
        raise UserErrors(errors)
    return specs
