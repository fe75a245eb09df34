"""Publishing a finished report: files, comment, summary, outputs, annotations."""

from __future__ import annotations

import os
from pathlib import Path

from eval_action.model.errors import last_line
from eval_action.model.results import RunReport
from eval_action.platforms.base import CIContext, Level, Platform
from eval_action.platforms.inputs import ActionInputs
from eval_action.render.log import log_stderr
from eval_action.render.markdown import render_comment, render_summary
from eval_action.render.outputs import Written, write_all
from eval_action.render.problems import render_problems

SUMMARY_LIMIT = 1_000_000


def publish(report: RunReport, platform: Platform, ctx: CIContext, inputs: ActionInputs, output_dir: Path,
            commenting: bool, workspace: Path | None = None) -> None:
    """Files first (never lost), then the summary, outputs and annotations, then the comment.

    Paths in outputs and annotations are relative to `workspace` (where the job started, before
    `working-directory`), since that is where the next step and the annotation UI look. When the
    files can't be written (a full disk, a read-only folder) the report in memory is still posted
    and summarised, and the write error is raised last, for the one error line and exit 2.
    """
    def shown(path: Path | str) -> str:
        return os.path.relpath(Path(path).absolute(), workspace or Path.cwd())

    key = inputs.comment_key or ctx.comment_key
    hint = f"{output_dir.as_posix()}/report.html in this job's artifacts"
    body = render_comment(report, key=key, run_id=ctx.run_id, limit=platform.comment_limit, full_report_hint=hint)
    failed: OSError | None = None
    try:
        written: Written | None = write_all(report, output_dir, body)
        log_stderr(f"{report.status}: {report.totals.passed}/{report.totals.cases} cases passed; wrote {output_dir}/")
    except OSError as e:
        written, failed = None, e
    # the summary and outputs first: nothing the comment API answers may keep them from the job
    platform.write_summary(render_summary(report, full_report_hint=hint))
    results, junit, md = (shown(written.results), shown(written.junit), shown(written.report)) if written else ("",) * 3
    platform.set_outputs(_outputs(report, results, junit, md))
    level: Level = "error" if report.mode == "blocking" else "warning"
    for p in report.prompts:
        if p.status in ("fail", "error"):
            reason = "; ".join(p.gate_failures) or f"{p.errored} case(s) errored"
            platform.annotate(level, shown(p.path), f"eval {p.status}: {p.name}", reason)
    url = None
    if not commenting:
        log_stderr("no comment from a shard job: the `eval-action report` job that merges the shards posts it")
    elif inputs.comment and ctx.change_request is not None:
        # a PR that touches no prompt gets no new comment, but an earlier one is updated to say so
        url = post_comment(platform, ctx, body, create=report.status != "skipped")
    platform.set_outputs({"comment-url": url or ""})
    if failed is not None:
        raise failed


def post_comment(platform: Platform, ctx: CIContext, body: str, create: bool = True) -> str | None:
    """Create or update the sticky comment; its URL. Whatever the API answers, the verdict stands:
    an answer of a shape no client expects (a notes object that isn't a list, a `Link` header to
    another host) is a line in the log, never the job's exit code."""
    try:
        outcome = platform.upsert_comment(ctx, body, create=create)
    except Exception as e:
        log_stderr(f"no comment: the {platform.name} API answered in a way eval-action can't use "
                   f"({last_line(e)[:200]}); the report is in the job's files")
        return None
    if outcome.message:
        log_stderr(outcome.message)
    return outcome.comment_url


def publish_problems(problems: list[str], platform: Platform, ctx: CIContext, inputs: ActionInputs) -> None:
    """A run stopped by configuration problems says so in the summary and the comment too."""
    platform.write_summary(render_problems(problems, limit=SUMMARY_LIMIT))
    platform.set_outputs({"status": "error"})
    url = None
    if inputs.comment and ctx.change_request is not None:
        marker = (inputs.comment_key or ctx.comment_key, ctx.head, ctx.run_id)
        url = post_comment(platform, ctx, render_problems(problems, limit=platform.comment_limit, marker=marker))
    platform.set_outputs({"comment-url": url or ""})


def _outputs(report: RunReport, results: str, junit: str, md: str) -> dict[str, str]:
    t = report.totals
    scored = t.passed + t.failed
    return {"status": report.status, "passed": str(t.passed), "failed": str(t.failed),
            "errored": str(t.errored), "pass-rate": f"{100 * t.passed / scored:.1f}" if scored else "",
            "regressions": str(t.regressions), "results-path": results, "junit-path": junit,
            "report-path": md}
