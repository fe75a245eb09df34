"""Discover and plan: which prompts run, with which cases, against which baseline.

Turns Settings + the CI context into a Plan of typed jobs. Reads files and git; calls no target.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from eval_action.inputs.globs import matches
from eval_action.inputs.prompts import load_prompt
from eval_action.model.errors import GitError, Problems, UserError
from eval_action.model.settings import Settings, Shard
from eval_action.model.specs import Config, NotAnEval, PromptJob, PromptSpec, Thresholds
from eval_action.selection import changes, discovery, git

Log = Callable[[str], None]
ORIGIN_HEAD = "origin/HEAD"  # the base of a local run when neither --base nor the CI names one
FileList = Callable[[], list[str] | None]  # the platform's changed-file list, when git can't say


@dataclass(frozen=True)
class PlannedPrompt:
    job: PromptJob
    thresholds: Thresholds
    reasons: list[str]
    base_path: str  # where the prompt lived at the base revision (differs after a rename)
    shards: dict[str, int] | None = None  # case id -> shard, when running one shard: the baseline follows it


@dataclass
class Plan:
    config: Config
    prompts: list[PlannedPrompt]
    removed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    base: str | None = None  # the commit the baseline is computed at (merge base when known)
    head: str | None = None
    changes: changes.ChangeSet | None = None
    use_cache: bool = True
    base_config: Config | None = None  # the base revision's, when the head is not trusted


def cache_is_trusted(root: Path, config: Config, log: Log) -> bool:
    """A cache folder committed to the repository is the PR author's: its entries are keyed by
    requests anyone can compute, so it could answer the eval with whatever makes it pass."""
    try:
        git.run(root, "rev-parse", "--is-inside-work-tree")
    except GitError:
        return True  # not a git checkout: a local folder of the user's own runs
    try:  # `:(literal)`: the name is the PR's, and git would read `:(attr:…)x` as pathspec magic
        tracked = git.run(root, "ls-files", "-z", "--", ":(literal)" + config.cache.dir).strip(b"\0")
    except GitError as e:
        log(f"can't tell whether {config.cache.dir} is committed ({e}): not reading it")
        return False
    if tracked:
        log(f"{config.cache.dir} is committed to the repository: not reading it")
    return not tracked


def gate_profile(config: Config, settings: Settings) -> str | None:
    """The named gate profile in force: the one asked for (which must exist), else the default's if defined."""
    if settings.gate is None:
        return settings.gate_default if settings.gate_default in config.gates else None
    if settings.gate not in config.gates:
        known = ", ".join(sorted(config.gates)) or "none are defined"
        raise UserError(f"no gate profile `{settings.gate}` in eval-action.yaml `gates:` ({known}) — "
                        "name one of them, or define it", "--gate")
    return settings.gate


def thresholds_for(spec: PromptSpec, config: Config, settings: Settings, profile: str | None) -> Thresholds:
    d = config.defaults
    gates = d.gates
    if profile is not None:
        gates = config.gates[profile].over(gates)
    gates = spec.gates.over(gates)
    min_rate = spec.min_pass_rate
    if min_rate is None:
        min_rate = settings.min_pass_rate
    if min_rate is None and gates.pass_rate is not None:
        min_rate = gates.pass_rate.min
    tolerance = spec.regression_tolerance
    confidence = spec.regression_confidence
    return Thresholds(
        min_pass_rate=d.min_pass_rate if min_rate is None else min_rate,
        regression_tolerance=d.regression_tolerance if tolerance is None else tolerance,
        regression_confidence=d.regression_confidence if confidence is None else confidence,
        score_thresholds=spec.score_thresholds, gates=gates, profile=profile,
    )


