"""Gates on latency, cost, tokens, pass rate, scorer means and failure rates; named profiles. Pure."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from eval_action.model.errors import UserError
from eval_action.model.results import CaseResult, PromptResult, Score
from eval_action.model.settings import Settings
from eval_action.model.specs import Change, Config, Gates, PromptSpec, ProviderSpec, Thresholds
from eval_action.selection.plan import gate_profile, thresholds_for
from eval_action.verdict import compare, gate


def case(i: int, *, latency: float = 100, cost: float | None = 0.001, tokens: int | None = 100,
         passed: bool = True, cached: bool = False, scores: dict[str, Score] | None = None) -> CaseResult:
    return CaseResult(id=f"c{i}", passed=passed, latency_ms=latency, cost_usd=cost, tokens=tokens, cached=cached,
                      scores=scores or {"equals": Score(score=float(passed), passed=passed, reason="")})


def judged(gates: dict[str, Any], head: list[CaseResult], base: list[CaseResult] | None = None,
           min_pass_rate: float = 0) -> PromptResult:
    run = compare.PromptRun(path="p.prompt.yaml", name="p", provider="openai:m",
                            thresholds=Thresholds(min_pass_rate=min_pass_rate, regression_tolerance=1,
                                                  gates=Gates.model_validate(gates)),
                            head=head, baseline=base, baseline_state="compared" if base is not None else "none")
    return gate.gate_prompt(compare.compare_prompt(run))


# ---------------------------------------------------------------- latency
def test_latency_max_value_fails_above_and_passes_below() -> None:
    slow = judged({"latency_p95": {"max_value": 500}}, [case(i, latency=100 + 100 * i) for i in range(10)])
    assert slow.status == "fail"
    assert slow.gate_failures == ["latency p95 1,000 ms is above the maximum 500 ms"]
    fast = judged({"latency_p95": {"max_value": "3s"}}, [case(i, latency=100 + 100 * i) for i in range(10)])
    assert fast.status == "pass" and fast.gate_failures == []


def test_latency_max_increase_in_ms_and_percent_against_the_baseline() -> None:
    base = [case(i, latency=800) for i in range(10)]
    head = [case(i, latency=1050) for i in range(10)]
    in_ms = judged({"latency_p95": {"max_increase": "200ms"}}, head, base)
    assert in_ms.gate_failures == ["latency p95 rose 250 ms (800 ms → 1,050 ms), more than the allowed 200 ms"]
    in_pct = judged({"latency_p95": {"max_increase": "20%"}}, head, base)
    assert in_pct.gate_failures == ["latency p95 rose 31% (800 ms → 1,050 ms), more than the allowed 20%"]
    assert judged({"latency_p95": {"max_increase": "40%"}}, head, base).status == "pass"


def test_cached_answers_are_left_out_and_too_few_samples_are_said_not_passed() -> None:
    head = [case(i, latency=5000, cached=i >= 3) for i in range(10)]  # 3 real answers, 7 from the cache
    result = judged({"latency_p99": {"max_value": 100}}, head)
    assert result.metrics.latency_samples == 3 and result.metrics.cached == 7
    assert result.gate_failures == []
    assert result.notes == ["latency_p99 gate not judged: 3 uncached answer(s), it needs 5 (7 came from the "
                            "cache) — run with --no-cache"]
    enough = judged({"latency_p99": {"max_value": 100, "min_samples": 3}}, head)
    assert enough.gate_failures == ["latency p99 5,000 ms is above the maximum 100 ms"]


def test_a_max_increase_without_a_baseline_is_a_note() -> None:
    result = judged({"cost_per_case": {"max_increase": "15%"}}, [case(i) for i in range(5)])
    assert result.status == "pass"
    assert result.notes == ["cost_per_case `max_increase` not judged: the baseline has no such figure"]


# ---------------------------------------------------------------- cost and tokens
def test_cost_per_case_max_increase_percent() -> None:
    base = [case(i, cost=0.0010) for i in range(4)]
    up = judged({"cost_per_case": {"max_increase": "15%"}}, [case(i, cost=0.0014) for i in range(4)], base)
    assert up.gate_failures == ["cost per case rose 40% ($0.0010 → $0.0014), more than the allowed 15%"]
    flat = judged({"cost_per_case": {"max_increase": "15%"}}, [case(i, cost=0.0011) for i in range(4)], base)
    assert flat.status == "pass"


def test_tokens_per_case_max_value_and_increase() -> None:
    head = [case(i, tokens=2400) for i in range(4)]
    assert judged({"tokens_per_case": {"max_value": 2000}}, head).gate_failures == [
        "tokens per case 2,400 is above the maximum 2,000"]
    base = [case(i, tokens=2000) for i in range(4)]
    assert judged({"tokens_per_case": {"max_increase": "25%"}}, head, base).status == "pass"
    assert judged({"tokens_per_case": {"max_increase": "10%"}}, head, base).status == "fail"


# ---------------------------------------------------------------- pass rate, scores, failure rates
def test_pass_rate_max_decrease_in_points() -> None:
    base = [case(i) for i in range(20)]
    head = [case(i, passed=i >= 2) for i in range(20)]  # 90% against 100%
    assert judged({"pass_rate": {"max_decrease": 5}}, head, base).gate_failures == [
        "pass rate fell 10.0 pts (100.0% → 90.0%), more than the allowed 5 pts"]
    assert judged({"pass_rate": {"max_decrease": 10}}, head, base).status == "pass"


def test_pass_rate_decrease_with_confidence_fails_only_when_significant() -> None:
    base = [case(i) for i in range(20)]
    two_worse = judged({"pass_rate": {"max_decrease": 5, "confidence": 0.9}},
                       [case(i, passed=i >= 2) for i in range(20)], base)
    assert two_worse.status == "pass"  # 2 discordant pairs: p = 0.5
    assert "but not significantly at 90% confidence" in two_worse.notes[0]
    eight_worse = judged({"pass_rate": {"max_decrease": 5, "confidence": 0.9}},
                         [case(i, passed=i >= 8) for i in range(20)], base)
    assert eight_worse.gate_failures == [
        "pass rate fell 40.0 pts (100.0% → 60.0%), more than the allowed 5 pts (significant at 90% confidence)"]


def scored(value: float, passed: bool = True) -> dict[str, Score]:
    return {"similar": Score(score=value, passed=passed, reason="")}


def test_scorer_mean_min_and_max_decrease() -> None:
    base = [case(i, scores=scored(0.9)) for i in range(4)]
    head = [case(i, scores=scored(0.7)) for i in range(4)]
    result = judged({"scores": {"similar": {"min": 0.8, "max_decrease": 0.1}}}, head, base)
    assert result.gate_failures == ["mean `similar` score 0.70 is below the minimum 0.8",
                                    "mean `similar` score fell 0.20 (0.90 → 0.70), more than the allowed 0.1"]
    assert judged({"scores": {"similar": {"min": 0.6, "max_decrease": 0.25}}}, head, base).status == "pass"
    assert judged({"scores": {"typo": {"min": 0.5}}}, head).gate_failures == [
        "gates.scores names `typo`, but no case produced that score"]


def test_failure_rate_over_named_scorers() -> None:
    head = [case(i, scores={"factuality": Score(score=0.0 if i < 3 else 1.0, passed=i >= 3, reason="")})
            for i in range(50)]
    gates = {"failure_rates": {"hallucination": {"scorers": ["factuality"], "max_rate": 0.05}}}
    assert judged(gates, head).gate_failures == [
        "hallucination rate 6.0% (3/50 cases failed factuality) is above the maximum 5.0%"]
    gates["failure_rates"]["hallucination"]["max_rate"] = 0.1
    assert judged(gates, head).status == "pass"


# ---------------------------------------------------------------- values and profiles
@pytest.mark.parametrize(("text", "amount", "percent"),
                         [("200ms", 200, False), ("1.5s", 1500, False), ("15%", 15, True), (200, 200, False)])
def test_change_forms(text: Any, amount: float, percent: bool) -> None:
    change = Change.model_validate(text)
    assert (change.amount, change.percent) == (amount, percent)


@pytest.mark.parametrize("bad", ["fast", "-5%", True, "10 minutes"])
def test_bad_change_forms_are_refused(bad: Any) -> None:
    with pytest.raises(ValidationError):
        Change.model_validate(bad)


CONFIG = Config.model_validate({
    "defaults": {"gates": {"latency_p95": {"max_value": 5000}, "cost_per_case": {"max_value": 1}}},
    "gates": {"pr": {"latency_p95": {"max_value": 3000}}, "main": {"latency_p95": {"max_value": 1000},
                                                                    "pass_rate": {"min": 95}}},
})
SPEC = PromptSpec(path="p.prompt.yaml", name="p", kind="yaml", provider=ProviderSpec(type="openai", model="m"),
                  messages=[], cases=[], scorers=[], gates=Gates.model_validate({"cost_per_case": {"max_value": 0.5}}))


def settings(**kw: Any) -> Settings:
    return Settings(repo_root=Path("."), **kw)


def test_profiles_layer_over_the_defaults_and_under_the_prompt() -> None:
    pr = thresholds_for(SPEC, CONFIG, settings(), gate_profile(CONFIG, settings()))
    assert pr.profile == "pr" and pr.gates.latency_p95 and pr.gates.latency_p95.max_value == 3000
    assert pr.gates.cost_per_case and pr.gates.cost_per_case.max_value == 0.5  # the prompt's own wins
    assert pr.min_pass_rate == 100
    push = settings(gate_default="main")
    main = thresholds_for(SPEC, CONFIG, push, gate_profile(CONFIG, push))
    assert main.profile == "main" and main.gates.latency_p95 and main.gates.latency_p95.max_value == 1000
    assert main.min_pass_rate == 95  # the profile's pass_rate.min stands for min_pass_rate


def test_an_unknown_profile_is_bad_input_and_a_missing_default_is_none() -> None:
    with pytest.raises(UserError, match=r"no gate profile `nightly` .*\(main, pr\)"):
        gate_profile(CONFIG, settings(gate="nightly"))
    assert gate_profile(Config(), settings()) is None
