"""Publishing a finished report: files, comment, summary, outputs, annotations."""

from __future__ import annotations

import os
from pathlib import Path

from eval_action.model.results import RunReport
from eval_action.platforms.base import CIContext, Level, Platform
from eval_action.platforms.inputs import ActionInputs
from eval_action.render.log import log_stderr
from eval_action.render.markdown import render_comment, render_summary
from eval_action.render.outputs import write_all


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
    log_stderr(f"{report.status}: {report.totals.passed}/{report.totals.cases} cases passed; wrote {output_dir}/")
    comment_url = None
    if not commenting:
        log_stderr("no comment from a shard job: the `eval-action report` job that merges the shards posts it")
    elif inputs.comment and ctx.change_request is not None:
        # a PR that touches no prompt gets no new comment, but an earlier one is updated to say so
        outcome = platform.upsert_comment(ctx, body, create=report.status != "skipped")
        comment_url = outcome.comment_url
        if outcome.message:
            log_stderr(outcome.message)
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