def _digest(path: str, case_id: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{path}\0{case_id}".encode()).digest()[:8], "big")


def shard_assignment(spec: PromptSpec, shard: Shard) -> dict[str, int]:
    """Case id -> shard (1-based). Each prompt's cases are dealt round-robin in a stable hashed
    order, so every shard gets an equal share of every prompt, and so of its cost."""
    ids = sorted((c.id for c in spec.cases), key=lambda cid: _digest(spec.path, cid))
    offset = _digest(spec.path, "") % shard.count
    return {cid: (k + offset) % shard.count + 1 for k, cid in enumerate(ids)}


def shard_spec(spec: PromptSpec, shard: Shard, assignment: dict[str, int]) -> PromptSpec:
    """The cases of this shard; a case `assignment` doesn't know (one the head removed) goes by hash."""
    def shard_of(case_id: str) -> int:
        return assignment.get(case_id, _digest(spec.path, case_id) % shard.count + 1)

    return spec.model_copy(update={"cases": [c for c in spec.cases if shard_of(c.id) == shard.index]})


def matching(paths: list[str], globs: list[str], config: Config) -> list[str]:
    """The prompt files `--prompts` names (all of them without the option)."""
    if not globs:
        return paths
    found = [p for p in paths if matches(p, globs)]
    if not found:
        raise UserError(f"no prompt file matches {' '.join(globs)} — check the globs "
                        f"(prompt files match {', '.join(config.prompts)})", "--prompts")
    return found


def load_specs(root: Path, config: Config, paths: list[str],
               problems: Problems) -> tuple[dict[str, PromptSpec], list[NotAnEval]]:
    """Every file that loads; each one that doesn't is a problem, and all of them are reported. Files
    that are not evals come back apart: listed, never run."""
    specs: dict[str, PromptSpec] = {}
    skipped: list[NotAnEval] = []
    for p in paths:
        with problems.collecting():
            loaded = load_prompt(root / p, root, config)
            if isinstance(loaded, NotAnEval):
                skipped.append(loaded)
            else:
                specs[p] = loaded
    return specs, skipped


def skipped_note(skipped: list[NotAnEval]) -> list[str]:
    if not skipped:
        return []
    return [f"{len(skipped)} file(s) skipped, not an eval (no cases): " + ", ".join(s.path for s in skipped)]


def select_prompts(settings: Settings, specs: dict[str, PromptSpec], config: Config,
            base_config: Config | None, changeset: changes.ChangeSet | None,
            run_all_reason: str | None) -> discovery.Selection:
    if run_all_reason is not None:
        return discovery.select_all(list(specs.values()), run_all_reason)
    assert changeset is not None
    config_rel_ = config_rel(settings)
    return discovery.select(changeset.files, list(specs.values()), config, base_config, config_rel_)


def config_rel(settings: Settings) -> str:
    if settings.config_path is None:
        return "eval-action.yaml"
    try:
        return settings.config_path.resolve().relative_to(settings.repo_root.resolve()).as_posix()
    except ValueError:
        return settings.config_path.name


def run_all_reason(settings: Settings) -> str | None:
    if settings.prompt_globs:
        return "selected with --prompts"
    if settings.run_all:
        return "selected with --all"
    if not settings.base:
        return "no base revision to compare with: every prompt runs"
    return None


def find_changes(settings: Settings, log: Log, fallback: FileList | None = None,
                 own: list[str] | None = None) -> tuple[changes.ChangeSet | None, str | None]:
    """The change set; else the platform's file list; else a reason to run everything.

    `own`: folders eval-action itself writes (the cache), which never make the working tree "changed".
    """
    reason = run_all_reason(settings)
    if reason is not None or settings.base is None:
        return None, reason
    try:
        base = settings.base if settings.base_given else default_base(settings.repo_root, settings.base, log)
        ignore = _own_folders(settings, own or []) if settings.working_tree else []
        changeset = changes.changed_files(settings.repo_root, base, settings.head, log, settings.working_tree,
                                          ignore)
        if changeset.working_tree:
            log("evaluating the working tree: uncommitted changes are selected and run")
        return within(changeset, git.prefix(settings.repo_root)), None
    except GitError as e:
        files = fallback() if fallback is not None else None
        if files is None and settings.base_given:
            raise UserError(f"cannot compare with {settings.base}: {e} — name a branch, tag or commit this "
                            f"clone has (or can fetch), or use {settings.option('--all', 'prompts')}",
                            "base-ref" if settings.named_by == "inputs" else "--base") from None
        if files is None:
            return None, f"could not diff against {settings.base} ({e}): every prompt runs"
        log(f"git could not diff against {settings.base} ({e}); using the platform's list of "
            f"{len(files)} changed file(s)")
        return changes.ChangeSet(base=settings.base, head=settings.head, merge_base=None,
                                 files=[changes.FileChange(status="M", path=p) for p in files],
                                 notes=["changed files from the platform API: git history was unavailable"]), None


def _own_folders(settings: Settings, folders: list[str]) -> list[str]:
    """Those of `folders` (and the output folder) inside the work tree, as `prefix/` from its top."""
    root, prefix = settings.repo_root.resolve(), git.prefix(settings.repo_root)
    found = []
    for folder in [*folders, str(settings.output_dir)]:
        path = (root / folder).resolve()
        if path.is_relative_to(root):
            found.append(prefix + path.relative_to(root).as_posix().rstrip("/") + "/")
    return found


def default_base(root: Path, base: str, log: Log) -> str:
    """`origin/HEAD`, or the remote's default branch when this clone never recorded it (a plain
    `git remote add` + `fetch` doesn't): without a base there is no baseline, and a regression
    would go unreported."""
    if base != ORIGIN_HEAD or git.resolve(root, ORIGIN_HEAD):
        return base
    branch = git.remote_default_branch(root)
    if branch is None:
        raise UserError("the base defaults to origin/HEAD, which this clone lacks and no `origin` remote "
                        "could name — pass `--base BRANCH` (e.g. `--base main`), record it with "
                        "`git remote set-head origin --auto`, or use --all", "--base")
    log(f"origin/HEAD is not set in this clone: comparing with origin/{branch}, the remote's default branch "
        "(`git remote set-head origin --auto` records it)")
    return f"origin/{branch}"


def within(changeset: changes.ChangeSet, prefix: str) -> changes.ChangeSet:
    """Paths relative to the project folder when it is a subfolder of the git repository."""
    if not prefix:
        return changeset

    def strip(path: str | None) -> str | None:
        return path[len(prefix):] if path and path.startswith(prefix) else None

    files = [changes.FileChange(status=f.status, path=strip(f.path) or "", old_path=strip(f.old_path))
             for f in changeset.files if strip(f.path)]
    return dataclasses.replace(changeset, files=files)
