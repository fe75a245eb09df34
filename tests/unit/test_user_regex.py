"""Every regex a user writes (regex, is-sql/contains-sql, command stdout, json-path) is compiled by one
helper: a pattern Python cannot compile — bad syntax, a repeat count too large, nesting too deep — is a
one-line config error naming file and line, never an internal error."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from eval_action.cli import main
from eval_action.execution.scorers.base import ScoreContext
from eval_action.execution.scorers.registry import score_case
from eval_action.model.specs import ScorerSpec

PROMPT = """\
messages: [{role: user, content: hi}]
evals:
  cases: [{x: 1}]
  scorers:
    - {type: contains, value: x}
    - %s
"""
HUGE = "a{99999999999}"
DEEP = "(" * 5000 + ")" * 5000
SCORERS = {
    "regex": "{type: regex, value: '%s'}",
    "is-sql-tables": "{type: is-sql, value: {allowedTables: ['%s']}}",
    "contains-sql-columns": "{type: contains-sql, value: {allowedColumns: ['%s']}}",
    "command-stdout": "{type: command, value: [python3, x.py], expect: {stdout: {regex: '%s'}}}",
    "json-path-pattern": "{type: json-path, path: $.a, pattern: '%s'}",
}


@pytest.mark.parametrize("pattern", [HUGE, DEEP, "(unclosed"], ids=["huge-repeat", "deep-nesting", "syntax"])
@pytest.mark.parametrize("scorer", sorted(SCORERS))
def test_uncompilable_user_regex_is_a_one_line_config_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        scorer: str, pattern: str) -> None:
    (tmp_path / "eval-action.yaml").write_text("providers:\n  default: {type: openai, model: m}\n")
    (tmp_path / "p.prompt.yaml").write_text(PROMPT % (SCORERS[scorer] % pattern))
    monkeypatch.chdir(tmp_path)
    assert main(["validate"]) == 2
    out = capsys.readouterr()
    errors = [line for line in out.out.splitlines() if "error:" in line]
    assert len(errors) == 1 and errors[0].startswith("eval-action: error: p.prompt.yaml:6: scorer "), errors
    assert "regex" in errors[0] and len(errors[0]) < 400, errors
    assert "Traceback" not in out.err + out.out


def test_templated_huge_regex_is_an_errored_score_not_a_crash() -> None:
    ctx = ScoreContext(output="aaa", vars={"p": HUGE}, expected=None, case_id="c1", prompt="p.prompt.yaml",
                       prompt_dir=Path("."), repo_root=Path("."), grader=None)
    result = asyncio.run(score_case([ScorerSpec(type="regex", value="{{ p }}")], ctx))["regex"]
    assert result.errored and "repetition number is too large" in result.reason
