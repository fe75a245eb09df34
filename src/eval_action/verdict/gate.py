"""The verdict: which prompts fail their gates, the run's status, and the exit code. Pure.

Honesty rules (SPEC §9): errored cases are never counted as passes or failures, and a prompt
with errored cases is never reported as a clean pass; exit codes follow SPEC §8.
"""

from __future__ import annotations

from dataclasses import dataclass

from eval_action.model.errors import ExitCode
from eval_action.model.results import Mode, PromptResult, PromptStatus, RunReport, RunStatus, Totals
from eval_action.verdict import limits


@dataclass(frozen=True)
class Verdict:
    status: RunStatus
    exit_code: ExitCode


def _pass_rate_failure(result: PromptResult) -> list[str]:
    minimum = result.thresholds.min_pass_rate
    if result.pass_rate is None or result.pass_rate >= minimum:
        return []
    return [f"pass rate {result.pass_rate:.1f}% is below the minimum {minimum:g}%"]


def _regression_failure(result: PromptResult) -> list[str]:
    regressed = result.regressions
    allowance = result.thresholds.gates.pass_rate
    if not regressed or (allowance is not None and allowance.max_decrease is not None):
        return []  # `gates.pass_rate.max_decrease` says how much regression is allowed instead
    confidence = result.thresholds.regression_confidence
    if confidence is not None:
        significant = result.p_value is not None and result.p_value < 1 - confidence
        if not significant:
            return []
        return [f"{regressed} case(s) regressed vs baseline (p={result.p_value:.3g} < {1 - confidence:.3g})"]
    tolerance = result.thresholds.regression_tolerance
    return [f"{regressed} case(s) regressed vs baseline (tolerance {tolerance:g})"]


def _score_failures(result: PromptResult) -> list[str]:
    out = []
    for label, minimum in result.thresholds.score_thresholds.items():
        mean = result.scorer_means.get(label)
        if mean is None:
            out.append(f"score threshold names `{label}`, but no case produced that score")
        elif mean < minimum:
            out.append(f"mean `{label}` score {mean:.2f} is below the threshold {minimum:g}")
    return out


def gate_prompt(result: PromptResult) -> PromptResult:
    if result.status == "removed":
        return result
    found = limits.check(result)
    failures = _pass_rate_failure(result) + _regression_failure(result) + _score_failures(result) + found.failures
    status: PromptStatus = "pass"
    if failures:
        status = "fail"
    elif result.errored:
        status = "error"
    return result.model_copy(update={"status": status, "gate_failures": failures,
                                     "notes": list(dict.fromkeys([*result.notes, *found.notes]))})


def totals(prompts: list[PromptResult]) -> Totals:
    return Totals(
        cases=sum(len(p.cases) for p in prompts),
        passed=sum(p.passed for p in prompts),
        failed=sum(p.failed for p in prompts),
        errored=sum(p.errored for p in prompts),
        regressions=sum(p.regressions for p in prompts),
        flaky=sum(p.flaky for p in prompts),
    )


def run_status(prompts: list[PromptResult]) -> RunStatus:
    statuses = {p.status for p in prompts if p.status != "removed"}
    if not statuses:
        return "skipped"
    if "fail" in statuses:
        return "fail"
    return "error" if "error" in statuses else "pass"


def verdict(status: RunStatus, mode: Mode, incomplete: bool = False) -> Verdict:
    if mode == "informational":
        return Verdict(status, ExitCode.OK)
    if status == "fail":
        return Verdict(status, ExitCode.GATE)
    if status == "error" or incomplete:
        return Verdict(status, ExitCode.INFRA)
    return Verdict(status, ExitCode.OK)


def exit_code(report: RunReport, interrupted: bool) -> ExitCode:
    if interrupted:
        return ExitCode.INFRA  # a cancelled job never reads as success
    return verdict(report.status, report.mode, report.incomplete).exit_code
