"""Run a plan: the baseline's jobs and the head's in one pool (one limiter, one concurrency budget),
each case recorded as it finishes. Run one after the other, the two runs took 2·ceil(N/C)·L where
together they take ceil(2N/C)·L, and the tail of the first left slots idle."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from eval_action.execution.runner import RunOptions, run_jobs_sync
from eval_action.model.results import CaseResult, Collected
from eval_action.model.settings import Settings
from eval_action.model.specs import PromptJob
from eval_action.selection import baseline
from eval_action.selection.plan import Plan

PhaseOnCase = Callable[[str, PromptJob, CaseResult], None]


def run_options(settings: Settings, plan: Plan) -> RunOptions:
    d = plan.config.defaults
    return RunOptions(concurrency=settings.concurrency or d.concurrency, timeout_s=d.timeout_s,
                      retries=d.retries, repeats=settings.repeats, use_cache=settings.use_cache and plan.use_cache,
                      cache_dir=settings.repo_root / plan.config.cache.dir, max_rps=settings.max_rps or d.max_rps,
                      keep_workdirs=settings.output_dir / "workdirs",
                      github_token=settings.github_token.get_secret_value() if settings.github_token else None)


def execute(plan: Plan, base_plan: baseline.BaselinePlan, settings: Settings, env: Mapping[str, str],
            collected: Collected, on_case: PhaseOnCase | None = None) -> None:
    """`on_case(phase, job, case)` hears of every case as it finishes, `phase` being "base" or "head"."""
    opts = run_options(settings, plan)
    base_jobs = list(base_plan.jobs.values())
    head_jobs = [p.job for p in plan.prompts]

    base_ids = {id(job) for job in base_jobs}  # a base job and its head job share the head's path

    def record(job: PromptJob, case: CaseResult) -> None:
        phase = "base" if id(job) in base_ids else "head"
        collected_phase = collected.base if phase == "base" else collected.head
        collected_phase.setdefault(job.spec.path, []).append(case)
        if on_case is not None:
            on_case(phase, job, case)

    run_jobs_sync(base_jobs + head_jobs, opts, env, on_case=record)
