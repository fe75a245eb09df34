"""Settings + the change -> the Plan: which prompts run, with which cases, against which baseline."""

from __future__ import annotations

import contextlib
from pathlib import Path

from eval_action.inputs.config import CONFIG_FILE, load_config
from eval_action.inputs.prompts.files import scan_tree
from eval_action.model.errors import GitError, Problems
from eval_action.model.settings import Settings
from eval_action.model.specs import Config, PromptJob, PromptSpec
from eval_action.selection import baseline, changes, discovery, git, prefilter, trust
from eval_action.selection import plan as planning
from eval_action.selection.plan import Log, Plan, PlannedPrompt


def build_plan(settings: Settings, log: Log, problems: Problems,
               fallback: planning.FileList | None = None) -> Plan:
    """Which prompts run, with which cases; a prompt file that doesn't load is added to `problems`
    (all of them, not the first) and left out."""
    config = load_config(settings.repo_root, settings.config_path)
    changeset, all_reason = planning.find_changes(settings, log, fallback, own=[config.cache.dir])
    config_rel = planning.config_rel(settings)
    tree = scan_tree(settings.repo_root, config.prompts)
    if changeset is None:  # every prompt (or those --prompts names) runs
        paths = planning.matching(tree.prompts, settings.prompt_globs, config)
    else:  # only prompts the change may affect are loaded; select() decides among them
        config_file = settings.config_path or settings.repo_root / CONFIG_FILE
        paths = prefilter.candidates(changeset, tree, settings.repo_root, config, config_file, config_rel)
        if not paths and not prefilter.touches_prompt_files(changeset, config):
            return _nothing_affected(config, changeset)
    specs, skipped = planning.load_specs(settings.repo_root, config, paths, problems)
    base_rev = (changeset.merge_base or changeset.base) if changeset else _resolve(settings, settings.base)
    base_cfg = baseline.base_config(settings.repo_root, base_rev, config_rel) if changeset and base_rev else None
    selection = planning.select_prompts(settings, specs, config, base_cfg, changeset, all_reason)
    profile = planning.gate_profile(config, settings)
    prompts = [_planned(specs[s.path], s, config, settings, profile) for s in selection.selected]
    prompts = [p for p in prompts if p.job.spec.cases]  # a shard may hold no case of a prompt
    notes = list(selection.notes) + ([all_reason] if all_reason and not settings.prompt_globs
                                     and not settings.run_all else []) + planning.skipped_note(skipped)
    for p in prompts:
        trust.check_key_variables(p.job.spec, config)
    trusted = not prompts or planning.cache_is_trusted(settings.repo_root, config, log)
    if not trusted:
        notes.append(f"the response cache was not used: {config.cache.dir} is committed to the repository, "
                     "and answers a pull request brings with it can't be trusted — remove it from git")
    plan = Plan(config=config, prompts=prompts, removed=list(selection.removed), notes=notes,
                base=base_rev, head=_head_label(settings, changeset),
                changes=changeset, use_cache=trusted,
                base_config=None if settings.allow_untrusted_code else _trusted_config(settings, base_rev, config_rel))
    return plan


def _trusted_config(settings: Settings, base_rev: str | None, config_rel: str) -> Config:
    """The base revision's config, which an untrusted head's providers must keep to; the defaults
    when there is no base to read (a head can't widen what it can't see)."""
    found = baseline.base_config(settings.repo_root, base_rev, config_rel) if base_rev else None
    return found or Config()


def _planned(spec: PromptSpec, selected: discovery.Selected, config: Config, settings: Settings,
             profile: str | None) -> PlannedPrompt:
    shards = planning.shard_assignment(spec, settings.shard) if settings.shard else None
    if settings.shard and shards is not None:
        spec = planning.shard_spec(spec, settings.shard, shards)
    return PlannedPrompt(job=PromptJob(spec=spec, repo_root=settings.repo_root, config=config),
                         thresholds=planning.thresholds_for(spec, config, settings, profile), reasons=selected.reasons,
                         base_path=selected.base_path or selected.path, shards=shards)


def _nothing_affected(config: Config, changeset: changes.ChangeSet) -> Plan:
    return Plan(config=config, prompts=[], notes=list(changeset.notes), base=changeset.merge_base or changeset.base,
                head=changeset.head, changes=changeset)


def _head_label(settings: Settings, changeset: changes.ChangeSet | None) -> str | None:
    if changeset is None:
        return _resolve(settings, settings.head)
    return changes.WORKING_TREE if changeset.working_tree else changeset.head


def _resolve(settings: Settings, rev: str | None) -> str | None:
    """A SHA for the report, or None when git can't name one (no repository, unknown ref)."""
    if not rev:
        return None
    try:
        return git.resolve(settings.repo_root, rev)
    except GitError:
        return None


def baseline_plan(settings: Settings, plan: Plan, stack: contextlib.ExitStack) -> baseline.BaselinePlan:
    """What the head is compared with; a base checkout it needs lives as long as `stack`."""
    config_rel = planning.config_rel(settings)
    heads = [p.job.spec.path for p in plan.prompts]
    if settings.baseline == "none" or not plan.prompts or settings.dry_run:
        return baseline.BaselinePlan(jobs={}, states=dict.fromkeys(heads, "none"), notes={}, from_file={})
    if settings.baseline != "base":
        return baseline.from_results_file(Path(settings.baseline), heads, plan.base)
    if plan.base is None:
        # One note for the run, not the same sentence under every prompt.
        plan.notes.append(f"no baseline: there is no base revision to compare with "
                          f"(set {settings.option('--base REF', 'base-ref')})")
        return baseline.BaselinePlan(jobs={}, states=dict.fromkeys(heads, "none"), notes={}, from_file={})
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
    if any(trust.runs_user_code(s, plan.config) for s in specs):
        return None
    prefix = git.prefix(settings.repo_root)
    paths = {config_rel, *(p.base_path for p in plan.prompts), *(d.path for s in specs for d in s.dependencies)}
    return ["/" + prefix + path for path in sorted(paths)]


