"""`eval-action report`: merge shard results, re-apply the gates, render and publish once."""

from __future__ import annotations

import argparse
from collections.abc import MutableMapping
from pathlib import Path

from eval_action.commands import merge
from eval_action.commands.ci import protect_secrets
from eval_action.commands.publish import publish
from eval_action.platforms.inputs import parse_inputs
from eval_action.render.markdown import render_comment
from eval_action.render.outputs import write_all
from eval_action.render.text import render_text
from eval_action.verdict.gate import exit_code


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
    return exit_code(merged, interrupted=False)
