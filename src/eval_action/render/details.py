"""The collapsible per-prompt section listing the cases a reviewer must look at."""

from __future__ import annotations

import json
from typing import Any

from eval_action.model.answer import ToolCall
from eval_action.model.results import CaseResult, PromptResult, RunReport
from eval_action.render import fmt
from eval_action.render.escape import code_span, fenced, html_text, inline, trim

OUTPUT_CHARS, OUTPUT_LINES = 500, 20
REASON_CHARS = 300
SHORT_CHARS = 80  # values this short and on one line are shown inline
CALLS_SHOWN, CALL_CHARS = 10, 160


def notable_cases(prompt: PromptResult) -> list[CaseResult]:
    cases = [c for c in prompt.cases if fmt.notable(c)]
    return sorted(cases, key=fmt.notable_rank)


def opener(prompt: PromptResult, report: RunReport, cases: list[CaseResult]) -> str:
    failed = sum(1 for c in cases if not c.passed and not c.errored)
    # Regressions are marked on each case below and stated in the table row: not said a third time.
    counts = ([f"{failed} failed"] if failed else []) + [c for c in fmt.prompt_counts(prompt)
                                                          if not c.endswith(" regressed")]
    title = f"{fmt.prompt_mark(prompt, report)} <code>{html_text(prompt.path)}</code> — {', '.join(counts)}"
    return f"<details>\n<summary>{title}</summary>\n\n"


def closer(hidden: int) -> str:
    more = f"_{hidden:,} more cases not shown._\n\n" if hidden else ""
    return f"{more}</details>"


def case_block(case: CaseResult) -> str:
    fields = [("Input", _json(case.vars), "json")] if case.vars else []
    if case.expected is not None:
        expected = case.expected if isinstance(case.expected, str) else _json(case.expected)
        fields.append(("Expected", expected, "text"))
    base = case.baseline
    if case.output is not None and (case.output or not case.tool_calls) and not _quoted_by_a_reason(case):
        fields.append(("Output", case.output, "text"))
    if base is not None and base.output is not None and base.output != case.output and (
            base.output or not base.tool_calls):
        fields.append(("Baseline output", base.output, "text"))
    short = [f"{label} {code_span(text)}" for label, text, _ in fields if _is_short(text)]
    parts = [_case_title(case), _failing_scores(case), _calls("Tool calls", case.tool_calls)]
    if base is not None and base.tool_calls != case.tool_calls:
        parts.append(_calls("Baseline tool calls", base.tool_calls) or "Baseline tool calls: none")
    parts += [" · ".join(short)]
    parts += [_block(label, text, info) for label, text, info in fields if not _is_short(text)]
    return "\n\n".join(part for part in parts if part) + "\n\n"


def _case_title(case: CaseResult) -> str:
    if case.errored:
        status = f"{fmt.ERROR} errored: {inline(trim(case.error or '', REASON_CHARS)[0])}"
    else:
        status = f"{fmt.PASS} passed" if case.passed else f"{fmt.FAIL} failed"
    if case.change == "regressed":
        was = "passed" if case.baseline is not None and case.baseline.passed else "scored higher"
        status += f" · ▼ regressed (baseline {was})"
    if case.flaky:
        status += f" · flaky ({case.passes}/{case.repeats} repeats passed)"
    return f"**{code_span(case.id)}** — {status}"


def _failing_scores(case: CaseResult) -> str:
    lines = []
    for label, score in case.scores.items():
        if score.passed:
            continue
        reason = inline(trim(score.reason, REASON_CHARS)[0]) or "no reason given"
        state = "could not run" if score.errored else f"{score.score:.2f}"
        lines.append(f"- **{inline(label)}** ({state}): {reason}")
    return "\n".join(lines)


def _quoted_by_a_reason(case: CaseResult) -> bool:
    """A failing scorer's reason that already quotes the whole output (`output starts "…"`) says it once."""
    output = case.output or ""
    return output != "" and any(output in trim(s.reason, REASON_CHARS)[0] for s in case.scores.values()
                                if not s.passed)


def _calls(label: str, calls: list[ToolCall]) -> str:
    """Before the output: what the model did is usually what a tool-calling regression is about."""
    if not calls:
        return ""
    lines = [f"- {code_span(fmt.call_text(c, CALL_CHARS))}" for c in calls[:CALLS_SHOWN]]
    if len(calls) > CALLS_SHOWN:
        lines.append(f"- _{len(calls) - CALLS_SHOWN} more_")
    return f"{label}:\n" + "\n".join(lines)


def _is_short(text: str) -> bool:
    return len(text) <= SHORT_CHARS and "\n" not in text and text.strip() == text and text != ""


def _block(label: str, text: str, info: str) -> str:
    shown, cut = trim(text, OUTPUT_CHARS, OUTPUT_LINES)
    note = f" <sub>(…trimmed, {len(text):,} chars in all)</sub>" if cut else ""
    return f"{label}{note}\n\n{fenced(shown, info)}"


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)
