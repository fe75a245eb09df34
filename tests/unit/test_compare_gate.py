"""Comparison, statistics and gates: pure functions over typed results."""

from __future__ import annotations

import pytest

from eval_action.model.results import CaseResult, Score
from eval_action.model.specs import Thresholds
from eval_action.verdict import compare, gate
from eval_action.verdict.stats import mcnemar_exact, percentile


def case(cid: str, passed: bool, score: float | None = None, error: str | None = None) -> CaseResult:
    s = score if score is not None else float(passed)
    return CaseResult(id=cid, passed=passed, error=error,
                      scores={"equals": Score(score=s, passed=passed, reason="r")})


@pytest.mark.parametrize(("improved", "regressed", "expected"), [
    (0, 0, None),
    (0, 5, 0.0625),
    (1, 9, 0.021484375),
    (10, 3, 0.092285156),  # statsmodels' mcnemar(exact=True) gives 0.0923 for b=10, c=3
    (3, 3, 1.0),
])
def test_mcnemar_exact_matches_the_binomial_table(improved: int, regressed: int, expected: float | None) -> None:
    p = mcnemar_exact(improved, regressed)
    assert p == pytest.approx(expected, abs=1e-6) if expected is not None else p is None


def test_percentile_is_an_observed_value() -> None:
    assert percentile([5, 1, 3, 2, 4], 50) == 3
    assert percentile(list(range(1, 101)), 95) == 95
    assert percentile([], 50) is None


def run(head: list[CaseResult], base: list[CaseResult] | None, **thresholds: object) -> compare.PromptRun:
    return compare.PromptRun(path="p.prompt.yaml", name="p", provider="openai:m",
                             thresholds=Thresholds(**thresholds),  # type: ignore[arg-type]
                             head=head, baseline=base, baseline_state="compared" if base is not None else "none")


def test_cases_pair_by_id_and_are_labelled() -> None:
    head = [case("a", True), case("b", False), case("c", True, 0.5), case("d", True), case("new", True)]
    base = [case("a", False), case("b", True), case("c", True, 1.0), case("d", True), case("gone", True)]
    result = compare.compare_prompt(run(head, base, min_pass_rate=0))
    changes = {c.id: c.change for c in result.cases}
    assert changes == {"a": "improved", "b": "regressed", "c": "regressed", "d": "unchanged", "new": "new"}
    assert result.cases[0].baseline is not None and result.cases[0].baseline.passed is False
    assert result.baseline_pass_rate == 80.0
    assert any("no longer in the dataset" in n for n in result.notes)


def test_regression_within_tolerance_is_unchanged() -> None:
    result = compare.compare_prompt(run([case("a", True, 0.97)], [case("a", True, 1.0)], min_pass_rate=0))
    assert result.cases[0].change == "unchanged"


def test_errored_cases_are_neither_passed_nor_failed() -> None:
    head = [case("a", True), case("b", False, error="HTTP 503 after 5 attempts")]
    result = gate.gate_prompt(compare.compare_prompt(run(head, None)))
    assert result.pass_rate == 100.0
    assert (result.passed, result.failed, result.errored) == (1, 0, 1)
    assert result.status == "error"  # never a clean pass with errored cases


def test_all_errored_prompt_has_no_pass_rate_and_errors() -> None:
    head = [case("a", False, error="unreachable"), case("b", False, error="unreachable")]
    result = gate.gate_prompt(compare.compare_prompt(run(head, None)))
    assert result.pass_rate is None and result.status == "error"
    assert gate.verdict(gate.run_status([result]), "blocking").exit_code == 3
    assert gate.verdict(gate.run_status([result]), "informational").exit_code == 0


def test_min_pass_rate_gate() -> None:
    head = [case("a", True), case("b", False)]
    result = gate.gate_prompt(compare.compare_prompt(run(head, None, min_pass_rate=60)))
    assert result.status == "fail"
    assert result.gate_failures == ["pass rate 50.0% is below the minimum 60%"]
    assert gate.verdict("fail", "blocking").exit_code == 1


def test_regression_gate_and_confidence() -> None:
    head = [case(str(i), i >= 2) for i in range(10)]
    base = [case(str(i), True) for i in range(10)]
    plain = gate.gate_prompt(compare.compare_prompt(run(head, base, min_pass_rate=0)))
    assert plain.status == "fail" and "2 case(s) regressed" in plain.gate_failures[0]
    assert plain.p_value == pytest.approx(0.5)
    lenient = gate.gate_prompt(compare.compare_prompt(run(head, base, min_pass_rate=0,
                                                          regression_confidence=0.95)))
    assert lenient.status == "pass"  # 2 of 10 flipping is not significant at 95%


def test_score_thresholds_gate_names_the_scorer() -> None:
    head = [case("a", True, 0.6), case("b", True, 0.7)]
    result = gate.gate_prompt(compare.compare_prompt(run(head, None, min_pass_rate=0,
                                                         score_thresholds={"equals": 0.8, "missing": 0.5})))
    assert result.status == "fail"
    assert "mean `equals` score 0.65 is below the threshold 0.8" in result.gate_failures
    assert any("`missing`" in f for f in result.gate_failures)


def test_run_status_and_totals() -> None:
    ok = gate.gate_prompt(compare.compare_prompt(run([case("a", True)], None)))
    bad = gate.gate_prompt(compare.compare_prompt(run([case("a", False)], None)))
    assert gate.run_status([]) == "skipped"
    assert gate.run_status([ok]) == "pass"
    assert gate.run_status([ok, bad]) == "fail"
    t = gate.totals([ok, bad])
    assert (t.cases, t.passed, t.failed, t.errored) == (2, 1, 1, 0)
    assert gate.verdict("fail", "informational").exit_code == 0
