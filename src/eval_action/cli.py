"""Command line: arguments + environment -> Settings; the ONE error boundary -> exit code.

The only module that reads `os.environ`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, MutableMapping, Sequence
from pathlib import Path


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return int(text)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number above 0")
    return value


def _percent(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"{text!r} is not a percentage from 0 to 100")
    return value


def _common_run_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", help="path to eval-action.yaml (default: ./eval-action.yaml)")
    # --base-ref is the Action's input name: people type it on the command line too
    p.add_argument("--base", "--base-ref", dest="base", metavar="REF",
                   help="compare with this revision (default: the CI's base, else origin/HEAD)")
    p.add_argument("--all", action="store_true", help="run every prompt, no change detection")
    p.add_argument("--prompts", nargs="+", metavar="GLOB", help="run these prompt files (no change detection)")
    p.add_argument("--min-pass-rate", type=_percent, metavar="PCT", help="default minimum pass rate, percent")
    p.add_argument("--baseline", metavar="base|none|PATH", help="what to compare with (default: base)")
    p.add_argument("--output-dir", metavar="DIR", help="where results go (default: eval-results)")
    p.add_argument("--concurrency", type=_positive_int, metavar="N")
    p.add_argument("--repeats", type=_positive_int, metavar="N", help="run each case N times; pass by majority")
    p.add_argument("--shard", metavar="I/N", help="run only shard I of N (merge with `eval-action report`)")
    p.add_argument("--no-cache", action="store_true", help="neither read nor write the response cache")
    p.add_argument("--max-rps", type=_positive_float, metavar="R", help="at most R requests per second")
    p.add_argument("--dry-run", action="store_true", help="list what would run and the call count")
    p.add_argument("--gate", metavar="NAME", help="the gate profile of `gates:` in eval-action.yaml "
                   "(default: `pr` on pull/merge requests and locally, `main` on pushes, when defined)")


class _Version(argparse.Action):
    """argparse's own version action wants the text up front; reading it costs every start-up ~30 ms."""

    def __call__(self, parser: argparse.ArgumentParser, *args: object) -> None:
        import eval_action

        print(f"eval-action {eval_action.__version__}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="eval-action", description="The eval quality gate for LLM prompts.")
    parser.add_argument("--version", action=_Version, nargs=0, help="show the version and exit")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="find, run, compare, write outputs")
    _common_run_flags(run)
    run.add_argument("--head", metavar="REF", default="HEAD")
    run.add_argument("--mode", choices=["informational", "blocking"], default="blocking")
    val = sub.add_parser("validate", help="load and check every prompt, dataset and scorer; call nothing")
    val.add_argument("--config")
    val.add_argument("--prompts", nargs="+", metavar="GLOB")
    rep = sub.add_parser("report", help="merge shard results, render, publish")
    rep.add_argument("results", nargs="+", help="results.json files, folders or globs")
    rep.add_argument("--mode", choices=["informational", "blocking"])
    rep.add_argument("--output-dir", metavar="DIR")
    rep.add_argument("--comment-key")
    ci = sub.add_parser("ci", help="the container entrypoint: detect GitHub/GitLab/local, run, publish")
    _common_run_flags(ci)
    ci.add_argument("--mode", choices=["informational", "blocking"])
    ci.add_argument("--comment", choices=["true", "false"])
    ci.add_argument("--comment-key")
    ci.add_argument("--token-variable", metavar="NAME", help="GitLab: the variable holding the API token")
    ci.add_argument("--working-directory", metavar="DIR")
    ci.add_argument("--allow-untrusted-code", choices=["true", "false"])
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    snapshot = dict(os.environ)  # commands take CI tokens out of os.environ; redaction still needs them
    try:
        return _dispatch(args, os.environ)
    except KeyboardInterrupt:
        print("eval-action: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # the one error boundary (SPEC §8)
        return _failure(e, snapshot)


def _failure(e: Exception, env: Mapping[str, str]) -> int:
    """Bad input is one line and exit 2; anything else is our bug: exit 4, never a gate's code."""
    from eval_action.execution.redaction import redact_text, secret_values
    from eval_action.model.errors import ExitCode, UserError, messages
    from eval_action.render.log import log_stderr

    secrets = secret_values(env)  # user code's import errors, a server's answer: any may quote a key
    if isinstance(e, UserError):  # each problem a line of its own, escaped: it may quote a PR's file name
        for message in messages(e):
            log_stderr(redact_text(f"error: {message}", secrets))
        if len(messages(e)) > 1:
            log_stderr(f"{len(messages(e))} problem(s); nothing was run")
        return ExitCode.INPUT
    if isinstance(e, OSError) and e.filename is not None:
        log_stderr(f"error: {e.filename}: {e.strerror or e} — check that the path exists and is "
                   "writable by this job")
        return ExitCode.INPUT
    import traceback

    print(redact_text(traceback.format_exc(), secrets), file=sys.stderr, end="")
    print(f"eval-action: internal error: {redact_text(f'{type(e).__name__}: {e}', secrets)} — this is a bug "
          "in eval-action, not in your evals: please report it with the traceback above", file=sys.stderr)
    return ExitCode.BUG


def _dispatch(args: argparse.Namespace, env: MutableMapping[str, str]) -> int:
    if args.command == "validate":
        from eval_action.commands.validate import validate

        return validate(Path.cwd(), _opt_path(args.config), args.prompts or [])
    if args.command == "report":
        from eval_action.commands.report import report

        return report(args, env)
    if args.command == "ci":
        from eval_action.commands.ci import ci

        return ci(args, env)
    from eval_action.commands.run import run_local

    return run_local(args, env, interactive=sys.stderr.isatty() and env.get("CI") != "true")


def _opt_path(text: str | None) -> Path | None:
    return Path(text) if text else None
