"""Numbers, marks and status words shared by the Markdown and terminal renderers."""

from __future__ import annotations

import json

from eval_action.model.answer import ToolCall, TraceStep
from eval_action.model.results import CaseResult, PromptResult, RunReport

PASS, FAIL, WARN, ERROR, SKIP = "✅", "❌", "⚠️", "💥", "⏭️"


def nothing_to_evaluate(report: RunReport) -> bool:
    return all(p.status == "removed" for p in report.prompts)


def run_mark(report: RunReport) -> str:
    if nothing_to_evaluate(report) or report.status == "skipped":
        return SKIP
    if report.status == "error" or (report.totals.cases and report.totals.errored == report.totals.cases):
        return ERROR
    if report.status == "fail":
        return FAIL if report.mode == "blocking" else WARN
    return PASS


def prompt_mark(prompt: PromptResult, report: RunReport) -> str:
    if prompt.status == "error":
        return ERROR
    if prompt.status == "fail":
        return FAIL if report.mode == "blocking" else WARN
    return PASS


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def share(passed: int, total: int) -> str:
    return pct(100 * passed / total) if total else "—"


def p_value(p: float) -> str:
    """The McNemar p-value in words first: reviewers read "could be chance", not "p=0.250"."""
    number = "p<0.001" if p < 0.001 else f"p={p:.3f}"
    words = "unlikely to be chance" if p < SIGNIFICANT else "could be chance"
    return f"{words}: {number}"


SIGNIFICANT = 0.05
P_LEGEND = ("p: how likely a difference this large is from chance alone, with each case compared to its "
            "own baseline (exact McNemar test); below 0.05 it is unlikely to be chance.")


def change(prompt: PromptResult) -> str:
    """Pass-rate change vs the baseline, in percentage points."""
    if prompt.baseline == "new":
        return "new"
    if prompt.baseline == "unavailable":
        return "baseline unavailable"
    if prompt.baseline == "removed" or prompt.status == "removed":
        was = prompt.baseline_pass_rate
        return "removed" if was is None else f"removed (was {pct(was)})"
    if prompt.baseline != "compared" or prompt.pass_rate is None or prompt.baseline_pass_rate is None:
        return "—"
    delta = prompt.pass_rate - prompt.baseline_pass_rate
    if round(delta, 1) == 0:
        return "unchanged"
    text = f"{'▲' if delta > 0 else '▼'} {abs(delta):.1f} pts"
    return f"{text} ({p_value(prompt.p_value)})" if prompt.p_value is not None else text


def severity(prompt: PromptResult) -> int:
    """Reading order, most severe first: failing, then regressed or errored, then flaky or removed, then the rest."""
    if prompt.status in ("fail", "error"):
        return 0
    if prompt.regressions or prompt.errored:
        return 1
    return 2 if prompt.flaky or prompt.status == "removed" else 3


def quiet(prompt: PromptResult) -> bool:
    """A passing prompt with nothing to look at: no regressed, errored or flaky case, and a pass rate that
    did not move (or nothing to compare it with). Large runs fold these into one line."""
    if prompt.status != "pass" or prompt.regressions or prompt.errored or prompt.flaky:
        return False
    return change(prompt) in ("unchanged", "—")


FOLD_QUIET_OVER = 5  # up to this many quiet rows read fine in a table; more bury the ones that matter


def split_quiet(prompts: list[PromptResult]) -> tuple[list[PromptResult], list[PromptResult]]:
    """(rows to show, quiet prompts folded into one line): folding starts above FOLD_QUIET_OVER."""
    folded = [p for p in prompts if quiet(p)]
    if len(folded) <= FOLD_QUIET_OVER:
        return prompts, []
    return [p for p in prompts if not quiet(p)], folded


def status_words(prompt: PromptResult) -> list[str]:
    """What the Status column says after the mark: the gate's reasons when it failed, then the counts
    those reasons do not already state."""
    counts = prompt_counts(prompt)
    if any("regressed" in reason for reason in prompt.gate_failures):
        counts = [c for c in counts if not c.endswith(" regressed")]
    return [*prompt.gate_failures, *counts]


