"""A dataset row's `threshold` (promptfoo's per-test `threshold`), through the real CLI and the fake LLM."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval_action.cli import main
from fakes.llm import FakeLLM
from support import local_run

PROMPT = """\
name: hello
messages: [{role: user, content: "Say hello to {{ who }}"}]
evals:
  dataset: data/rows.yaml
  scorers:
    - {type: equals, value: Hello world, weight: 2}
    - {type: contains, value: world}
"""
ROWS = """\
- {id: lenient, vars: {who: world}, threshold: 0.2}
- {id: strict, vars: {who: world}}
- {id: stricter, vars: {who: world}, threshold: 0.5}
"""


@pytest.fixture
def repo(tmp_path: Path, fake_llm: FakeLLM, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "data").mkdir()
    (tmp_path / "eval-action.yaml").write_text("providers:\n  default: {type: openai, model: fake-model}\n")
    (tmp_path / "hello.prompt.yaml").write_text(PROMPT)
    (tmp_path / "data/rows.yaml").write_text(ROWS)
    fake_llm.respond_with(lambda body: "Goodbye world")
    local_run(tmp_path, monkeypatch, fake_llm.url, "sk-test")
    return tmp_path


def verdicts(repo: Path) -> dict[str, bool]:
    data = json.loads((repo / "eval-results/results.json").read_text())
    return {c["id"]: c["passed"] for c in data["prompts"][0]["cases"]}


def test_a_rows_threshold_decides_that_case_by_its_weighted_mean(repo: Path) -> None:
    main(["run", "--all", "--no-cache"])
    # promptfoo's documented example: "Goodbye world" scores 1/3, passing at 0.2 and failing at 0.5
    assert verdicts(repo) == {"lenient": True, "strict": False, "stricter": False}


def test_a_rows_threshold_wins_over_the_prompts(repo: Path) -> None:
    (repo / "hello.prompt.yaml").write_text(PROMPT + "  threshold: 0.1\n")
    main(["run", "--all", "--no-cache"])
    assert verdicts(repo) == {"lenient": True, "strict": True, "stricter": False}


@pytest.mark.parametrize("bad", ["1.5", "high", "-0.1"])
def test_a_bad_row_threshold_is_one_line_naming_the_row(repo: Path, bad: str,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "data/rows.yaml").write_text(ROWS.replace("threshold: 0.5", f"threshold: {bad}"))
    assert main(["validate"]) == 2
    errors = [line for line in capsys.readouterr().out.splitlines() if "error:" in line]
    assert len(errors) == 1 and errors[0].startswith("eval-action: error: data/rows.yaml:3: row `threshold`"), errors


def test_a_csv_threshold_column_may_leave_rows_blank(repo: Path) -> None:
    (repo / "data/rows.csv").write_text("id,who,threshold\nlenient,world,0.2\nstrict,world,\n")
    (repo / "hello.prompt.yaml").write_text(PROMPT.replace("rows.yaml", "rows.csv"))
    main(["run", "--all", "--no-cache"])
    assert verdicts(repo) == {"lenient": True, "strict": False}
