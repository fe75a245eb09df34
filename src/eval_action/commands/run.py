"""The glue of one invocation: run the pipeline, write the files, publish, decide the exit code.

Receives its collaborators (settings, platform, environment) so tests can pass real fakes.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import FrameType

from eval_action.commands import pipeline
from eval_action.execution.progress import Progress
from eval_action.model.errors import UserError
from eval_action.model.results import RunReport
from eval_action.model.settings import Settings
from eval_action.selection.plan import FileList, Plan, runs_user_code
from eval_action.verdict import gate

Log = Callable[[str], None]


def log_stderr(line: str) -> None:
    # every line carries a prefix, so untrusted text can never start a workflow command (`::`)
    print(f"eval-action: {line}", file=sys.stderr, flush=True)


class Interrupted(KeyboardInterrupt):
    """SIGTERM (a cancelled CI job) arrived: what finished is still reported.

    A KeyboardInterrupt, so no `except Exception` (user code, a target turning failures into
    errored cases) can swallow it.
    """


@contextlib.contextmanager
def sigterm_raises() -> Iterator[None]:
    """Turn SIGTERM into Interrupted, also while an asyncio loop runs.

    Raising from the handler inside a running loop is unsafe: an exception raised in a callback
    is logged and dropped, and one raised in a task skips the loop's orderly shutdown. So, like
    asyncio.Runner does for Ctrl-C, the handler cancels the loop's tasks instead, and the
    CancelledError that ends the loop becomes Interrupted here.
    """
    received = False

    def handler(signum: int, frame: FrameType | None) -> None:
        nonlocal received
        received = True
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise Interrupted() from None
        for task in asyncio.all_tasks(loop):
            task.cancel()
        loop.call_soon_threadsafe(lambda: None)  # wake a select() waiting on a long timeout

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread (tests): nothing to install
        yield
        return
    try:
        yield
    except asyncio.CancelledError:
        if received:
            raise Interrupted() from None
        raise
    finally:
        signal.signal(signal.SIGTERM, previous)


def refuse_untrusted_code(plan: Plan, settings: Settings) -> None:
    if settings.allow_untrusted_code:
        return
    risky = [p.job.spec.path for p in plan.prompts if runs_user_code(p.job.spec)]
    if risky:
        raise UserError(
            f"refusing to run python/command targets or scorers of {', '.join(risky)}: on pull_request_target "
            "the checked-out code is the PR author's and the job holds a write token — set the input "
            "`allow-untrusted-code: true` only if every PR author is trusted", "pull_request_target")


def describe_plan(plan: Plan, repeats: int | None) -> str:
    lines, calls = [], 0
    for p in plan.prompts:
        spec = p.job.spec
        n = len(spec.cases) * (repeats or spec.repeats or plan.config.defaults.repeats)
        calls += n
        lines.append(f"{spec.path}: {len(spec.cases)} case(s), {n} call(s) — " + "; ".join(p.reasons))
    lines += [f"{path}: removed (not run)" for path in plan.removed]
    lines += [f"note: {n}" for n in plan.notes]
    if not plan.prompts:
        lines.append("no prompt affected by this change")
    lines.append(f"{len(plan.prompts)} prompt(s), up to {calls} call(s) for the head "
                 "(as many again for the baseline, less what the cache holds)")
    return "\n".join(lines)


@dataclass(frozen=True)
class RunOutcome:
    report: RunReport | None  # None for a dry run
    interrupted: bool = False


def run(settings: Settings, env: Mapping[str, str], log: Log, interactive: bool,
        changed_files: FileList | None = None) -> RunOutcome:
    started = time.monotonic()
    with contextlib.ExitStack() as stack:
        plan, base_plan = pipeline.build_plan(settings, log, stack, changed_files)
        if settings.dry_run:
            print(describe_plan(plan, settings.repeats))
            return RunOutcome(report=None)
        refuse_untrusted_code(plan, settings)
        expected = {p.job.spec.path: len(p.job.spec.cases) for p in plan.prompts}
        progress = Progress(expected, "head", interactive)
        collected = pipeline.Collected(head={}, base={})
        interrupted = False
        try:
            with sigterm_raises():
                pipeline.execute(plan, base_plan, settings, env, collected, on_case=progress.on_case)
        except KeyboardInterrupt:  # Interrupted (SIGTERM) or Ctrl-C
            interrupted = True
            log("interrupted: reporting the cases that finished")
        finally:
            progress.close()
        report = pipeline.assemble(plan, base_plan, settings, collected, started, incomplete=interrupted)
        return RunOutcome(report=report, interrupted=interrupted)


def exit_code(report: RunReport, interrupted: bool) -> int:
    if interrupted:
        return gate.EXIT_INFRA  # a cancelled job never reads as success
    return gate.verdict(report.status, report.mode, report.incomplete).exit_code
