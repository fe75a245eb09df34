"""`eval-action validate`: load every prompt, dataset and scorer and render every case; call nothing.

Collects every problem instead of stopping at the first, so one run lists all that needs fixing.
"""

from __future__ import annotations

import sys
from pathlib import Path

from eval_action.execution import preflight
from eval_action.execution.scorers.text import regex_warnings
from eval_action.inputs.config import load_config
from eval_action.inputs.prompts import find_prompt_files
from eval_action.model.errors import ExitCode, Problems, UserError, flatten
from eval_action.model.specs import NotAnEval, PromptSpec
from eval_action.render.log import log_line
from eval_action.selection.plan import load_specs, matching


def validate(root: Path, config: Path | None, globs: list[str]) -> int:
    problems, count, skipped = validate_repo(root, config, globs)
    for item in skipped:
        print(f"eval-action: {item.path}: {item.reason} — skipped")
    for problem in problems:
        print(log_line(f"error: {problem}"))
    if problems:
        print(f"eval-action: {len(problems)} problem(s) in {count} prompt file(s)")
        return ExitCode.INPUT
    print(f"eval-action: {count - len(skipped)} prompt file(s) OK" + (f", {len(skipped)} not an eval"
                                                                      if skipped else ""))
    return ExitCode.OK


def validate_repo(root: Path, config_path: Path | None,
                  globs: list[str]) -> tuple[list[str], int, list[NotAnEval]]:
    """Problems, the number of prompt files looked at, and those that are not evals."""
    try:
        config = load_config(root, config_path)
    except UserError as e:
        return [str(e) for e in flatten(e)], 0, []
    problems = Problems()
    paths: list[str] = []
    with problems.collecting():
        paths = matching(find_prompt_files(root, config.prompts), globs, config)
    specs, skipped = load_specs(root, config, paths, problems)
    for spec in specs.values():
        with problems.collecting():
            preflight.check_prompt(spec, root, config, problems)
            _warn(spec)
    return [str(e) for e in problems.errors], len(paths), skipped


def _warn(spec: PromptSpec) -> None:
    """A difference from promptfoo's meaning is worth a look, not a failed validate."""
    for scorer in [*spec.scorers, *(s for case in spec.cases for s in case.scorers)]:
        for warning in regex_warnings(scorer):
            where = f"{spec.path}:{scorer.line}" if scorer.line else spec.path
            print(log_line(f"warning: {where}: scorer `{scorer.label}`: {warning}"), file=sys.stderr)
