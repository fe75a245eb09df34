"""The fixed parts of the comment: headline, banners, table, notes and footer."""

from __future__ import annotations

import re

from eval_action.model.results import PromptResult, RunReport
from eval_action.render import fmt
from eval_action.render.escape import code_span, inline, trim

TABLE_HEAD = "| Prompt | Cases | Pass rate | vs. base | Status |\n|:--|--:|--:|:--|:--|\n"
NOTE_CHARS = 500
MAX_NOTES = 50
_SAFE_URL = re.compile(r"https?://[^\s<>()\[\]`\"']+")


def headline(report: RunReport) -> str:
    mark = fmt.run_mark(report)
    if fmt.nothing_to_evaluate(report):
        return f"## {mark} Eval — nothing to evaluate\n"
    return f"## {mark} Eval — {fmt.passed_line(report, ' · ')}\n"


def banners(report: RunReport) -> str:
    lines = []
    if not report.prompts:
        lines.append("No prompt affected by this change.")
    elif fmt.nothing_to_evaluate(report):
        lines.append("No prompt to evaluate: this change only removes prompts.")
    elif report.status == "fail":
        effect = "the job fails" if report.mode == "blocking" else "informational mode, the job does not fail"
        lines.append(f"**Gate failed** ({effect}).")
    elif (report.status == "error" or fmt.run_mark(report) == fmt.ERROR) and not report.incomplete:
        lines.append("**The target could not be reached**: cases errored, no quality verdict was made.")
    if report.incomplete:
        lines.append(f"> {fmt.WARN} **The run was interrupted**: these results are partial.")
    if report.shard:
        lines.append(f"> Shard {inline(report.shard)}: this report holds one shard's prompts only.")
    return "".join(line + "\n\n" for line in lines)


def row(prompt: PromptResult, report: RunReport) -> str:
    if prompt.status == "removed":
        cells = [code_span(prompt.path, in_table=True), "—", "—", fmt.change(prompt), "removed"]
    else:
        words = [_note(w) for w in fmt.status_words(prompt)]
        cells = [
            code_span(prompt.path, in_table=True),
            f"{len(prompt.cases):,}",
            fmt.pct(prompt.pass_rate),
            fmt.change(prompt),
            " ".join([fmt.prompt_mark(prompt, report), "; ".join(words)]).strip(),
        ]
    return "| " + " | ".join(cells) + " |\n"


def folded(prompts: list[PromptResult]) -> str:
    """The quiet prompts as one line under the table."""
    return f"{fmt.PASS} {fmt.quiet_line(prompts)}.\n\n" if prompts else ""


def p_legend(prompts: list[PromptResult]) -> str:
    if not any(p.p_value is not None and fmt.change(p) != "unchanged" for p in prompts):
        return ""
    return f"<sub>{fmt.P_LEGEND}</sub>\n\n"


def notes(report: RunReport, cap: int = MAX_NOTES) -> str:
    """Notes: never dropped by trimming, only capped in number and length."""
    remarks = [_note(n) for n in report.notes]
    remarks += [f"{code_span(p.path)}: {_note(n)}" for p in report.prompts for n in p.notes]
    return _bullets("Notes", remarks, cap)


def gate_failures(prompts: list[PromptResult], cap: int = MAX_NOTES) -> str:
    """The gate's reasons for prompts whose table row was cut: each row says its own otherwise."""
    gate = [f"{code_span(p.path)}: {_note('; '.join(p.gate_failures))}" for p in prompts if p.gate_failures]
    return _bullets("Gate failures of prompts cut from the table", gate, cap)


def _note(text: str) -> str:
    shown, cut = trim(text, NOTE_CHARS)
    return inline(shown) + (" …" if cut else "")


def _bullets(title: str, items: list[str], cap: int) -> str:
    if not items:
        return ""
    lines = [f"- {item}" for item in items[:cap]]
    if len(items) > cap:
        lines.append(f"- … and {len(items) - cap:,} more in the full report")
    return f"**{title}**\n\n" + "\n".join(lines) + "\n\n"


def footer(report: RunReport, full_report: str | None = None) -> str:
    parts = fmt.stats_parts(report)
    if report.stats.models:
        parts.insert(1, ", ".join(code_span(m) for m in report.stats.models))
    if report.base or report.head:
        parts.append(f"{code_span(_short(report.base))} → {code_span(_short(report.head))}")
    if report.run_url and _SAFE_URL.fullmatch(report.run_url):
        parts.append(f"[CI run]({report.run_url})")
    if full_report and report.prompts:
        parts.append("every case: " + inline(full_report))
    return "<sub>" + " · ".join(parts) + "</sub>\n"


def _short(ref: str | None) -> str:
    if ref is None:
        return "?"
    return ref[:7] if re.fullmatch(r"[0-9a-f]{40,64}", ref) else ref
