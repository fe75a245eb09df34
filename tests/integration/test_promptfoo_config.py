"""A promptfoo user's `assert:` entries, through the real CLI: mistakes are found by validate, at their line."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval_action.cli import main

PROMPT = """\
name: capitals
messages:
  - {role: user, content: "Capital of {{ country }}?"}
evals:
  cases: [{country: France, expected: Paris}]
  scorers:
    - type: llm-rubric
      value: names a city
      treshold: 0.8
    - type: contains
      valeu: Paris
    - type: not-contains
      value: ["As an AI", "I'm sorry"]
"""


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "eval-action.yaml").write_text("providers:\n  default: {type: openai, model: fake-model}\n")
    (tmp_path / "capitals.prompt.yaml").write_text(PROMPT)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_unknown_scorer_keys_and_wrong_values_are_errors_with_their_line(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate"]) == 2
    errors = [line for line in capsys.readouterr().out.splitlines() if line.startswith("eval-action: error: ")]
    assert errors == [
        "eval-action: error: capitals.prompt.yaml:7: scorer `llm-rubric`: unknown key `treshold` for llm-rubric"
        " — did you mean `threshold`?",
        "eval-action: error: capitals.prompt.yaml:10: scorer `contains`: unknown key `valeu` for contains"
        " — did you mean `value`?",
        "eval-action: error: capitals.prompt.yaml:12: scorer `not-contains`: contains takes one string, not a list"
        " — use contains-any (not-contains-any: none of them) or contains-all",
    ]


def test_validate_warns_where_a_regex_means_something_else_than_in_promptfoo(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "capitals.prompt.yaml").write_text(PROMPT.split("    - type: llm-rubric")[0]
                                               + "    - {type: regex, value: 'Paris$'}\n")
    assert main(["validate"]) == 0
    captured = capsys.readouterr()
    assert ("eval-action: warning: capitals.prompt.yaml:7: scorer `regex`: pattern /Paris$/: `$` also matches "
            "before a final newline here (JavaScript: only at the end); use `\\Z` for the very end") in captured.err
