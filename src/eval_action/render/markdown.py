"""The sticky PR/MR comment and the job summary, kept under the platform's size limit.

Trimming order (SPEC §5): case details go first, then table rows other than the most severe;
the headline, gate failures, notes and footer always stay, and the comment says what was cut.
"""

from __future__ import annotations

from dataclasses import dataclass

from eval_action.model.results import CaseResult, PromptResult, RunReport
from eval_action.render import details, fmt, sections
from eval_action.render.escape import inline
from eval_action.render.marker import make_marker

COMMENT_MAX_BYTES = 262_144  # GitHub also caps a comment's UTF-8 size
SUMMARY_MAX_BYTES = 1_048_576  # GitHub's per-step job summary limit
_NOTICE_ROOM = 600  # room kept for the "what was cut" lines


@dataclass
class _Budget:
    chars: int
    bytes: int

    def take(self, text: str) -> bool:
        size = len(text.encode())
        if len(text) > self.chars or size > self.bytes:
            return False
        self.chars -= len(text)
        self.bytes -= size
        return True

    def give(self, text: str) -> None:
        self.chars += len(text)
        self.bytes += len(text.encode())


@dataclass
class _Cuts:
    rows: int = 0
    failing_rows: int = 0
    cases: int = 0


def render_comment(
    report: RunReport,
    *,
    key: str,
    run_id: int | None,
    limit: int = 65536,
    full_report_hint: str | None = None,
) -> str:
    marker = make_marker(key, report.head, run_id) + "\n"
    budget = _Budget(limit - len(marker), COMMENT_MAX_BYTES - 1 - len(marker))
    return marker + _render(report, budget, full_report_hint)


def render_summary(report: RunReport, *, limit: int = 1_000_000, full_report_hint: str = "report.html") -> str:
    return _render(report, _Budget(limit, SUMMARY_MAX_BYTES), full_report_hint)


def _render(report: RunReport, budget: _Budget, hint: str | None) -> str:
    top = sections.headline(report) + "\n" + sections.banners(report)
    for cap in (sections.MAX_NOTES, 5, 0):
        tail = sections.notes(report, cap) + sections.footer(report, hint) + "\n"
        if budget.take(top + tail):
            break
    budget.chars -= _NOTICE_ROOM
    budget.bytes -= _NOTICE_ROOM * 4
    cuts = _Cuts()
    # Most severe first, so a reviewer (and the size cap) meets the failures before the passes.
    prompts = sorted(report.prompts, key=fmt.severity)
    shown, quiet = fmt.split_quiet(prompts)
    fold, legend = sections.folded(quiet), sections.p_legend(shown)
    # Room for a few reasons of failing prompts whose rows get cut; given back after the table.
    reserve = sections.gate_failures(shown, 5)
    budget.take(fold + legend + reserve)
    table, dropped = _table(shown, report, budget, cuts)
    budget.give(reserve)
    gates = ""
    for cap in (sections.MAX_NOTES, 5, 0):
        gates = sections.gate_failures(dropped, cap)
        if budget.take(gates):
            break
    body = _details(prompts, report, budget, cuts)
    return top + table + fold + legend + gates + tail + _notice(cuts, hint) + body


def _table(prompts: list[PromptResult], report: RunReport, budget: _Budget,
           cuts: _Cuts) -> tuple[str, list[PromptResult]]:
    if not prompts:
        return "", []
    budget.take(sections.TABLE_HEAD)
    rows = []
    for prompt in prompts:
        row = sections.row(prompt, report)
        if not budget.take(row):
            break
        rows.append(row)
    dropped = prompts[len(rows) :]
    cuts.rows = len(dropped)
    cuts.failing_rows = sum(1 for p in dropped if fmt.severity(p) == 0)
    return sections.TABLE_HEAD + "".join(rows) + "\n", dropped


def _details(prompts: list[PromptResult], report: RunReport, budget: _Budget, cuts: _Cuts) -> str:
    blocks = []
    for prompt in prompts:
        cases = details.notable_cases(prompt)
        if cases:
            blocks.append(_prompt_details(prompt, report, cases, budget, cuts))
    return "".join(block + "\n\n" for block in blocks if block)


def _prompt_details(
    prompt: PromptResult, report: RunReport, cases: list[CaseResult], budget: _Budget, cuts: _Cuts
) -> str:
    frame = details.opener(prompt, report, cases) + details.closer(len(cases)) + "\n\n"
    if not budget.take(frame):
        cuts.cases += len(cases)
        return ""
    shown = []
    for case in cases:
        block = details.case_block(case)
        if not budget.take(block):
            break
        shown.append(block)
    hidden = len(cases) - len(shown)
    cuts.cases += hidden
    if not shown:
        budget.give(frame)
        return ""
    return details.opener(prompt, report, cases) + "".join(shown) + details.closer(hidden)


def _notice(cuts: _Cuts, hint: str | None) -> str:
    if not (cuts.rows or cuts.cases):
        return ""
    cut = []
    if cuts.cases:
        cut.append(f"details of {cuts.cases:,} cases")
    if cuts.rows:
        cut.append(f"{cuts.rows:,} table rows ({cuts.failing_rows:,} of them failing)")
    where = f" The full report is in {inline(hint)}." if hint else ""
    return f"> ✂️ Shortened to fit the size limit: {' and '.join(cut)} not shown.{where}\n\n"
