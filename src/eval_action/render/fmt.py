"""Numbers, marks and status words shared by the Markdown and terminal renderers."""

from __future__ import annotations

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
    return "p<0.001" if p < 0.001 else f"p={p:.3f}"


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
    text = "= 0.0 pts" if round(delta, 1) == 0 else f"{'▲' if delta > 0 else '▼'} {abs(delta):.1f} pts"
    return f"{text} ({p_value(prompt.p_value)})" if prompt.p_value is not None else text


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
        parts.append(f"latency p50 {ms(stats.latency_p50_ms)}, p95 {ms(stats.latency_p95_ms)}")
    if stats.tokens is not None:
        parts.append(f"{stats.tokens:,} tokens")
    if stats.cost_usd is not None:
        parts.append(usd(stats.cost_usd))
    if stats.calls:
        parts.append(f"{stats.cache_hits:,}/{stats.calls:,} calls from cache")
    parts.append(f"ran in {duration(stats.duration_s)}")
    return parts


def passed_line(report: RunReport, sep: str) -> str:
    """`N/M cases passed (P%)`, and the errored count after `sep`: every medium's headline."""
    totals = report.totals
    text = f"{totals.passed:,}/{totals.cases:,} cases passed ({share(totals.passed, totals.cases)})"
    return text + (f"{sep}{totals.errored:,} errored" if totals.errored else "")
