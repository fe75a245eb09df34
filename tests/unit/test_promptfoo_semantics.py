"""promptfoo's test-level semantics: weight, test `threshold` and `assert-set`, verdicts from promptfoo itself.

Each expectation below is what promptfoo 0.121.20's `runAssertions` returned for the same output and
assertions (the first is promptfoo's documented weighted-threshold example).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from eval_action.execution.scorers.base import ScoreContext
from eval_action.execution.scorers.registry import case_passes, score_case, validate_scorer
from eval_action.model.specs import Message, ScorerSpec


class NoGrader:
    async def complete(self, provider: Any, messages: list[Message]) -> str:
        raise AssertionError("no model call expected")

    async def embed(self, provider: Any, texts: list[str]) -> list[list[float]]:
        raise AssertionError("no model call expected")


def verdict(output: str, scorers: list[dict[str, Any]], threshold: float | None) -> tuple[bool, dict[str, Any]]:
    specs = [ScorerSpec(**s) for s in scorers]
    ctx = ScoreContext(output=output, vars={}, expected=None, case_id="c", prompt="p.prompt.yaml",
                       prompt_dir=Path("."), repo_root=Path("."), grader=NoGrader())
    scores = asyncio.run(score_case(specs, ctx))
    return case_passes(specs, scores, threshold), scores


HELLO = [{"type": "equals", "value": "Hello world", "weight": 2}, {"type": "contains", "value": "world"}]


@pytest.mark.parametrize(("scorers", "threshold", "passed"), [
    (HELLO, 0.2, True),  # weighted mean 1/3 reaches 0.2
    (HELLO, 0.5, False),
    (HELLO, None, False),
    ([{"type": "equals", "value": "Hello world", "weight": 0}, {"type": "contains", "value": "world"}], None, True),
    ([{"type": "equals", "value": "Hello world", "weight": 0}, {"type": "contains", "value": "world"}], 0.9, True),
])
def test_weight_and_test_threshold_as_promptfoo(scorers: list[dict[str, Any]], threshold: float | None,
                                                passed: bool) -> None:
    assert verdict("Goodbye world", scorers, threshold)[0] is passed


@pytest.mark.parametrize(("scorers", "threshold", "passed", "set_score"), [
    ([{"type": "assert-set", "threshold": 0.5, "assert": [{"type": "equals", "value": "Hello world"},
                                                          {"type": "contains", "value": "world"}]}], None, True, 0.5),
    ([{"type": "assert-set", "assert": [{"type": "equals", "value": "Hello world"},
                                        {"type": "contains", "value": "world"}]}], None, False, 0.5),
    ([{"type": "assert-set", "weight": 2, "assert": [{"type": "equals", "value": "Goodbye world"},
                                                     {"type": "contains", "value": "world"}]},
      {"type": "contains", "value": "nope"}], 0.6, True, 1.0),
])
def test_assert_set_as_promptfoo(scorers: list[dict[str, Any]], threshold: float | None, passed: bool,
                                 set_score: float) -> None:
    ok, scores = verdict("Goodbye world", scorers, threshold)
    assert ok is passed
    assert scores["assert-set"].score == pytest.approx(set_score)


def test_assert_set_members_are_validated_and_it_cannot_be_negated() -> None:
    problems = validate_scorer(ScorerSpec(type="assert-set", **{"assert": [
        {"type": "contains", "valeu": "x"}, {"type": "containz", "value": "x"}]}), Path("."), Path("."))
    assert problems == ["assert-set member contains: unknown key `valeu` for contains — did you mean `value`?",
                        "assert-set member containz: unknown scorer type 'containz' — did you mean 'contains'?"]
    assert validate_scorer(ScorerSpec(type="assert-set"), Path("."), Path(".")) == [
        "assert-set needs `assert:` — a list of scorers"]
    negated = validate_scorer(ScorerSpec(type="not-assert-set", **{"assert": [{"type": "contains", "value": "x"}]}),
                              Path("."), Path("."))
    assert negated == ["not-assert-set is not supported — set its members' types instead"]


def test_assert_set_members_render_once(tmp_path: Path) -> None:
    """Model output holding template syntax is compared as text, never rendered as a template."""
    ok, scores = verdict("{{ 7 * 7 }}", [{"type": "assert-set", "assert": [
        {"type": "equals", "value": "{{ output }}"}]}], None)
    assert ok, scores
