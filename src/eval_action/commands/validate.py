"""`eval-action validate`: load every prompt, dataset and scorer and render every case; call nothing.

Collects every problem instead of stopping at the first, so one run lists all that needs fixing.
"""

from __future__ import annotations

from pathlib import Path

from eval_action.execution.scorers.registry import validate_scorer
from eval_action.inputs import templating
from eval_action.inputs.config import load_config
from eval_action.inputs.globs import matches
from eval_action.inputs.prompts import find_prompt_files, load_prompt
from eval_action.model.errors import ExitCode, UserError, messages
from eval_action.model.specs import Config, PromptSpec
from eval_action.render.log import log_line
from eval_action.selection import trust


def validate(root: Path, config: Path | None, globs: list[str]) -> int:
    problems, count = validate_repo(root, config, globs)
    for problem in problems:
        print(log_line(f"error: {problem}"))
    if problems:
        print(f"eval-action: {len(problems)} problem(s) in {count} prompt file(s)")
        return ExitCode.INPUT
    print(f"eval-action: {count} prompt file(s) OK")
    return ExitCode.OK


def validate_repo(root: Path, config_path: Path | None, globs: list[str]) -> tuple[list[str], int]:
    try:
        config = load_config(root, config_path)
    except UserError as e:
        return [str(e)], 0
    paths = [p for p in find_prompt_files(root, config.prompts) if not globs or matches(p, globs)]
    problems: list[str] = []
    for rel in paths:
        problems += _validate_prompt(root, rel, config)
    return problems, len(paths)


def _validate_prompt(root: Path, rel: str, config: Config) -> list[str]:
    try:
        spec = load_prompt(root / rel, root, config)
        trust.check_key_variables(spec, config)
    except UserError as e:
        return messages(e)
    problems = [_where(spec, s.line) + f"scorer `{s.label}`: {p}"
                for s in spec.scorers for p in validate_scorer(s, (root / rel).parent, root)]
    problems += [f"{case.source or spec.path}: case `{case.id}` scorer `{s.label}`: {p}"
                 for case in spec.cases for s in case.scorers
                 for p in validate_scorer(s, (root / rel).parent, root)]
    return problems + _render_cases(spec, root)


def _render_cases(spec: PromptSpec, root: Path) -> list[str]:
    for case in spec.cases:
        try:
            templating.render_messages(spec, case, root)
        except UserError as e:
            return [str(e)]  # one undefined variable usually breaks every case alike
    return []


def _where(spec: PromptSpec, line: int | None) -> str:
    return f"{spec.path}:{line}: " if line else f"{spec.path}: "
