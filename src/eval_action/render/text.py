"""The run as plain text for a terminal or CI log.

Untrusted text is flattened to one line and escaped for the log (`render.log.escape_log`), so it
can neither inject terminal escapes nor form a CI workflow command (`::error::`, …).
"""

from __future__ import annotations

from eval_action.model.results import CaseResult, PromptResult, RunReport
from eval_action.render import fmt
from eval_action.render.details import notable_cases
from eval_action.render.escape import one_line, trim
from eval_action.render.log import escape_log

CASES_PER_PROMPT = 10
LINE_CHARS = 200


def render_text(report: RunReport) -> str:
    lines = [_headline(report)]
    if report.incomplete:
        lines.append("The run was interrupted: these results are partial.")
    shown, quiet = fmt.split_quiet(sorted(report.prompts, key=fmt.severity))
    for prompt in shown:
        lines.extend(_prompt(prompt))
    if quiet:
        lines.append(f"  PASS  {fmt.quiet_line(quiet)}")
    lines.extend(f"note: {_safe(note)}" for note in report.notes)
    footer = fmt.stats_parts(report)
    if report.stats.models:
        footer.insert(1, ", ".join(map(_safe, report.stats.models)))
    lines.append(" · ".join(footer))
    return "\n".join(lines) + "\n"


def _headline(report: RunReport) -> str:
    if fmt.nothing_to_evaluate(report):
        return "Eval: nothing to evaluate (no prompt affected by this change)"
    return f"Eval {report.status.upper()}: {fmt.passed_line(report, ', ')}"


def _prompt(prompt: PromptResult) -> list[str]:
    if prompt.status == "removed":
        return [f"  REMOVED {_safe(prompt.path)}  {fmt.change(prompt)}"]
    said = fmt.status_words(prompt)[len(prompt.gate_failures):]  # counts the gate lines don't state
    counts = ", ".join([f"{prompt.passed}/{len(prompt.cases)} passed", *said])
    change = fmt.change(prompt)
    lines = [f"  {prompt.status.upper():<5} {_safe(prompt.path)}  {counts}" + (f"  {change}" if change != "—" else "")]
    lines += [f"        gate: {_safe(reason)}" for reason in prompt.gate_failures]
    lines += [f"        note: {_safe(note)}" for note in prompt.notes]
    cases = notable_cases(prompt)
    lines += [f"        {_case(case)}" for case in cases[:CASES_PER_PROMPT]]
    if len(cases) > CASES_PER_PROMPT:
        lines.append(f"        … {len(cases) - CASES_PER_PROMPT} more cases in the report")
    return lines


def _case(case: CaseResult) -> str:
    if case.errored:
        return f"errored {_safe(case.id)}: {_safe(case.error or '')}"
    reasons = [f"{label}: {s.reason}" for label, s in case.scores.items() if not s.passed]
    state = "failed" if not case.passed else "passed"
    if case.change == "regressed":
        state += ", regressed"
    if case.flaky:
        state += f", flaky {case.passes}/{case.repeats}"
    return f"{state} {_safe(case.id)}" + (f": {_safe('; '.join(reasons))}" if reasons else "")


def _safe(text: str) -> str:
    shown, cut = trim(escape_log(one_line(text)), LINE_CHARS)
    return shown + ("…" if cut else "")


def next_steps(report: RunReport, html: str, base: str | None) -> list[str]:
    """What a local run's user can do next: open the report, or widen a run that selected nothing."""
    if not report.prompts:
        since = f" since {_safe(base)}" if base else ""
        return [f"no prompt, dataset or scorer changed{since}: `eval-action run --all` evaluates every prompt, "
                "`--base REF` compares with another revision"]
    lines = [f"open {html} in a browser to see every case, its output and its scores"]
    if all(p.baseline in ("none", "new") for p in report.prompts):
        lines.append("next: change a prompt on a branch and run `eval-action run --base main` to see it compared "
                     "with main; `eval-action validate` checks every file without calling a model")
    return lines
