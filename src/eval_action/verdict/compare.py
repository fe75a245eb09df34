"""Head vs baseline, case by case and prompt by prompt. Pure: results in, results out."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from eval_action.model.results import BaselineState, CaseChange, CaseResult, PromptResult
from eval_action.model.specs import Thresholds
from eval_action.verdict.stats import mcnemar_exact, metrics


@dataclass(frozen=True)
class PromptRun:
    """What the runner produced for one prompt, with the context the comparison needs."""

    path: str
    name: str
    provider: str
    thresholds: Thresholds
    head: list[CaseResult]
    baseline: list[CaseResult] | None = None  # None: no baseline was asked for or could be had
    baseline_state: BaselineState = "none"
    notes: list[str] = field(default_factory=list)
    selected_because: list[str] = field(default_factory=list)


def pass_rate(cases: list[CaseResult]) -> float | None:
    scored = [c for c in cases if not c.errored]
    if not scored:
        return None
    return 100.0 * sum(c.passed for c in scored) / len(scored)


def scorer_means(cases: list[CaseResult]) -> dict[str, float]:
    sums: dict[str, list[float]] = defaultdict(list)
    for case in cases:
        if case.errored:
            continue
        for label, score in case.scores.items():
            if not score.errored:
                sums[label].append(score.score)
    return {label: sum(v) / len(v) for label, v in sums.items()}


def _score_drop(head: CaseResult, base: CaseResult) -> float:
    """The largest drop of any scorer both runs share (positive = worse)."""
    drops = [base.scores[k].score - s.score for k, s in head.scores.items() if k in base.scores]
    return max(drops, default=0.0)


def case_change(head: CaseResult, base: CaseResult | None, tolerance: float) -> CaseChange | None:
    if base is None:
        return "new"
    if head.errored or base.errored:
        return None  # nothing honest to say about a case that did not run on one side
    if head.passed != base.passed:
        return "improved" if head.passed else "regressed"
    drop = _score_drop(head, base)
    if drop > tolerance:
        return "regressed"
    gain = -min((base.scores[k].score - s.score for k, s in head.scores.items() if k in base.scores),
                default=0.0)
    return "improved" if gain > tolerance else "unchanged"


def pair_cases(head: list[CaseResult], baseline: list[CaseResult], tolerance: float) -> list[CaseResult]:
    by_id = {c.id: c for c in baseline}
    return [h.model_copy(update={"baseline": by_id.get(h.id),
                                 "change": case_change(h, by_id.get(h.id), tolerance)}) for h in head]


def compare_prompt(run: PromptRun) -> PromptResult:
    """Pair cases by id and summarise; the gate decides the status afterwards."""
    cases, notes = run.head, list(run.notes)
    p_value = base_rate = None
    if run.baseline is not None:
        cases = pair_cases(run.head, run.baseline, run.thresholds.regression_tolerance)
        improved = sum(1 for c in cases if c.change == "improved" and c.baseline and not c.baseline.passed)
        regressed = sum(1 for c in cases if c.change == "regressed" and c.baseline and c.baseline.passed)
        p_value = mcnemar_exact(improved, regressed)
        base_rate = pass_rate(run.baseline)
        gone = {c.id for c in run.baseline} - {c.id for c in run.head}
        if gone:
            notes.append(f"{len(gone)} case(s) of the baseline are no longer in the dataset")
    return PromptResult(
        path=run.path, name=run.name, status="pass", pass_rate=pass_rate(cases),
        baseline_pass_rate=base_rate, baseline=run.baseline_state, p_value=p_value,
        provider=run.provider, cases=cases, scorer_means=scorer_means(cases),
        baseline_scorer_means=scorer_means(run.baseline or []), thresholds=run.thresholds,
        metrics=metrics(cases), baseline_metrics=metrics(run.baseline) if run.baseline is not None else None,
        notes=notes, selected_because=run.selected_because,
    )


def removed_prompt(path: str, reasons: list[str]) -> PromptResult:
    return PromptResult(path=path, name=path.rsplit("/", 1)[-1], status="removed", pass_rate=None,
                        baseline="removed", selected_because=reasons)
