"""The four commands, each a short composition of the stages."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, MutableMapping
from pathlib import Path
from typing import Any

from eval_action.commands import merge
from eval_action.commands import run as app
from eval_action.commands import validate as validation
from eval_action.execution.redaction import secret_values
from eval_action.model.results import RunReport
from eval_action.model.settings import Settings, parse_shard
from eval_action.platforms.base import CIContext, Level, Platform
from eval_action.platforms.inputs import ActionInputs, parse_inputs
from eval_action.render.markdown import render_comment, render_summary
from eval_action.render.outputs import redact, write_all
from eval_action.render.text import render_text

# Credentials of the CI itself: user code (python/command targets and scorers) never sees them.
CI_TOKENS = ("GITHUB_TOKEN", "GH_TOKEN", "INPUT_GITHUB-TOKEN", "INPUT_TOKEN", "CI_JOB_TOKEN",
             "ACTIONS_RUNTIME_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_URL",
             "CI_REGISTRY_PASSWORD", "CI_DEPLOY_PASSWORD", "CI_JOB_JWT", "CI_JOB_JWT_V2", "GITLAB_TOKEN")


def _log(line: str) -> None:
    app.log_stderr(line)


def validate(root: Path, config: Path | None, globs: list[str]) -> int:
    problems, count = validation.validate_repo(root, config, globs)
    for problem in problems:
        print(f"eval-action: error: {problem}")
    if problems:
        print(f"eval-action: {len(problems)} problem(s) in {count} prompt file(s)")
        return 2
    print(f"eval-action: {count} prompt file(s) OK")
    return 0


def _default_base(env: Mapping[str, str]) -> str:
    if env.get("CI_MERGE_REQUEST_DIFF_BASE_SHA"):
        return env["CI_MERGE_REQUEST_DIFF_BASE_SHA"]
    if env.get("GITHUB_BASE_REF"):
        return "origin/" + env["GITHUB_BASE_REF"]
    return "origin/HEAD"


def run_local(args: argparse.Namespace, env: Mapping[str, str], interactive: bool) -> int:
    settings = Settings(
        repo_root=Path.cwd(), config_path=Path(args.config) if args.config else None, mode=args.mode,
        base=args.base or _default_base(env), base_given=bool(args.base), head=args.head, run_all=args.all,
        prompt_globs=args.prompts or [], baseline=args.baseline or "base",
        output_dir=Path(args.output_dir or "eval-results"), concurrency=args.concurrency,
        repeats=args.repeats, min_pass_rate=args.min_pass_rate, use_cache=not args.no_cache,
        dry_run=args.dry_run, shard=parse_shard(args.shard), max_rps=args.max_rps)
    outcome = app.run(settings, dict(env), _log, interactive)
    if outcome.report is None:
        return 0
    report = redact(outcome.report, secret_values(env))
    body = render_comment(report, key="local", run_id=None, full_report_hint=None)
    written = write_all(report, settings.output_dir, body)
    print(render_text(report))
    _log(f"wrote {written.results}, {written.report}, {written.junit}, {written.html}")
    return app.exit_code(report, outcome.interrupted)


# ---------------------------------------------------------------- ci
def _overrides(args: argparse.Namespace) -> ActionInputs:
    raw = {"mode": args.mode, "config": args.config, "base-ref": args.base,
           "min-pass-rate": _text(args.min_pass_rate), "baseline": args.baseline,
           "comment": args.comment, "comment-key": args.comment_key, "concurrency": _text(args.concurrency),
           "repeats": _text(args.repeats), "working-directory": args.working_directory,
           "output-dir": args.output_dir, "shard": args.shard, "token-variable": args.token_variable,
           "allow-untrusted-code": args.allow_untrusted_code,
           "prompts": " ".join(args.prompts) if args.prompts else None}
    return parse_inputs({k: v for k, v in raw.items() if v is not None}, "command line")


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def protect_secrets(platform: Platform, env: MutableMapping[str, str], inputs: ActionInputs) -> None:
    """Mask the token input, then take the CI's own tokens away from user code.

    Keys passed through `env:` from `secrets.*` are masked by the runner already; printing
    `::add-mask::` for them would put the raw value into the job log.
    """
    if inputs.token is not None:
        platform.mask(inputs.token.get_secret_value())
    for name in (*CI_TOKENS, inputs.token_variable):
        env.pop(name, None)


def ci_settings(args: argparse.Namespace, ctx: CIContext, inputs: ActionInputs) -> Settings:
    root = Path.cwd()
    return Settings(
        repo_root=root, config_path=Path(inputs.config) if inputs.config else None, mode=inputs.mode,
        base=inputs.base_ref or ctx.base, base_given=bool(inputs.base_ref), head="HEAD",
        run_all=ctx.run_all or args.all,
        prompt_globs=inputs.prompts, baseline=inputs.baseline or "base",
        output_dir=Path(inputs.output_dir or "eval-results"), concurrency=inputs.concurrency,
        repeats=inputs.repeats, min_pass_rate=inputs.min_pass_rate, use_cache=not args.no_cache,
        dry_run=args.dry_run, shard=parse_shard(inputs.shard), max_rps=args.max_rps,
        allow_untrusted_code=inputs.allow_untrusted_code or not ctx.untrusted_head)


def ci(args: argparse.Namespace, env: MutableMapping[str, str]) -> int:
    from eval_action.platforms.detect import detect

    platform = detect(dict(env), Path.cwd(), _overrides(args))
    inputs = platform.inputs()
    ctx = platform.context()
    secrets = secret_values(env, [inputs.token.get_secret_value()] if inputs.token else [])
    protect_secrets(platform, env, inputs)
    workspace = Path.cwd()
    if inputs.working_directory:
        os.chdir(inputs.working_directory)
    settings = ci_settings(args, ctx, inputs)
    with platform.group("eval-action: running the evals"):
        outcome = app.run(settings, dict(env), _log, interactive=False,
                          changed_files=lambda: platform.changed_files(ctx))
    if outcome.report is None:
        return 0
    report = redact(outcome.report, secrets).model_copy(update={"run_url": ctx.run_url})
    publish(report, platform, ctx, inputs, settings.output_dir, commenting=settings.shard is None,
            workspace=workspace)
    return app.exit_code(report, outcome.interrupted)


def publish(report: RunReport, platform: Platform, ctx: CIContext, inputs: ActionInputs, output_dir: Path,
            commenting: bool, workspace: Path | None = None) -> None:
    """Files first (never lost), then the comment, the summary, outputs and annotations.

    Paths in outputs and annotations are relative to `workspace` (where the job started, before
    `working-directory`), since that is where the next step and the annotation UI look.
    """
    def shown(path: Path | str) -> str:
        return os.path.relpath(Path(path).absolute(), workspace or Path.cwd())

    key = inputs.comment_key or ctx.comment_key
    hint = f"{output_dir.as_posix()}/report.html in this job's artifacts"
    body = render_comment(report, key=key, run_id=ctx.run_id, limit=platform.comment_limit, full_report_hint=hint)
    written = write_all(report, output_dir, body)
    _log(f"{report.status}: {report.totals.passed}/{report.totals.cases} cases passed; wrote {output_dir}/")
    comment_url = None
    if not commenting:
        _log("no comment from a shard job: the `eval-action report` job that merges the shards posts it")
    elif inputs.comment and ctx.change_request is not None:
        # a PR that touches no prompt gets no new comment, but an earlier one is updated to say so
        outcome = platform.upsert_comment(ctx, body, create=report.status != "skipped")
        comment_url = outcome.comment_url
        if outcome.message:
            _log(outcome.message)
    platform.write_summary(render_summary(report, full_report_hint=hint))
    platform.set_outputs(_outputs(report, shown(written.results), shown(written.junit), shown(written.report),
                                  comment_url))
    level: Level = "error" if report.mode == "blocking" else "warning"
    for p in report.prompts:
        if p.status in ("fail", "error"):
            reason = "; ".join(p.gate_failures) or f"{p.errored} case(s) errored"
            platform.annotate(level, shown(p.path), f"eval {p.status}: {p.name}", reason)


def _outputs(report: RunReport, results: str, junit: str, md: str, url: str | None) -> dict[str, str]:
    t = report.totals
    scored = t.passed + t.failed
    return {"status": report.status, "passed": str(t.passed), "failed": str(t.failed),
            "errored": str(t.errored), "pass-rate": f"{100 * t.passed / scored:.1f}" if scored else "",
            "regressions": str(t.regressions), "results-path": results, "junit-path": junit,
            "report-path": md, "comment-url": url or ""}


# ---------------------------------------------------------------- report (merge shards)
def report(args: argparse.Namespace, env: MutableMapping[str, str]) -> int:
    merged = merge.merge_files(merge.expand(args.results))
    if args.mode:
        merged = merged.model_copy(update={"mode": args.mode})
    if env.get("GITHUB_ACTIONS") == "true" or env.get("GITLAB_CI") == "true":
        from eval_action.platforms.detect import detect

        raw = {"output-dir": args.output_dir, "comment-key": args.comment_key, "mode": args.mode}
        platform = detect(dict(env), Path.cwd(), parse_inputs({k: v for k, v in raw.items() if v}, "command line"))
        inputs = platform.inputs()
        ctx = platform.context()
        protect_secrets(platform, env, inputs)
        merged = merged.model_copy(update={"mode": args.mode or inputs.mode, "run_url": ctx.run_url})
        publish(merged, platform, ctx, inputs, Path(inputs.output_dir or "eval-results"), commenting=True)
    else:
        out = Path(args.output_dir or "eval-results")
        write_all(merged, out, render_comment(merged, key=args.comment_key or "local", run_id=None))
        print(render_text(merged))
    return app.exit_code(merged, interrupted=False)

