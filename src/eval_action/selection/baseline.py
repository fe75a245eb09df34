"""The baseline for each selected prompt: the base revision's own prompt, dataset, scorers and
config (from a detached worktree, never the working tree), or an earlier run's results.json.
"""

from __future__ import annotations

import contextlib
import tempfile
from dataclasses import dataclass
from pathlib import Path

from eval_action.inputs.config import load_config
from eval_action.inputs.prompts import load_prompt
from eval_action.model.errors import GitError, UserError
from eval_action.model.results import BaselineState, CaseResult
from eval_action.model.results_io import read_results
from eval_action.model.specs import Config, NotAnEval, PromptJob
from eval_action.selection import git


@dataclass(frozen=True)
class BaselinePlan:
    """Per head prompt path: a job to run at the base revision, or a state saying why not."""

    jobs: dict[str, PromptJob]
    states: dict[str, BaselineState]
    notes: dict[str, list[str]]
    from_file: dict[str, list[CaseResult]]
    run_notes: tuple[str, ...] = ()  # about the baseline as a whole


def base_config(repo_root: Path, rev: str, config_rel: str) -> Config | None:
    """The config as it was at `rev`, or None when it can't be read (then nothing is config-triggered)."""
    try:
        raw = git.show(repo_root, rev, "./" + config_rel)
    except GitError:
        return None
    if raw is None:
        return Config()
    with tempfile.TemporaryDirectory(prefix="eval-action-base-") as d:
        path = Path(d) / "eval-action.yaml"
        path.write_bytes(raw)
        try:
            return load_config(Path(d), path)
        except UserError:
            return None


def from_base_revision(repo_root: Path, rev: str, pairs: dict[str, str], config_rel: str,
                       stack: contextlib.ExitStack, sparse: list[str] | None = None) -> BaselinePlan:
    """Load each prompt as it was at `rev`; `pairs` maps head path -> path at the base revision.

    With `sparse`, only those paths are checked out; if a base prompt then fails to load (it reads
    a file the head version does not), everything is checked out and loaded again.
    """
    plan = _load_at(repo_root, rev, pairs, config_rel, stack, sparse)
    if sparse is not None and "unavailable" in plan.states.values():
        plan = _load_at(repo_root, rev, pairs, config_rel, stack, None)
    return plan


def _load_at(repo_root: Path, rev: str, pairs: dict[str, str], config_rel: str, stack: contextlib.ExitStack,
             sparse: list[str] | None) -> BaselinePlan:
    try:
        root = stack.enter_context(git.worktree(repo_root, rev, sparse)) / git.prefix(repo_root)
    except GitError as e:
        return _unavailable(pairs, f"baseline unavailable: could not check out {rev[:12]} ({e})")
    try:
        config = load_config(root, root / config_rel if (root / config_rel).exists() else None)
    except UserError as e:
        return _unavailable(pairs, f"baseline unavailable: the base revision's config is invalid ({e})")
    plan = BaselinePlan(jobs={}, states={}, notes={}, from_file={})
    for head_path, base_path in pairs.items():
        if not (root / base_path).is_file():
            plan.states[head_path] = "new"
            continue
        try:
            spec = load_prompt(root / base_path, root, config)
        except UserError as e:
            plan.states[head_path] = "unavailable"
            plan.notes[head_path] = [f"baseline unavailable: the base version does not load ({e})"]
            continue
        if isinstance(spec, NotAnEval):  # the eval block is new in this change
            plan.states[head_path] = "new"
            continue
        plan.jobs[head_path] = PromptJob(spec=spec, repo_root=root, config=config)
        plan.states[head_path] = "compared"
    return plan


def _unavailable(pairs: dict[str, str], note: str) -> BaselinePlan:
    return BaselinePlan(jobs={}, states=dict.fromkeys(pairs, "unavailable"),
                        notes={p: [note] for p in pairs}, from_file={})


def from_results_file(path: Path, head_paths: list[str], merge_base: str | None) -> BaselinePlan:
    """An earlier run's results (the default branch's, stored by its workflow) as the baseline."""
    report = read_results(path)
    by_path = {p.path: p.cases for p in report.prompts if p.status != "removed"}
    states: dict[str, BaselineState] = {p: ("compared" if p in by_path else "new") for p in head_paths}
    cases = {p: _as_baseline(by_path[p]) for p in head_paths if p in by_path}
    notes: tuple[str, ...] = ()
    if merge_base and report.head != merge_base:
        notes = (f"the baseline {path.name} is of commit {(report.head or 'unknown')[:12]}, not of the merge base "
                 f"{merge_base[:12]}: changes between the two count as this change's",)
    return BaselinePlan(jobs={}, states=states, notes={}, from_file=cases, run_notes=notes)


def _as_baseline(cases: list[CaseResult]) -> list[CaseResult]:
    # an earlier run's cases carry their own baseline; one level is enough
    return [c.model_copy(update={"baseline": None, "change": None}) for c in cases]
