"""`python` scorers: user functions by file or module, every return shape, raising, hanging, junk."""

from __future__ import annotations

import asyncio
import os
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from eval_action.execution.scorers.base import ScoreContext
from eval_action.execution.scorers.registry import score_case, validate_scorer
from eval_action.execution.usercode.pool import UserCode
from eval_action.model.specs import Message, ScorerSpec

USER_CODE = '''
import asyncio
import os
import time

def exact(output, context):
    return output == context["expected"]

def ratio(output, context):
    return len(output) / 10

def graded(output, context):
    return {"pass": "Paris" in output, "score": 0.9, "reason": "looked for " + context["vars"]["city"]}

def only_score(output, context):
    return {"score": 0.25}

def echo_context(output, context):
    reason = repr(sorted(context)) + context["case_id"] + context["prompt"]
    return {"pass": True, "score": 1, "reason": reason}

async def async_ok(output, context):
    await asyncio.sleep(0)
    return True

def boom(output, context):
    raise ValueError("bad input\\nsecond line is the useful one")

def hang(output, context):
    time.sleep(3)
    return True

async def async_hang(output, context):
    await asyncio.sleep(3)
    return True

def junk_str(output, context):
    return "yes"

def junk_score(output, context):
    return 7

def junk_pass(output, context):
    return {"pass": "maybe"}

def junk_dict(output, context):
    return {"verdict": True}

def exits(output, context):
    raise SystemExit(3)

NOT_CALLABLE = 3
'''


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "checks.py").write_text(USER_CODE)
    (tmp_path / "scorerpkg").mkdir()
    (tmp_path / "scorerpkg" / "__init__.py").write_text("")
    (tmp_path / "scorerpkg" / f"mod_{tmp_path.name.replace('-', '_')}.py").write_text(USER_CODE)
    (tmp_path / "prompts" / "broken.py").write_text("import nothing_by_this_name\n")
    return tmp_path


def run(repo: Path, value: str, output: str = "Paris", **options: Any) -> Any:
    async def score() -> Any:
        usercode = UserCode(dict(os.environ), threads=2)
        ctx = ScoreContext(output=output, vars={"city": "Paris"}, expected="Paris", case_id="c7",
                           prompt="prompts/p.prompt.yaml", prompt_dir=repo / "prompts", repo_root=repo,
                           grader=_NoGrader(), messages=[], usercode=usercode, python=sys.executable)
        try:
            return await score_case([ScorerSpec(type="python", value=value, **options)], ctx)
        finally:
            await usercode.aclose()
    return asyncio.run(score())["python"]


class _NoGrader:
    async def complete(self, provider: Any, messages: list[Message]) -> str:
        raise AssertionError("python scorers must not call a model")

    async def embed(self, provider: Any, texts: list[str]) -> list[list[float]]:
        raise AssertionError("python scorers must not call a model")


@pytest.mark.parametrize(("fn", "output", "options", "passed", "score", "reason"), [
    ("exact", "Paris", {}, True, 1.0, "returned True"),
    ("exact", "Rome", {}, False, 0.0, "returned False"),
    ("ratio", "Paris", {}, True, 0.5, "score 0.5"),
    ("ratio", "Paris", {"threshold": 0.8}, False, 0.5, "score 0.5 < threshold 0.8"),
    ("ratio", "", {}, False, 0.0, "score 0"),
    ("graded", "Paris", {}, True, 0.9, "looked for Paris"),
    ("graded", "Rome", {}, False, 0.9, "looked for Paris"),
    ("only_score", "x", {}, True, 0.25, "score 0.25"),
    ("only_score", "x", {"threshold": 0.5}, False, 0.25, "< threshold 0.5"),
    ("async_ok", "x", {}, True, 1.0, "returned True"),
])
def test_return_shapes(repo: Path, fn: str, output: str, options: dict[str, Any], passed: bool,
                       score: float, reason: str) -> None:
    result = run(repo, f"checks.py:{fn}", output, **options)
    assert (result.passed, result.errored) == (passed, False), result.reason
    assert result.score == pytest.approx(score)
    assert reason in result.reason


def test_context_holds_vars_expected_case_id_prompt(repo: Path) -> None:
    reason = run(repo, "checks.py:echo_context").reason
    assert "['case_id', 'expected', 'metadata', 'prompt', 'tool_calls', 'trace', 'vars', 'workdir']" in reason
    assert "c7prompts/p.prompt.yaml" in reason


def test_module_form_imports_from_repo_root(repo: Path) -> None:
    module = f"scorerpkg.mod_{repo.name.replace('-', '_')}"
    assert run(repo, f"{module}:exact").passed


@pytest.mark.parametrize(("fn", "reason"), [
    ("boom", "python scorer checks.py:boom raised ValueError: second line is the useful one"),
    ("junk_str", "python scorer returned str 'yes'; return a bool, a float in [0, 1]"),
    ("junk_score", "python scorer returned score 7; return a bool"),
    ("junk_pass", 'returned "pass": maybe'),
    ("junk_dict", "python scorer returned dict"),
    ("missing_fn", "checks.py has no function 'missing_fn'"),
    ("exits", "raised SystemExit: 3"),
    ("NOT_CALLABLE", "checks.py has no function 'NOT_CALLABLE'"),
])
def test_failures_are_errored_with_a_clear_reason(repo: Path, fn: str, reason: str) -> None:
    result = run(repo, f"checks.py:{fn}")
    assert result.errored and not result.passed and result.score == 0
    assert reason in result.reason
    assert "\n" not in result.reason


