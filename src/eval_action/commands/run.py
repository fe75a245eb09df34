"""`eval-action run`: plan, run the head (and its baseline), assemble the report, write the files."""

from __future__ import annotations

import argparse
import contextlib
import time
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from eval_action.execution import session
from eval_action.execution.preflight import check_prompt
from eval_action.execution.progress import Progress
from eval_action.execution.redaction import redact_report, secret_values, take_ci_tokens
from eval_action.execution.scorers.registry import grader_calls
from eval_action.execution.signals import sigterm_raises
from eval_action.model.errors import ExitCode, Problems, UserError
from eval_action.model.files import ensure_writable
from eval_action.model.results import Collected, RunReport
from eval_action.model.settings import Settings, parse_shard
from eval_action.model.specs import Config, flat_scorers
from eval_action.platforms.gitlab_env import mr_base_sha
from eval_action.render.log import Log, log_line, log_stderr
from eval_action.render.markdown import render_comment
from eval_action.render.outputs import write_all
from eval_action.render.text import next_steps, render_text
from eval_action.selection import trust
from eval_action.selection.build import baseline_plan, build_plan
from eval_action.selection.plan import ORIGIN_HEAD, FileList, Plan
from eval_action.verdict.assemble import assemble
from eval_action.verdict.gate import exit_code

_UNTRUSTED = "untrusted head"


def refuse_untrusted_head(plan: Plan, settings: Settings) -> None:
    """No code of an untrusted head runs, and its requests go only where the base config sends them."""
    if settings.allow_untrusted_code:
        return
    code = {p.job.spec.path: trust.user_code(p.job.spec, plan.config) for p in plan.prompts}
    risky = [f"{path} ({', '.join(how)})" for path, how in code.items() if how]
    if risky:
        raise UserError(
            f"refusing to run user code of {'; '.join(risky)}: on an untrusted head (pull_request_target, "
            "a fork's merge request in this project) the checked-out code is the PR author's and the job "
            "holds secrets and a write token — set the input `allow-untrusted-code: true` only if every "
            "PR author is trusted", _UNTRUSTED)
    base = plan.base_config or Config()
    refused = [r for p in plan.prompts for r in trust.refused_destinations(p.job.spec, plan.config, base)]
    if refused:
        raise UserError(
            f"refusing the head's provider setting {refused[0]}: on an untrusted head, requests and their "
            "keys go only where the base revision's eval-action.yaml sends them — change providers in a PR "
            "from a trusted branch first", _UNTRUSTED)


def describe_plan(plan: Plan, repeats: int | None) -> list[str]:
    lines, calls = [], 0
    for p in plan.prompts:
        spec = p.job.spec
        # each answer: one target call, and each model-graded scorer's grader calls
        per_answer = sum(1 + sum(map(grader_calls, flat_scorers([*spec.scorers, *c.scorers])))
                         for c in spec.cases)
        n = per_answer * (repeats or spec.repeats or plan.config.defaults.repeats)
        calls += n
        lines.append(f"{spec.path}: {len(spec.cases)} case(s), {n} call(s) — " + "; ".join(p.reasons))
    lines += [f"{path}: removed (not run)" for path in plan.removed]
    lines += [f"note: {n}" for n in plan.notes]
    if not plan.prompts:
        lines.append("no prompt affected by this change")
    lines.append(f"{len(plan.prompts)} prompt(s), up to {calls} call(s) for the head, graders included "
                 "(as many again for the baseline, less what the cache holds)")
    return lines


@dataclass(frozen=True)
class RunOutcome:
    report: RunReport | None  # None for a dry run
    interrupted: bool = False
    secret_names: tuple[str, ...] = ()  # the config's `secrets:`, redacted whatever their names


def run(settings: Settings, env: Mapping[str, str], log: Log, interactive: bool,
        changed_files: FileList | None = None) -> RunOutcome:
    started = time.monotonic()
    with contextlib.ExitStack() as stack:
        problems = Problems()
        plan = build_plan(settings, log, problems, changed_files)
        refuse_untrusted_head(plan, settings)  # first: checking a python scorer imports its module
        for p in plan.prompts:
            check_prompt(p.job.spec, settings.repo_root, plan.config, problems, env)
        problems.raise_if_any()  # all of them, before the baseline's checkout and before any call
        base_plan = baseline_plan(settings, plan, stack)
        if settings.dry_run:
            for line in describe_plan(plan, settings.repeats):
                print(log_line(line))
            return RunOutcome(report=None)
        ensure_writable(settings.output_dir, "--output-dir")  # before the calls it would waste
        expected = {"base": {path: len(job.spec.cases) for path, job in base_plan.jobs.items()},
                    "head": {p.job.spec.path: len(p.job.spec.cases) for p in plan.prompts}}
        progress = Progress(expected, interactive)
        progress.start()
        collected = Collected(head={}, base={})
        interrupted = False
        try:
            with sigterm_raises():
                session.execute(plan, base_plan, settings, env, collected, on_case=progress.on_case)
        except KeyboardInterrupt:  # Interrupted (SIGTERM) or Ctrl-C
            interrupted = True
            log("interrupted: reporting the cases that finished")
        finally:
            progress.close()
        report = assemble(plan, base_plan, settings, collected, started, incomplete=interrupted)
        return RunOutcome(report=report, interrupted=interrupted, secret_names=tuple(plan.config.secrets))


def _default_base(env: Mapping[str, str]) -> str:
    if mr := mr_base_sha(env):
        return mr
    if env.get("GITHUB_BASE_REF"):
        return "origin/" + env["GITHUB_BASE_REF"]
    return ORIGIN_HEAD


def github_token(env: Mapping[str, str]) -> SecretStr | None:
    """The token `github` providers (GitHub Models) send, read before CI tokens leave the environment."""
    found = env.get("GITHUB_TOKEN") or env.get("GH_TOKEN")
    return SecretStr(found) if found else None


def run_local(args: argparse.Namespace, env: MutableMapping[str, str], interactive: bool) -> int:
    settings = Settings(
        repo_root=Path.cwd(), config_path=Path(args.config) if args.config else None, mode=args.mode,
        base=args.base or _default_base(env), base_given=bool(args.base), head=args.head, run_all=args.all,
        prompt_globs=args.prompts or [], baseline=args.baseline or "base",
        output_dir=Path(args.output_dir or "eval-results"), concurrency=args.concurrency,
        repeats=args.repeats, min_pass_rate=args.min_pass_rate, use_cache=not args.no_cache,
        dry_run=args.dry_run, shard=parse_shard(args.shard), max_rps=args.max_rps, gate=args.gate,
        working_tree=args.head == "HEAD", github_token=github_token(env))
    snapshot = dict(env)  # CI tokens leave `env` (user code reads it) before anything runs
    take_ci_tokens(env)
    outcome = run(settings, dict(env), log_stderr, interactive)
    if outcome.report is None:
        return ExitCode.OK
    report = redact_report(outcome.report, secret_values(snapshot, names=outcome.secret_names))
    body = render_comment(report, key="local", run_id=None, full_report_hint=None)
    written = write_all(report, settings.output_dir, body)
    print(render_text(report))
    log_stderr(f"wrote {written.results}, {written.report}, {written.junit}, {written.html}")
    for line in next_steps(report, str(written.html), settings.base):
        log_stderr(line)
    return exit_code(report, outcome.interrupted)
