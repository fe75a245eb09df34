"""`eval-action ci`: the container entrypoint — detect the platform, run, publish, set outputs."""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from eval_action.commands.publish import publish, publish_problems
from eval_action.commands.run import github_token, run
from eval_action.commands.setup import run_setup
from eval_action.execution.redaction import redact_report, redact_text, secret_values, take_ci_tokens
from eval_action.model.errors import ExitCode, GitError, UserError, flatten
from eval_action.model.settings import Settings, parse_shard
from eval_action.platforms.base import CIContext, Platform
from eval_action.platforms.inputs import ActionInputs, parse_inputs
from eval_action.render.log import log_stderr
from eval_action.selection import changes, git
from eval_action.verdict.gate import exit_code


def _overrides(args: argparse.Namespace) -> ActionInputs:
    raw = {"mode": args.mode, "config": args.config, "base-ref": args.base,
           "min-pass-rate": _text(args.min_pass_rate), "baseline": args.baseline,
           "comment": args.comment, "comment-key": args.comment_key, "concurrency": _text(args.concurrency),
           "repeats": _text(args.repeats), "working-directory": args.working_directory,
           "output-dir": args.output_dir, "shard": args.shard, "token-variable": args.token_variable,
           "allow-untrusted-code": args.allow_untrusted_code, "gate": args.gate,
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
    take_ci_tokens(env, [inputs.token_variable])


def ci_settings(args: argparse.Namespace, ctx: CIContext, inputs: ActionInputs,
                checkout: Path | None = None, models_token: SecretStr | None = None) -> Settings:
    """`checkout`: the folder holding the files to judge, when it is not the working directory."""
    root = checkout or Path.cwd()
    config = Path(inputs.config) if inputs.config else None
    return Settings(
        repo_root=root, config_path=root / config if checkout and config else config, mode=inputs.mode,
        base=inputs.base_ref or ctx.base, base_given=bool(inputs.base_ref), head="HEAD",
        run_all=ctx.run_all or args.all,
        prompt_globs=inputs.prompts, baseline=inputs.baseline or "base",
        output_dir=Path(inputs.output_dir or "eval-results"), concurrency=inputs.concurrency,
        repeats=inputs.repeats, min_pass_rate=inputs.min_pass_rate, use_cache=not args.no_cache,
        dry_run=args.dry_run, shard=parse_shard(inputs.shard), max_rps=args.max_rps,
        allow_untrusted_code=inputs.allow_untrusted_code or not ctx.untrusted_head,
        gate=inputs.gate, gate_default="pr" if ctx.change_request is not None else "main",
        named_by="flags" if ctx.platform == "local" else "inputs", github_token=models_token)


def ci(args: argparse.Namespace, env: MutableMapping[str, str]) -> int:
    from eval_action.platforms.detect import detect

    platform = detect(dict(env), Path.cwd(), _overrides(args))
    inputs = platform.inputs()
    ctx = platform.context()
    token = [inputs.token.get_secret_value()] if inputs.token else []
    snapshot = dict(env)  # the tokens leave `env` next; redaction still needs their values
    # GitHub Models take the job's token; a GitLab token must never go there
    models_token = (inputs.token if ctx.platform == "github" else None) or github_token(snapshot)
    protect_secrets(platform, env, inputs)
    workspace = Path.cwd()
    if inputs.working_directory:
        if not Path(inputs.working_directory).is_dir():
            raise UserError(f"`{inputs.working_directory}` is not a folder of this checkout — name the folder "
                            "that holds eval-action.yaml, relative to the workspace", "working-directory")
        os.chdir(inputs.working_directory)
    if inputs.setup:
        run_setup(inputs.setup, env, platform, inputs.allow_untrusted_code or not ctx.untrusted_head)
    with contextlib.ExitStack() as stack:
        try:
            settings = ci_settings(args, ctx, inputs, judged_checkout(ctx, stack), models_token)
            with platform.group("eval-action: running the evals"):
                outcome = run(settings, dict(env), log_stderr, interactive=False,
                              changed_files=lambda: platform.changed_files(ctx))
        except UserError as e:  # exit 2 in every mode; the reviewer reads why where the verdict would be
            secrets = secret_values(snapshot, token)
            publish_problems([redact_text(str(p), secrets) for p in flatten(e)], platform, ctx, inputs)
            raise
        if outcome.report is None:
            return ExitCode.OK
        secrets = secret_values(snapshot, token, outcome.secret_names)
        report = redact_report(outcome.report, secrets).model_copy(update={"run_url": ctx.run_url})
        publish(report, platform, ctx, inputs, settings.output_dir, commenting=settings.shard is None,
                workspace=workspace)
        return exit_code(report, outcome.interrupted)


def judged_checkout(ctx: CIContext, stack: contextlib.ExitStack) -> Path | None:
    """Where the PR head's files are, when the job checked out another commit.

    On `pull_request_target`, actions/checkout's default is the base branch: judging that checkout
    would find "nothing to evaluate" in every PR. The event names the head; its files are checked
    out beside (the untrusted-code rules still apply to them) for as long as `stack` lives.
    """
    here = Path.cwd()
    if not ctx.untrusted_head or not ctx.head or git.resolve(here, "HEAD") == ctx.head:
        return None
    try:
        head = changes.ensure_commit(here, ctx.head, log_stderr)
    except GitError as e:
        raise UserError(f"this job checked out {git.resolve(here, 'HEAD') or 'another commit'}, not the pull "
                        f"request's head {ctx.head}, which could not be fetched ({e}) — check it out with "
                        "`ref: ${{ github.event.pull_request.head.sha }}`", "pull_request_target") from None
    log_stderr(f"the checkout is not the pull request's head: evaluating the files of {head[:12]}")
    tree = stack.enter_context(git.worktree(here, head))
    return tree / git.prefix(here)
