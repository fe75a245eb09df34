"""One run, one way: plan -> run head and baseline -> compare -> gate -> RunReport.

Knows nothing about GitHub or GitLab; the CLI gives it Settings and gets a RunReport back.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from eval_action.execution.runner import PromptJob, RunOptions, run_jobs_sync
from eval_action.inputs.config import CONFIG_FILE, load_config
from eval_action.inputs.prompts.files import scan_tree
from eval_action.model.errors import GitError
from eval_action.model.results import CaseResult, PromptResult, RunReport
from eval_action.model.settings import Settings
from eval_action.model.specs import Config, PromptSpec
from eval_action.selection import baseline, changes, discovery, git, prefilter
from eval_action.selection import plan as planning
from eval_action.selection.plan import Log, Plan, PlannedPrompt
from eval_action.verdict import compare, gate
from eval_action.verdict.stats import run_stats

OnCase = Callable[[PromptJob, CaseResult], None]


def build_plan(settings: Settings, log: Log, stack: contextlib.ExitStack,
               fallback: planning.FileList | None = None) -> tuple[Plan, baseline.BaselinePlan]:
    config = load_config(settings.repo_root, settings.config_path)
    changeset, all_reason = planning.find_changes(settings, log, fallback)
    config_rel = planning.config_rel(settings)
    tree = scan_tree(settings.repo_root, config.prompts)
    if changeset is None:  # every prompt (or those --prompts names) runs
        paths = planning.matching(tree.prompts, settings.prompt_globs, config)
    else:  # only prompts the change may affect are loaded; select() decides among them
        config_file = settings.config_path or settings.repo_root / CONFIG_FILE
        paths = prefilter.candidates(changeset, tree, settings.repo_root, config, config_file, config_rel)
        if not paths and not prefilter.touches_prompt_files(changeset, config):
            return _nothing_affected(config, changeset), baseline.BaselinePlan(jobs={}, states={}, notes={},
                                                                               from_file={})
    specs = planning.load_specs(settings.repo_root, config, paths)
    base_rev = (changeset.merge_base or changeset.base) if changeset else _resolve(settings, settings.base)
    base_cfg = baseline.base_config(settings.repo_root, base_rev, config_rel) if changeset and base_rev else None
    selection = planning.select_prompts(settings, specs, config, base_cfg, changeset, all_reason)
    prompts = [_planned(specs[s.path], s, config, settings) for s in selection.selected]
    prompts = [p for p in prompts if p.job.spec.cases]  # a shard may hold no case of a prompt
    notes = list(selection.notes) + ([all_reason] if all_reason and not settings.prompt_globs
                                     and not settings.run_all else [])
    trusted = not prompts or planning.cache_is_trusted(settings.repo_root, config, log)
    if not trusted:
        notes.append(f"the response cache was not used: {config.cache.dir} is committed to the repository, "
                     "and answers a pull request brings with it can't be trusted — remove it from git")
    plan = Plan(config=config, prompts=prompts, removed=list(selection.removed), notes=notes,
                base=base_rev, head=changeset.head if changeset else _resolve(settings, settings.head),
                changes=changeset, use_cache=trusted)
    return plan, _baseline_plan(settings, plan, config_rel, stack)


def _planned(spec: PromptSpec, selected: discovery.Selected, config: Config, settings: Settings) -> PlannedPrompt:
    shards = planning.shard_assignment(spec, settings.shard) if settings.shard else None
    if settings.shard and shards is not None:
        spec = planning.shard_spec(spec, settings.shard, shards)
    return PlannedPrompt(job=PromptJob(spec=spec, repo_root=settings.repo_root, config=config),
                         thresholds=planning.thresholds_for(spec, config, settings), reasons=selected.reasons,
                         base_path=selected.base_path or selected.path, shards=shards)


def _nothing_affected(config: Config, changeset: changes.ChangeSet) -> Plan:
    return Plan(config=config, prompts=[], notes=list(changeset.notes), base=changeset.merge_base or changeset.base,
                head=changeset.head, changes=changeset)


def _resolve(settings: Settings, rev: str | None) -> str | None:
    """A SHA for the report, or None when git can't name one (no repository, unknown ref)."""
    if not rev:
        return None
    try:
        return git.resolve(settings.repo_root, rev)
    except GitError:
        return None