def quiet_line(prompts: list[PromptResult]) -> str:
    """`196 prompts passed, unchanged (588 cases)`: the folded quiet prompts, plain text."""
    cases = sum(len(p.cases) for p in prompts)
    compared = sum(1 for p in prompts if change(p) == "unchanged")
    how = "unchanged" if compared == len(prompts) else "no baseline to compare with" if not compared else \
        f"{compared:,} of them unchanged, the others without a baseline"
    return f"{len(prompts):,} prompt{'s' * (len(prompts) != 1)} passed, {how} ({cases:,} cases)"


def prompt_counts(prompt: PromptResult) -> list[str]:
    """The notable counts of a prompt: regressed, errored, flaky."""
    parts = []
    if prompt.regressions:
        parts.append(f"{prompt.regressions} regressed")
    if prompt.errored:
        parts.append(f"{prompt.errored} errored")
    if prompt.flaky:
        parts.append(f"{prompt.flaky} flaky")
    return parts


def notable(case: CaseResult) -> bool:
    """Cases a reviewer must see: failing, errored, regressed or flaky."""
    return not case.passed or case.errored or case.change == "regressed" or case.flaky


def notable_rank(case: CaseResult) -> int:
    if case.change == "regressed":
        return 0
    if case.errored:
        return 2
    return 1 if not case.passed else 3


def ms(value: float) -> str:
    return f"{value:.0f} ms" if value < 1000 else f"{value / 1000:.1f} s"


def duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs} s" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min"


def usd(value: float) -> str:
    if 0 < value < 0.0001:
        return "<$0.0001"  # a real cost that four decimals would show as nothing
    return f"${value:.4f}" if value < 1 else f"${value:,.2f}"


def stats_parts(report: RunReport) -> list[str]:
    """Footer facts in reading order, each plain text (the caller escapes the untrusted ones)."""
    stats = report.stats
    parts = [f"{report.mode} mode"]
    if stats.latency_p50_ms is not None and stats.latency_p95_ms is not None:
        cached = f" ({stats.cache_hits:,} cached left out)" if stats.cache_hits else ""
        parts.append(f"latency p50 {ms(stats.latency_p50_ms)}, p95 {ms(stats.latency_p95_ms)}{cached}")
    if stats.tokens is not None:
        parts.append(f"{stats.tokens:,} tokens")
    if stats.cost_usd is not None:
        parts.append(usd(stats.cost_usd))
    if stats.grader_calls:
        spent = [f"{stats.grader_calls:,} grader call(s)"]
        if stats.grader_tokens is not None:
            spent.append(f"{stats.grader_tokens:,} tokens")
        if stats.grader_cost_usd is not None:
            spent.append(usd(stats.grader_cost_usd))
        parts.append(", ".join(spent))
    if stats.calls:
        parts.append(f"{stats.cache_hits:,}/{stats.calls:,} calls from cache")
    parts.append(f"ran in {duration(stats.duration_s)}")
    return parts


def passed_line(report: RunReport, sep: str) -> str:
    """`N/M cases passed (P%)`, and the errored count after `sep`: every medium's headline."""
    totals = report.totals
    text = f"{totals.passed:,}/{totals.cases:,} cases passed ({share(totals.passed, totals.cases)})"
    return text + (f"{sep}{totals.errored:,} errored" if totals.errored else "")


def call_text(call: ToolCall, limit: int = 160) -> str:
    """`name({"compact": "arguments"})`, cut at `limit` characters (raw text when not JSON)."""
    if call.invalid_arguments:
        args = f"{call.arguments} (not JSON)"
    else:
        args = json.dumps(call.arguments, ensure_ascii=False, separators=(",", ":"), default=str)
    text = f"{call.name}({args})"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def step_text(step: TraceStep, limit: int = 160) -> str:
    """One trace step on one line: `type name input → output`."""
    parts = [step.type, step.name or ""]
    for value, arrow in ((step.input, ""), (step.output, "→ ")):
        if value is not None:
            shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False,
                                                                     separators=(",", ":"), default=str)
            parts.append(arrow + shown)
    if step.duration_ms is not None:
        parts.append(f"({ms(step.duration_ms)})")
    text = " ".join(p for p in parts if p)
    return text if len(text) <= limit else text[: limit - 1] + "…"
