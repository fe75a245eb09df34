"""`eval-action ci`: the container entrypoint — detect the platform, run, publish, set outputs."""

from __future__ import annotations

import argparse
import os
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

from eval_action.commands.publish import publish
from eval_action.commands.run import run
from eval_action.execution.redaction import redact_report, secret_values, take_ci_tokens
from eval_action.model.errors import ExitCode, UserError
from eval_action.model.settings import Settings, parse_shard
from eval_action.platforms.base import CIContext, Platform
from eval_action.platforms.inputs import ActionInputs, parse_inputs
from eval_action.render.log import log_stderr
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
        allow_untrusted_code=inputs.allow_untrusted_code or not ctx.untrusted_head,
        gate=inputs.gate, gate_default="pr" if ctx.change_request is not None else "main",
        named_by="flags" if ctx.platform == "local" else "inputs")


def ci(args: argparse.Namespace, env: MutableMapping[str, str]) -> int:
    from eval_action.platforms.detect import detect

    platform = detect(dict(env), Path.cwd(), _overrides(args))
    inputs = platform.inputs()
    ctx = platform.context()
    token = [inputs.token.get_secret_value()] if inputs.token else []
    snapshot = dict(env)  # the tokens leave `env` next; redaction still needs their values
    protect_secrets(platform, env, inputs)
    workspace = Path.cwd()
    if inputs.working_directory:
        if not Path(inputs.working_directory).is_dir():
            raise UserError(f"`{inputs.working_directory}` is not a folder of this checkout — name the folder "
                            "that holds eval-action.yaml, relative to the workspace", "working-directory")
        os.chdir(inputs.working_directory)
    settings = ci_settings(args, ctx, inputs)
    with platform.group("eval-action: running the evals"):
        outcome = run(settings, dict(env), log_stderr, interactive=False,
                          changed_files=lambda: platform.changed_files(ctx))
    if outcome.report is None:
        return ExitCode.OK
    secrets = secret_values(snapshot, token, outcome.secret_names)
    report = redact_report(outcome.report, secrets).model_copy(update={"run_url": ctx.run_url})
    publish(report, platform, ctx, inputs, settings.output_dir, commenting=settings.shard is None,
            workspace=workspace)
    return exit_code(report, outcome.interrupted)
