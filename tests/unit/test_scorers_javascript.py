"""`javascript` scorers and `transform:` under Node, as promptfoo runs them (its own cases are in
tests/promptfoo_cases/javascript.yaml)."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

import pytest

from eval_action.execution.scorers.base import ScoreContext
from eval_action.execution.scorers.registry import score_case, validate_scorer
from eval_action.model.specs import Message, ScorerSpec

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js on PATH")


class NoGrader:
    async def complete(self, provider: Any, messages: list[Message]) -> str:
        raise AssertionError("no model call expected")

    async def embed(self, provider: Any, texts: list[str]) -> list[list[float]]:
        raise AssertionError("no model call expected")


def run(spec: dict[str, Any], output: str, root: Path) -> Any:
    ctx = ScoreContext(output=output, vars={"city": "Paris"}, expected="Paris", case_id="c", prompt="p.prompt.yaml",
                       prompt_dir=root, repo_root=root, grader=NoGrader())
    return asyncio.run(score_case([ScorerSpec(**spec)], ctx))[spec["type"]]


def test_a_file_function_is_called_with_output_and_context(tmp_path: Path) -> None:
    (tmp_path / "check.js").write_text("exports.names = (output, context) => "
                                       "({pass: output.includes(context.vars.city), score: 0.8, reason: 'named'})\n")
    spec = {"type": "javascript", "value": "file://check.js:names"}
    assert validate_scorer(ScorerSpec(**spec), tmp_path, tmp_path) == []
    score = run(spec, "It is Paris", tmp_path)
    assert (score.passed, score.score, score.reason) == (True, 0.8, "named")


def test_transform_changes_what_the_scorer_judges(tmp_path: Path) -> None:
    assert run({"type": "equals", "value": "paris", "transform": "output.trim().toLowerCase()"}, "  PARIS ",
               tmp_path).passed
    assert run({"type": "is-json", "transform": "({city: output})"}, "Paris", tmp_path).passed


def test_model_output_is_never_rendered_into_the_code(tmp_path: Path) -> None:
    score = run({"type": "javascript", "value": "output === '{{ output }}'"}, "'; process.exit(3); '", tmp_path)
    assert not score.passed and not score.errored  # compared with the literal text, not executed


def test_a_hung_script_is_killed_at_its_timeout(tmp_path: Path) -> None:
    score = run({"type": "javascript", "value": "while (true) {}\nreturn true", "timeout_s": 0.5}, "x", tmp_path)
    assert score.errored and "longer than 0.5s" in score.reason


def test_the_job_environment_does_not_reach_node(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-must-not-leak")
    assert run({"type": "javascript", "value": "process.env.OPENAI_API_KEY === undefined"}, "x", tmp_path).passed


def test_without_node_validate_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    problems = validate_scorer(ScorerSpec(type="javascript", value="true"), tmp_path, tmp_path)
    assert problems == ["javascript scorers need Node.js, and `node` is not on PATH — install Node (or add "
                        "`actions/setup-node` to the job), or write the check as a `python` scorer"]
    assert "`node` is not on PATH" in validate_scorer(ScorerSpec(type="contains", value="x", transform="output"),
                                                      tmp_path, tmp_path)[0]