def _baseline_plan(settings: Settings, plan: Plan, config_rel: str,
                   stack: contextlib.ExitStack) -> baseline.BaselinePlan:
    heads = [p.job.spec.path for p in plan.prompts]
    if settings.baseline == "none" or not plan.prompts or settings.dry_run:
        return baseline.BaselinePlan(jobs={}, states=dict.fromkeys(heads, "none"), notes={}, from_file={})
    if settings.baseline != "base":
        return baseline.from_results_file(Path(settings.baseline), heads)
    if plan.base is None:
        note = "no baseline: there is no base revision to compare with (use --base REF)"
        return baseline.BaselinePlan(jobs={}, states=dict.fromkeys(heads, "none"),
                                     notes={h: [note] for h in heads}, from_file={})
    pairs = {p.job.spec.path: p.base_path for p in plan.prompts}
    base = baseline.from_base_revision(settings.repo_root, plan.base, pairs, config_rel, stack,
                                       _sparse_patterns(settings, plan, config_rel))
    shards = {p.job.spec.path: p.shards or {} for p in plan.prompts}

    def as_head(head: str, job: PromptJob) -> PromptJob:
        spec = job.spec.model_copy(update={"path": head})  # results pair by the head's path, renamed or not
        if settings.shard is not None:
            spec = planning.shard_spec(spec, settings.shard, shards[head])
        return PromptJob(spec=spec, repo_root=job.repo_root, config=job.config)

    jobs = {h: as_head(h, j) for h, j in base.jobs.items()}
    return baseline.BaselinePlan(jobs=jobs, states=base.states, notes=base.notes, from_file={})


def _sparse_patterns(settings: Settings, plan: Plan, config_rel: str) -> list[str] | None:
    """What the base checkout needs: the config, the prompts and what they read. User code may
    import anything, so a prompt with a python/command target or scorer gets a full checkout."""
    specs = [p.job.spec for p in plan.prompts]
    if any(planning.runs_user_code(s) for s in specs):
        return None
    prefix = git.prefix(settings.repo_root)
    paths = {config_rel, *(p.base_path for p in plan.prompts), *(d.path for s in specs for d in s.dependencies)}
    return ["/" + prefix + path for path in sorted(paths)]


def run_options(settings: Settings, plan: Plan) -> RunOptions:
    d = plan.config.defaults
    return RunOptions(concurrency=settings.concurrency or d.concurrency, timeout_s=d.timeout_s,
                      retries=d.retries, repeats=settings.repeats, use_cache=settings.use_cache and plan.use_cache,
                      cache_dir=settings.repo_root / plan.config.cache.dir, max_rps=settings.max_rps or d.max_rps)


@dataclass
class Collected:
    """Cases as they finish, so an interrupted run still reports what it did."""

    head: dict[str, list[CaseResult]]
    base: dict[str, list[CaseResult]]


def execute(plan: Plan, base_plan: baseline.BaselinePlan, settings: Settings, env: Mapping[str, str],
            collected: Collected, on_case: OnCase | None = None) -> None:
    opts = run_options(settings, plan)
    base_jobs = list(base_plan.jobs.values())
    head_jobs = [p.job for p in plan.prompts]

    def record(into: dict[str, list[CaseResult]], notify: OnCase | None) -> OnCase:
        def _record(job: PromptJob, case: CaseResult) -> None:
            into.setdefault(job.spec.path, []).append(case)
            if notify is not None:
                notify(job, case)
        return _record

    if base_jobs:
        run_jobs_sync(base_jobs, opts, env, on_case=record(collected.base, None))
    run_jobs_sync(head_jobs, opts, env, on_case=record(collected.head, on_case))


def assemble(plan: Plan, base_plan: baseline.BaselinePlan, settings: Settings, collected: Collected,
             started: float, incomplete: bool = False) -> RunReport:
    results = [_prompt_result(p, base_plan, collected) for p in plan.prompts]
    results += [compare.removed_prompt(path, ["prompt file deleted"]) for path in plan.removed]
    status = gate.run_status(results)
    if incomplete and status in ("pass", "skipped"):
        status = "error"  # cases that never ran can't vouch for a pass (outputs, results.json)
    return RunReport(status=status, mode=settings.mode, base=plan.base, head=plan.head,
                     totals=gate.totals(results), prompts=results, notes=plan.notes,
                     stats=run_stats(results, time.monotonic() - started), incomplete=incomplete,
                     shard=str(settings.shard) if settings.shard else None)


def _prompt_result(p: PlannedPrompt, base_plan: baseline.BaselinePlan, collected: Collected) -> PromptResult:
    path = p.job.spec.path
    order = {c.id: i for i, c in enumerate(p.job.spec.cases)}
    head = sorted(collected.head.get(path, []), key=lambda c: order.get(c.id, len(order)))
    state = base_plan.states.get(path, "none")
    base_cases: list[CaseResult] | None = None
    if path in base_plan.from_file:
        base_cases = base_plan.from_file[path]
    elif path in base_plan.jobs:
        base_cases = collected.base.get(path, [])
    run = compare.PromptRun(path=path, name=p.job.spec.name, provider=p.job.spec.provider.label(),
                            thresholds=p.thresholds, head=head, baseline=base_cases, baseline_state=state,
                            notes=base_plan.notes.get(path, []), selected_because=p.reasons)
    return gate.gate_prompt(compare.compare_prompt(run))

