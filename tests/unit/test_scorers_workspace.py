"""command, file-exists and file-contains: scorers over the files an agent left in its workspace."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import pytest

from eval_action.execution.scorers.base import ScoreContext
from eval_action.execution.scorers.registry import score_case, validate_scorer
from eval_action.execution.usercode.pool import UserCode
from eval_action.model.specs import Message, ScorerSpec


class _NoGrader:
    async def complete(self, provider: Any, messages: list[Message]) -> str:
        raise AssertionError("workspace scorers call no model")

    async def embed(self, provider: Any, texts: list[str]) -> list[list[float]]:
        raise AssertionError("workspace scorers call no model")


def score(spec: dict[str, Any], workdir: Path | None) -> Any:
    ctx = ScoreContext(output="", vars={}, expected=None, case_id="c", prompt="p.prompt.yaml",
                       prompt_dir=Path("."), repo_root=Path("."), grader=_NoGrader(),
                       usercode=UserCode(dict(os.environ), 1), workdir=workdir)
    return asyncio.run(score_case([ScorerSpec(**spec)], ctx))[spec["type"]]


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "hello.py").write_text("print('Hello, world!')\n")
    return tmp_path


@pytest.mark.parametrize(("expect", "passed", "reason"), [
    ({"exit": 0, "stdout": "Hello, world!\n"}, True, "stdout matches"),
    ({"stdout": "Hello"}, False, 'stdout "Hello, world!\\n" is not "Hello"'),
    ({"stdout": {"contains": "world"}}, True, 'stdout contains "world"'),
    ({"stdout": {"regex": "^Hello, \\w+!$"}}, True, "stdout matches /"),
    ({"exit": 3}, False, "exited with status 0, expected 3"),
])
def test_command_runs_in_the_workspace_and_checks_exit_and_stdout(workdir: Path, expect: dict[str, Any],
                                                                   passed: bool, reason: str) -> None:
    result = score({"type": "command", "value": ["python3", "hello.py"], "expect": expect}, workdir)
    assert (result.passed, result.errored) == (passed, False)
    assert reason in result.reason


def test_files_exist_and_contain(workdir: Path) -> None:
    assert score({"type": "file-exists", "value": ["hello.py"]}, workdir).passed
    assert "missing: nope.txt" in score({"type": "file-exists", "value": "nope.txt"}, workdir).reason
    assert score({"type": "file-contains", "path": "hello.py", "value": "world"}, workdir).passed
    assert not score({"type": "file-contains", "path": "hello.py", "value": "moon"}, workdir).passed


def test_paths_stay_inside_the_workspace(workdir: Path) -> None:
    result = score({"type": "file-exists", "value": "../../etc/passwd"}, workdir)
    assert result.errored and "leaves the repository" in result.reason


def test_without_a_workspace_the_scorer_says_how_to_get_one() -> None:
    result = score({"type": "file-exists", "value": "hello.py"}, None)
    assert result.errored and "workdir: fresh" in result.reason


@pytest.mark.parametrize(("spec", "problem"), [
    ({"type": "command", "value": "python hello.py"}, "an argv list"),
    ({"type": "command", "value": ["x"], "expect": {"stdout": {"startswith": "a"}}}, "expect.stdout must be"),
    ({"type": "command", "value": ["x"], "expect": {"status": 0}}, "`expect:` takes `exit`"),
    ({"type": "command", "value": ["x"], "expect": {"stdout": {"regex": "("}}}, "expect.stdout.regex: invalid regex"),
    ({"type": "file-contains", "value": "x"}, "needs `path:`"),
    ({"type": "file-exists"}, "needs `value:`"),
])
def test_validate(spec: dict[str, Any], problem: str) -> None:
    problems = validate_scorer(ScorerSpec(**spec), Path("."), Path("."))
    assert any(problem in p for p in problems), problems


def test_valid_specs_have_no_problems() -> None:
    for spec in ({"type": "command", "value": ["python3", "a.py"], "expect": {"exit": 0, "stdout": "x"},
                  "timeout_s": 5}, {"type": "file-contains", "path": "a", "value": "b"}):
        assert validate_scorer(ScorerSpec(**spec), Path("."), Path(".")) == []
