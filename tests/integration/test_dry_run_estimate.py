"""The dry run's call estimate counts every grader call a scorer makes."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval_action.cli import main
from fakes.llm import FakeLLM
from support import capitals_prompt, local_run, write_capitals_repo


@pytest.mark.parametrize(("scorer", "per_answer"), [("equals", 1), ("llm-rubric", 2), ("g-eval", 3)])
def test_g_eval_counts_as_two_grader_calls(tmp_path: Path, fake_llm: FakeLLM, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str], scorer: str,
                                          per_answer: int) -> None:
    write_capitals_repo(tmp_path, config="providers:\n  default: {type: openai, model: fake-model}\n"
                                         "defaults: {grader: default}\n")
    (tmp_path / "prompts/capitals.prompt.yaml").write_text(capitals_prompt("Answer.", scorer))
    local_run(tmp_path, monkeypatch, fake_llm.url, "sk-test")
    assert main(["run", "--all", "--dry-run"]) == 0
    assert f"prompts/capitals.prompt.yaml: 8 case(s), {8 * per_answer} call(s)" in capsys.readouterr().out
    assert fake_llm.requests == []