@pytest.mark.parametrize(("value", "reason"), [
    ("broken.py:f", "importing it raised ModuleNotFoundError: No module named 'nothing_by_this_name'"),
    ("no_such_module_xyz:f", "No module named 'no_such_module_xyz'"),
])
def test_scorers_that_cannot_be_imported_are_errored_when_run(repo: Path, value: str, reason: str) -> None:
    result = run(repo, value)
    assert result.errored and reason in result.reason


@pytest.mark.parametrize("fn", ["hang", "async_hang"])
def test_hanging_scorer_times_out_without_blocking(repo: Path, fn: str) -> None:
    started = time.monotonic()
    result = run(repo, f"checks.py:{fn}", timeout_s=0.2)
    assert time.monotonic() - started < 2
    assert result.errored and "timed out after 0.2s" in result.reason


@pytest.mark.parametrize(("value", "options", "problem"), [
    ("checks.py:exact", {}, None),
    ("checks.py:nope", {}, None),  # validate imports nothing: that would run the user's code
    ("broken.py:f", {}, None),
    ("missing.py:f", {}, "does not exist next to the prompt"),
    ("../../elsewhere.py:f", {}, "leaves the repository"),
    ("not-a.module:f", {}, "is not a module name"),
    ("just-a-name", {}, "must look like `module:function` or `path/file.py:function`"),
    ("checks.py:exact", {"timeout_s": 0}, "timeout_s 0 must be a positive number"),
    ("checks.py:exact", {"threshold": 2}, "threshold 2 is out of range"),
])
def test_validate(repo: Path, value: str, options: dict[str, Any], problem: str | None) -> None:
    problems = validate_scorer(ScorerSpec(type="python", value=value, **options), repo / "prompts", repo)
    if problem is None:
        assert problems == []
    else:
        assert any(problem in p for p in problems), problems


def test_file_edits_are_picked_up(repo: Path) -> None:
    path = repo / "prompts" / "flip.py"
    path.write_text("def f(output, context):\n    return True\n")
    assert run(repo, "flip.py:f").passed
    path.write_text(textwrap.dedent("""
        def f(output, context):
            return False
    """))
    newer = path.stat().st_mtime_ns + 1_000_000
    os.utime(path, ns=(newer, newer))
    assert not run(repo, "flip.py:f").passed


def test_python_scorer_sees_the_answers_tool_calls_trace_and_metadata(tmp_path: Path) -> None:
    import asyncio

    from eval_action.execution.scorers.base import ScoreContext
    from eval_action.execution.scorers.registry import score_case
    from eval_action.model.answer import ToolCall, TraceStep
    from eval_action.model.specs import ScorerSpec

    (tmp_path / "s.py").write_text(
        "def check(output, context):\n"
        "    call = context['tool_calls'][0]\n"
        "    ok = call['name'] == 'lookup' and call['arguments'] == {'id': 1}\n"
        "    ok = ok and context['trace'][0]['type'] == 'tool_call' and context['metadata'] == {'k': 'v'}\n"
        "    return {'pass': ok, 'reason': str(context['workdir'])}\n")
    async def score() -> Any:
        usercode = UserCode(dict(os.environ), threads=1)
        ctx = ScoreContext(output="", vars={}, expected=None, case_id="c", prompt="p.prompt.yaml",
                           prompt_dir=tmp_path, repo_root=tmp_path, grader=None,  # type: ignore[arg-type]
                           tool_calls=[ToolCall(name="lookup", arguments={"id": 1})],
                           trace=[TraceStep(type="tool_call", name="lookup")], metadata={"k": "v"},
                           usercode=usercode, python=sys.executable)
        try:
            return (await score_case([ScorerSpec(type="python", value="s.py:check")], ctx))["python"]
        finally:
            await usercode.aclose()
    score = asyncio.run(score())
    assert score.passed and score.reason == "None"


@pytest.mark.parametrize(("code", "output", "passed", "score"), [
    ("output == 'Paris'", "Paris", True, 1.0),  # promptfoo's one-expression form
    ("len(output) / 10", "Paris", True, 0.5),
    ("words = output.split()\nreturn {'pass': len(words) == 2, 'score': 0.7, 'reason': 'two words'}\n",
     "Paris France", True, 0.7),  # promptfoo's function-body form
    ("context['vars']['city'] in output", "Lyon", False, 0.0),
])
def test_inline_python_runs_in_the_worker_as_promptfoo_runs_it(repo: Path, code: str, output: str, passed: bool,
                                                               score: float) -> None:
    result = run(repo, code, output=output)
    assert (result.passed, result.score, result.errored) == (passed, score, False), result.reason


def test_inline_python_is_syntax_checked_by_validate(repo: Path) -> None:
    problems = validate_scorer(ScorerSpec(type="python", value="output ==="), repo, repo)
    assert problems and problems[0].startswith("inline python does not parse: invalid syntax")
    assert validate_scorer(ScorerSpec(type="python", value="output == 'x'"), repo, repo) == []
