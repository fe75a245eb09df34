"""A scorer's `provider:` must be of a type that serves it (a classifier is HuggingFace's, moderation
and embeddings are OpenAI-compatible, a grader answers prompts): a wrong pairing is one config line
naming file, line and the types that serve, from `validate` and `--dry-run` alike — not every case
errored after the run."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval_action.cli import main
from fakes.llm import FakeLLM
from support import local_run

CONFIG = ("providers:\n  default: {type: openai, model: fake-model}\n"
          "  hf: {type: huggingface, model: org/sentiment}\n"
          "  claude: {type: anthropic, model: claude-x}\n"
          "defaults: {grader: %s}\n")
PROMPT = """\
messages: [{role: user, content: hi}]
evals:
  cases: [{vars: {q: x}}]
  scorers:
    - {type: contains, value: x}
    - %s
"""
MISMATCHES = {
    "classifier-on-openai": ("default", "{type: classifier, provider: default, value: POSITIVE}", "huggingface"),
    "moderation-on-huggingface": ("default", "{type: moderation, provider: hf}", "github, openai"),
    "similar-on-huggingface": ("default", "{type: similar, value: x, provider: hf}", "github, openai"),
    "similar-on-anthropic": ("default", "{type: similar, value: x, provider: claude}", "github, openai"),
    "rubric-on-huggingface": ("default", "{type: llm-rubric, value: ok, provider: hf}", "anthropic"),
    "moderation-falls-back-to-anthropic-grader": ("claude", "{type: moderation}", "github, openai"),
    "answer-relevance-embeds-with-anthropic-grader": ("claude", "{type: answer-relevance}", "github, openai"),
}


@pytest.mark.parametrize("command", [["validate"], ["run", "--all", "--dry-run"]], ids=["validate", "dry-run"])
@pytest.mark.parametrize("case", sorted(MISMATCHES))
def test_scorer_with_the_wrong_kind_of_provider_is_a_config_error(
        tmp_path: Path, fake_llm: FakeLLM, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        case: str, command: list[str]) -> None:
    grader, scorer, types = MISMATCHES[case]
    (tmp_path / "eval-action.yaml").write_text(CONFIG % grader)
    (tmp_path / "p.prompt.yaml").write_text(PROMPT % scorer)
    local_run(tmp_path, monkeypatch, fake_llm.url, "sk-test")
    monkeypatch.setenv("HF_TOKEN", "hf-test")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    assert main(command) == 2
    out = capsys.readouterr()
    errors = [line for line in (out.out + out.err).splitlines() if "error:" in line]
    assert len(errors) == 1 and errors[0].startswith("eval-action: error: p.prompt.yaml:6: scorer "), errors
    assert types in errors[0] and "Traceback" not in out.err, errors
    assert fake_llm.requests == []


@pytest.mark.parametrize("scorer", ["{type: classifier, provider: hf, value: POSITIVE}", "{type: moderation}",
                                    "{type: similar, value: x}", "{type: llm-rubric, value: ok, provider: claude}"])
def test_scorer_with_a_provider_that_serves_it_validates(
        tmp_path: Path, fake_llm: FakeLLM, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        scorer: str) -> None:
    (tmp_path / "eval-action.yaml").write_text(CONFIG % "default")
    (tmp_path / "p.prompt.yaml").write_text(PROMPT % scorer)
    local_run(tmp_path, monkeypatch, fake_llm.url, "sk-test")
    assert main(["validate"]) == 0, capsys.readouterr()
