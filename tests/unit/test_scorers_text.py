"""Deterministic text scorers, through the public `score_case` entry point."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from eval_action.execution.scorers.base import ScoreContext
from eval_action.execution.scorers.registry import score_case
from eval_action.model.specs import Message, ScorerSpec


class NoGrader:
    async def complete(self, provider: Any, messages: list[Message]) -> str:
        raise AssertionError("text scorers must not call a model")

    async def embed(self, provider: Any, texts: list[str]) -> list[list[float]]:
        raise AssertionError("text scorers must not call a model")


def run(spec: dict[str, Any], output: str, expected: Any = None, tmp: Path = Path(".")) -> Any:
    ctx = ScoreContext(output=output, vars={"city": "Paris"}, expected=expected, case_id="c1",
                       prompt="p.prompt.yaml", prompt_dir=tmp, repo_root=tmp, grader=NoGrader())
    return asyncio.run(score_case([ScorerSpec(**spec)], ctx))[spec.get("name") or spec["type"]]


CASES = [
    # (spec, output, expected passed, expected score, reason fragment)
    ({"type": "equals", "value": "Paris"}, "Paris", True, 1.0, 'equals "Paris"'),
    ({"type": "equals", "value": "Paris"}, "Paris\n", False, 0.0, "differs only in surrounding whitespace"),
    ({"type": "equals", "value": {"a": 1}}, '{"a": 1}', True, 1.0, "JSON equals"),
    ({"type": "equals", "value": {"a": 1}}, '{"a": 2}', False, 0.0, 'got "{\\"a\\": 2}"'),
    ({"type": "contains", "value": "Paris"}, "It is Paris.", True, 1.0, 'contains "Paris"'),
    ({"type": "contains", "value": "Paris"}, "Berlin is the capital", False, 0.0,
     'expected to contain "Paris"; output starts "Berlin is the capital"'),
    ({"type": "contains", "value": "Paris"}, "", False, 0.0, "output is empty"),
    ({"type": "icontains", "value": "PARIS"}, "paris!", True, 1.0, "contains"),
    ({"type": "contains-any", "value": ["Rome", "Paris"]}, "Paris", True, 1.0, 'contains "Paris"'),
    ({"type": "contains-any", "value": "Rome, Madrid"}, "Paris", False, 0.0,
     'expected any of "Rome", "Madrid"'),
    ({"type": "icontains-any", "value": ["ROME"]}, "rome", True, 1.0, "contains"),
    ({"type": "contains-all", "value": ["a", "b", "c"]}, "a b", False, 0.0, 'missing "c" (2/3 found)'),
    ({"type": "contains-all", "value": ["a", "b"]}, "a b", True, 1.0, "contains all 2"),
    ({"type": "icontains-all", "value": ["A", "B"]}, "a b", True, 1.0, "contains all"),
    ({"type": "starts-with", "value": "Yes"}, "Yes, it is", True, 1.0, 'starts with "Yes"'),
    ({"type": "starts-with", "value": "Yes"}, "No", False, 0.0,
     'expected to start with "Yes"; output starts "No"'),
    ({"type": "regex", "value": r"\d{3}"}, "code 123", True, 1.0, 'matches /\\d{3}/ at "123"'),
    ({"type": "regex", "value": r"^\d+$"}, "abc", False, 0.0, "no match for /^\\d+$/"),
    ({"type": "levenshtein", "value": "Paris"}, "Pariss", True, 1.0, "edit distance 1 ≤ 5"),
    ({"type": "levenshtein", "value": "Paris", "threshold": 1}, "Parisian", False, 0.0,
     "edit distance 3 > 1"),
]


@pytest.mark.parametrize(("spec", "output", "passed", "score", "reason"), CASES)
def test_text_scorers(spec: dict[str, Any], output: str, passed: bool, score: float, reason: str) -> None:
    result = run(spec, output)
    assert (result.passed, result.errored) == (passed, False), result.reason
    assert result.score == pytest.approx(score)
    assert reason in result.reason


@pytest.mark.parametrize(("type_", "output", "passed", "reason"), [
    ("not-contains", "Berlin", True, "not-contains holds"),
    ("not-contains", "Paris", False, 'not-contains failed: contains "Paris"'),
    ("not-icontains", "PARIS", False, "not-icontains failed"),
    ("not-equals", "Paris", False, "not-equals failed"),
    ("not-regex", "Lyon", True, "holds"),
])
def test_not_prefix_inverts_pass_and_score(type_: str, output: str, passed: bool, reason: str) -> None:
    value = "Paris" if "regex" not in type_ else "P.ris"
    result = run({"type": type_, "value": value}, output)
    assert result.passed is passed
    assert result.score == (1.0 if passed else 0.0)
    assert reason in result.reason


def test_value_falls_back_to_expected() -> None:
    assert run({"type": "icontains"}, "it's paris", expected="Paris").passed
    missing = run({"type": "icontains"}, "it's paris")
    assert missing.errored and "set `value:` or give the case an `expected`" in missing.reason


def test_template_variables_render_in_value() -> None:
    assert run({"type": "contains", "value": "{{ city }}"}, "Paris").passed
    assert run({"type": "equals", "value": "{{ expected | upper }}"}, "ROME", expected="Rome").passed


def test_long_output_is_truncated_and_one_line() -> None:
    result = run({"type": "contains", "value": "zzz"}, "line one\nline two " + "x" * 500)
    assert "\n" not in result.reason
    assert '"line one\\nline two' in result.reason
    assert "…" in result.reason and len(result.reason) < 200


def test_invalid_regex_is_an_errored_score_not_a_crash() -> None:
    result = run({"type": "regex", "value": "(unclosed"}, "x")
    assert result.errored and not result.passed
    assert "invalid regex /(unclosed/" in result.reason
