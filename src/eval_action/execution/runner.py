"""Cases x repeats -> target -> scorers, concurrently, under one limiter shared with the graders.

Messages are rendered for every case before the first call, so a template error (a config error)
stops the run before anything is spent. A target's infrastructure failure makes its case errored
and never touches the other cases.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from eval_action.execution.cache import ResponseCache
from eval_action.execution.pricing import answer_cost
from eval_action.execution.ratelimit import Limiter
from eval_action.execution.redaction import secret_values
from eval_action.execution.scorers.base import ScoreContext
from eval_action.execution.scorers.registry import case_passes, score_case
from eval_action.execution.targets.base import Target, TargetRequest
from eval_action.execution.targets.caller import Caller
from eval_action.execution.targets.grader import RunnerGrader, Tally
from eval_action.execution.targets.http import HttpPool
from eval_action.execution.targets.registry import make_target
from eval_action.execution.usercode.pool import UserCode
from eval_action.execution.usercode.workspace import Workspaces, fixture
from eval_action.inputs.templating import render_messages
from eval_action.model.answer import Answer
from eval_action.model.errors import TargetError
from eval_action.model.results import CaseResult, Score
from eval_action.model.specs import Case, Message, PromptJob, WorkdirCopy
from eval_action.verdict.stats import sum_known

_GC_THRESHOLD = 50_000


@dataclass(frozen=True)
class RunOptions:
    concurrency: int = 8
    timeout_s: float = 60
    retries: int = 4
    repeats: int | None = None  # CLI override of the prompt's and config's repeats
    use_cache: bool = True
    cache_dir: Path = Path(".eval-cache")
    max_rps: float | None = None
    keep_workdirs: Path | None = None  # where failing attempts' workspaces are kept
    github_token: str | None = field(default=None, repr=False)  # for `github` providers, never for user code


OnCase = Callable[[PromptJob, CaseResult], None]


@dataclass(frozen=True)
class _Run:
    """One repeat of one case: the answer (or the infrastructure error) and its scores."""

    response: Answer | None
    tally: Tally
    error: str | None = None
    scores: dict[str, Score] = field(default_factory=dict)
    verdict: bool = False

    @property
    def passed(self) -> bool:
        return self.error is None and self.verdict


@dataclass(frozen=True)
class _JobContext:
    job: PromptJob
    target: Target
    grader: RunnerGrader
    caller: Caller
    repeats: int
    usercode: UserCode
    workspaces: Workspaces
    workdir_from: Path | None  # the fixture a `{copy:}` workspace starts from


async def run_jobs(jobs: list[PromptJob], opts: RunOptions, env: Mapping[str, str],
                   on_case: OnCase | None = None) -> list[list[CaseResult]]:
    """One list of case results per job, in case order. Raises UserError for config errors."""
    limiter = Limiter(opts.concurrency, opts.max_rps)
    cache = ResponseCache(opts.cache_dir, enabled=opts.use_cache)
    usercode = UserCode(env, opts.concurrency)
    workspaces = Workspaces(opts.keep_workdirs)
    try:
        declared = {name for job in jobs for name in job.config.secrets}
        caller = Caller(limiter, cache, tuple(secret_values(env, names=declared)))
        return await _run_all(jobs, opts, env, on_case, limiter, caller, (usercode, workspaces))
    finally:
        await usercode.aclose()  # also when cancelled (SIGTERM): no worker outlives the run
        await cache.aclose()


async def _run_all(jobs: list[PromptJob], opts: RunOptions, env: Mapping[str, str], on_case: OnCase | None,
                   limiter: Limiter, caller: Caller, user: tuple[UserCode, Workspaces]) -> list[list[CaseResult]]:
    async with HttpPool(opts.concurrency, retries=opts.retries, limiter=limiter) as http:
        contexts = [_context(job, opts, env, http, caller, *user) for job in jobs]
        rendered = [[render_messages(c.job.spec, case, c.job.repo_root) for case in c.job.spec.cases]
                    for c in contexts]
        try:
            async with asyncio.TaskGroup() as group:
                tasks = [[group.create_task(_run_case(ctx, case, messages, on_case))
                          for case, messages in zip(ctx.job.spec.cases, msgs, strict=True)]
                         for ctx, msgs in zip(contexts, rendered, strict=True)]
        except BaseExceptionGroup as group_error:
            raise _first(group_error) from None  # the CLI maps UserError etc. to exit codes
    return [[t.result() for t in row] for row in tasks]


def run_jobs_sync(jobs: list[PromptJob], opts: RunOptions, env: Mapping[str, str],
                  on_case: OnCase | None = None) -> list[list[CaseResult]]:
    with _rare_collections():
        return asyncio.run(run_jobs(jobs, opts, env, on_case))


@contextmanager
def _rare_collections() -> Iterator[None]:
    """Thousands of live tasks and results make each young-generation GC pass costly, and a pass
    stalls every request in flight; collecting less often measured ~4% off wall time at C=128."""
    old = gc.get_threshold()
    gc.set_threshold(max(old[0], _GC_THRESHOLD), *old[1:])
    try:
        yield
    finally:
        gc.set_threshold(*old)


def _first(group: BaseExceptionGroup[BaseException]) -> BaseException:
    first = group.exceptions[0]
    return _first(first) if isinstance(first, BaseExceptionGroup) else first


def _context(job: PromptJob, opts: RunOptions, env: Mapping[str, str], http: HttpPool,
             caller: Caller, usercode: UserCode, workspaces: Workspaces) -> _JobContext:
    target = make_target(job.spec.provider, env=env, repo_root=job.repo_root, http=http,
                         timeout_s=opts.timeout_s, usercode=usercode, github_token=opts.github_token)
    grader = RunnerGrader(job.config, env=env, repo_root=job.repo_root, http=http, caller=caller,
                          timeout_s=opts.timeout_s, usercode=usercode, github_token=opts.github_token)
    repeats = opts.repeats or job.spec.repeats or job.config.defaults.repeats
    workdir = job.spec.provider.workdir
    start_from = fixture(workdir, job.repo_root) if isinstance(workdir, WorkdirCopy) else None
    return _JobContext(job, target, grader, caller, max(1, repeats), usercode, workspaces, start_from)


async def _run_case(ctx: _JobContext, case: Case, messages: list[Message],
                    on_case: OnCase | None) -> CaseResult:
    if ctx.repeats == 1:  # the common case: no gather, no extra task per case
        runs = [await _run_once(ctx, case, messages, 0)]
    else:
        runs = list(await asyncio.gather(*(_run_once(ctx, case, messages, i) for i in range(ctx.repeats))))
    result = _combine(ctx, case, runs)
    if on_case is not None:
        on_case(ctx.job, result)
    return result


async def _run_once(ctx: _JobContext, case: Case, messages: list[Message], repeat: int) -> _Run:
    if ctx.job.spec.provider.workdir is None:
        return await _attempt(ctx, case, messages, repeat, None)
    job = ctx.job
    with ctx.workspaces.attempt(ctx.workdir_from, job.repo_root, job.spec.path, case.id, repeat) as workspace:
        run = await _attempt(ctx, case, messages, repeat, workspace.path)
        workspace.keep = not run.passed
    return run


async def _attempt(ctx: _JobContext, case: Case, messages: list[Message], repeat: int,
                   workdir: Path | None) -> _Run:
    spec = ctx.job.spec
    request = TargetRequest(messages=messages, params=spec.params, tools=spec.tools,
                            tool_choice=spec.tool_choice, vars=case.vars, case_id=case.id, prompt=spec.path,
                            workdir=str(workdir) if workdir else None, timeout_s=case.timeout_s)
    tally = Tally()
    try:
        response = await ctx.caller.complete(ctx.target, request, repeat)
    except TargetError as e:
        tally.count(cached=False)
        return _Run(None, tally, error=str(e))
    tally.count(response.cached)
    # The slot is released by now: graders take slots of their own from the same limiter.
    scores = await _score(ctx, case, messages, response, tally, workdir)
    threshold = case.threshold if case.threshold is not None else ctx.job.spec.threshold
    verdict = case_passes([*ctx.job.spec.scorers, *case.scorers], scores, threshold)
    return _Run(response, tally, scores=scores, verdict=verdict)


async def _score(ctx: _JobContext, case: Case, messages: list[Message],
                 response: Answer, tally: Tally, workdir: Path | None) -> dict[str, Score]:
    spec, root = ctx.job.spec, ctx.job.repo_root
    score_ctx = ScoreContext(
        output=response.output, vars=case.vars, expected=case.expected, case_id=case.id, prompt=spec.path,
        prompt_dir=(root / spec.path).parent, repo_root=root, grader=ctx.grader.tallied(tally),
        latency_ms=response.latency_ms, tokens=response.tokens, cost_usd=_cost(ctx.job, response),
        messages=messages, cached=response.cached, tool_calls=response.tool_calls, trace=response.trace,
        metadata=response.metadata, tools=spec.tools, usercode=ctx.usercode, python=spec.provider.python,
        workdir=workdir, logprobs=response.logprobs)
    return await score_case([*spec.scorers, *case.scorers], score_ctx)


def _cost(job: PromptJob, response: Answer) -> float | None:
    return answer_cost(job.config.pricing, job.spec.provider.model, response)


def _combine(ctx: _JobContext, case: Case, runs: list[_Run]) -> CaseResult:
    """Majority over repeats; any infrastructure error or unrunnable scorer makes the case errored."""
    passes = sum(r.passed for r in runs)
    error = _error(runs, len(runs))
    passed = passes * 2 > len(runs) and error is None
    # the repeat shown agrees with the verdict: a majority pass shows a passing answer
    shown = next((r for r in runs if r.passed == passed), runs[0])
    response = shown.response
    return CaseResult(
        id=case.id, passed=passed, error=error, scores=shown.scores,
        output=response.output if response else None,
        tool_calls=response.tool_calls if response else [], trace=response.trace if response else [],
        metadata=response.metadata if response else {},
        latency_ms=response.latency_ms if response else None,
        tokens=response.tokens if response else None,
        cost_usd=_cost(ctx.job, response) if response else None,
        cached=bool(response and response.cached), vars=case.vars, expected=case.expected,
        repeats=len(runs), passes=passes, flaky=0 < passes < len(runs),
        calls=sum(r.tally.calls for r in runs), cache_hits=sum(r.tally.cache_hits for r in runs),
        grader_calls=sum(r.tally.grader_calls for r in runs),
        grader_tokens=sum_known([r.tally.grader_tokens for r in runs]),
        grader_cost_usd=sum_known([r.tally.grader_cost_usd for r in runs]))



def _error(runs: list[_Run], total: int) -> str | None:
    for i, run in enumerate(runs):
        prefix = f"run {i + 1}/{total}: " if total > 1 else ""
        if run.error is not None:
            return prefix + run.error
        for label, score in run.scores.items():
            if score.errored:
                return f"{prefix}scorer {label} could not run: {score.reason}"
    return None
