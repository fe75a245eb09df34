"""The registry: labels, templating, `not-`, error containment, budgets and static validation."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from eval_action.execution.scorers.base import ScoreContext
from eval_action.execution.scorers.registry import known_types, score_case, validate_scorer
from eval_action.model.errors import UserError
from eval_action.model.specs import Message, ScorerSpec


class BrokenGrader:
    async def complete(self, provider: Any, messages: list[Message]) -> str:
        raise RuntimeError("socket closed\nconnection reset by peer")

    async def embed(self, provider: Any, texts: list[str]) -> list[list[float]]:
        return [[1.0, 0.0]]  # one vector for two texts: a broken embedding provider


def ctx(output: str = "Paris", **extra: Any) -> ScoreContext:
    fields: dict[str, Any] = {"output": output, "vars": {"city": "Paris"}, "expected": "Paris",
                              "case_id": "c1", "prompt": "p.prompt.yaml", "prompt_dir": Path("."),
                              "repo_root": Path("."), "grader": BrokenGrader()}
    return ScoreContext(**(fields | extra))


def score(specs: list[dict[str, Any]], context: ScoreContext | None = None) -> dict[str, Any]:
    return asyncio.run(score_case([ScorerSpec(**s) for s in specs], context or ctx()))


def test_labels_are_unique_and_names_win() -> None:
    result = score([{"type": "contains", "value": "P"}, {"type": "contains", "value": "a"},
                    {"type": "contains", "value": "z"},
                    {"type": "equals", "value": "Paris", "name": "exact"}])
    assert list(result) == ["contains", "contains#2", "contains#3", "exact"]
    assert [s.passed for s in result.values()] == [True, True, False, True]


def test_output_is_a_template_variable() -> None:
    assert score([{"type": "equals", "value": "{{ output }}"}])["equals"].passed


def test_template_error_propagates_as_user_error() -> None:
    with pytest.raises(UserError) as raised:
        score([{"type": "contains", "value": "{{ nope }}", "line": 12}])
    assert str(raised.value).startswith("p.prompt.yaml:12: template uses an undefined variable")


def test_a_bare_variable_keeps_its_type() -> None:
    listed = ctx(output="red and blue: 4", expected=["red", "blue"], vars={"n": {"max": 3}})
    result = score([{"type": "contains-all", "value": "{{ expected }}"},
                    {"type": "close-to", "value": "{{ vars.n.max }}"}], listed)
    assert result["contains-all"].passed, result["contains-all"].reason
    assert "expected 3 ± 0; got 4" in result["close-to"].reason


def test_options_are_rendered_too() -> None:
    result = score([{"type": "json-path", "path": "$.{{ 'city' }}", "value": "{{ city }}"}],
                   ctx(output='{"city": "Paris"}'))
    assert result["json-path"].passed


def test_grader_exception_is_errored_with_last_line() -> None:
    result = score([{"type": "llm-rubric", "value": "r"}, {"type": "contains", "value": "Paris"}])
    assert result["llm-rubric"].errored
    assert result["llm-rubric"].reason == "llm-rubric failed: RuntimeError: connection reset by peer"
    assert result["contains"].passed  # one broken scorer does not take the others down


def test_wrong_number_of_embeddings_is_errored() -> None:
    result = score([{"type": "similar", "value": "x"}])["similar"]
    assert result.errored and "returned 1 vectors for 2 texts" in result.reason


def test_unknown_type_at_runtime_is_errored() -> None:
    result = score([{"type": "containz", "value": "x"}])["containz"]
    assert result.errored and "unknown scorer type 'containz'" in result.reason


def test_errored_scores_are_not_inverted() -> None:
    result = score([{"type": "not-llm-rubric", "value": "r"}])["not-llm-rubric"]
    assert result.errored and not result.passed


@pytest.mark.parametrize(("spec", "measures", "passed", "reason"), [
    ({"type": "latency", "threshold": 500}, {"latency_ms": 120.0}, True, "latency 120 ms ≤ 500"),
    ({"type": "latency", "value": 500}, {"latency_ms": 900.0}, False, "latency 900 ms > 500 ms budget"),
    ({"type": "cost", "threshold": 0.001}, {"cost_usd": 0.002}, False, "cost 0.002 USD > 0.001 USD budget"),
    ({"type": "tokens", "threshold": 100}, {"tokens": 80}, True, "tokens 80 tokens ≤ 100"),
    ({"type": "latency", "threshold": 500}, {"latency_ms": 0.0, "cached": True}, True,
     "cached answer: latency not measured"),
    ({"type": "latency", "threshold": 500}, {"latency_ms": 900.0, "cached": True}, False, "latency 900 ms"),
])
def test_budgets(spec: dict[str, Any], measures: dict[str, Any], passed: bool, reason: str) -> None:
    result = score([spec], ctx(**measures))[spec["type"]]
    assert (result.passed, result.errored) == (passed, False)
    assert reason in result.reason


def test_missing_measurement_is_errored_with_a_hint() -> None:
    result = score([{"type": "cost", "threshold": 0.01}])["cost"]
    assert result.errored and "add the model to `pricing:`" in result.reason


@pytest.mark.parametrize(("spec", "problem"), [
    ({"type": "containz"}, "unknown scorer type 'containz' — did you mean 'contains'?"),
    ({"type": "not-containz"}, "did you mean 'not-contains'?"),
    ({"type": "frobnicate"}, "known types: agentmark/exact_match_json, answer-relevance, assert-set,"),
    ({"type": "not-latency", "threshold": 5}, "not-latency is not supported"),
    ({"type": "latency"}, "latency needs `threshold:`"),
    ({"type": "cost", "threshold": -1}, "cost limit -1 is negative"),
    ({"type": "contains", "value": "x", "weight": -1}, "weight -1 is negative"),
    ({"type": "regex", "value": "("}, "invalid regex /(/"),
    ({"type": "levenshtein", "value": "x", "threshold": -2}, "largest edit distance"),
    ({"type": "llm-rubric", "value": "polite", "treshold": 0.8},
     "unknown key `treshold` for llm-rubric — did you mean `threshold`?"),
    ({"type": "contains", "valeu": "Paris"}, "unknown key `valeu` for contains — did you mean `value`?"),
    ({"type": "json-path", "path": "$.a", "patern": "x"}, "did you mean `pattern`?"),
    ({"type": "close-to", "value": 1, "tolerence": 0.1}, "did you mean `tolerance`?"),
    ({"type": "equals", "value": "x", "metric": "m"}, "name the score with `name:`"),
    ({"type": "equals", "value": "x", "frobs": 1},
     "allowed keys: name, provider, threshold, transform, type, value, weight"),
    ({"type": "not-contains", "value": ["As an AI", "I'm sorry"]}, "use contains-any (not-contains-any"),
    ({"type": "starts-with", "value": 5}, "starts-with needs a non-empty string"),
    ({"type": "regex", "value": ""}, "regex needs a non-empty string"),
])
def test_validate_problems(spec: dict[str, Any], problem: str) -> None:
    problems = validate_scorer(ScorerSpec(**spec), Path("."), Path("."))
    assert any(problem in p for p in problems), problems


@pytest.mark.parametrize("spec", [
    {"type": "not-contains", "value": "x"},
    {"type": "regex", "value": "{{ pattern }}"},
    {"type": "latency", "value": "{{ budget }}"},
    {"type": "tokens", "threshold": 200},
])
def test_validate_accepts(spec: dict[str, Any]) -> None:
    assert validate_scorer(ScorerSpec(**spec), Path("."), Path(".")) == []


def test_known_types_cover_the_spec_vocabulary() -> None:
    spec_names = {"equals", "contains", "icontains", "contains-any", "contains-all", "starts-with", "regex",
                  "is-json", "contains-json", "json-schema", "json-path", "levenshtein", "similar",
                  "llm-rubric", "factuality", "latency", "cost", "python"}
    assert spec_names <= set(known_types())


@pytest.mark.parametrize("type_", ["answer-relevance", "llm-rubric", "contains"])
def test_context_transform_outside_the_context_scorers_names_where_it_is_read(type_: str) -> None:
    problems = validate_scorer(ScorerSpec(type=type_, value="x", contextTransform="output"), Path("."), Path("."))
    assert problems == [f"unknown key `contextTransform` for {type_} — only context-faithfulness, context-recall "
                        "and context-relevance read it"], problems


def test_context_transform_is_read_by_the_context_scorers() -> None:
    for type_ in ("context-faithfulness", "context-recall", "context-relevance"):
        problems = validate_scorer(ScorerSpec(type=type_, value="x", contextTransform=42), Path("."), Path("."))
        assert any("contextTransform must be a JavaScript expression" in p for p in problems), (type_, problems)
