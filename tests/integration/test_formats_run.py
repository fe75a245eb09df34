"""Other tools' prompt files, run end to end: the real CLI, a real repository, the loopback fake LLM."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from eval_action.cli import main
from fakes.llm import FakeLLM, last_user_text
from support import git

FORMATS = Path(__file__).parents[1] / "fixtures/formats"
TOKEN = "ghs_fake-job-token-for-models-4d1f"


def judge_or_echo(body: dict[str, Any]) -> str:
    """GitHub's judges get a reasoned rating ending on 5; everything else is echoed."""
    system = str(body["messages"][0]["content"]) if body["messages"][0]["role"] == "system" else ""
    if "evaluation metric" in system or "# Instruction" in system:
        return "Let's think step by step: on a scale of 1 to 5 it is fine.\nExplanation: ok.\n5"
    return "echo: " + last_user_text(body)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    monkeypatch.chdir(root)
    for name in ("CI", "GITHUB_ACTIONS", "GITLAB_CI", "GITHUB_BASE_REF", "OPENAI_BASE_URL", "GH_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    return root


def results(repo: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((repo / "eval-results/results.json").read_text())
    return data


def test_github_models_examples_run_against_the_github_provider(repo: Path, fake_llm: FakeLLM,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(FORMATS / "github-models", repo / "prompts")
    (repo / "eval-action.yaml").write_text(
        f"providers:\n  github: {{type: github, model: openai/gpt-4o-mini, base_url: '{fake_llm.url}/inference'}}\n")
    fake_llm.respond_with(judge_or_echo)
    assert main(["validate"]) == 0
    assert "6 prompt file(s) OK, 3 not an eval" in capsys.readouterr().out
    assert main(["run", "--all", "--baseline", "none", "--mode", "informational"]) == 0
    prompts = {p["path"]: p for p in results(repo)["prompts"]}
    assert sorted(prompts) == [f"prompts/{n}.prompt.yml" for n in (
        "failing_test", "json_response", "json_schema", "sample", "test_builtins", "test_single_evaluator")]
    assert prompts["prompts/sample.prompt.yml"]["pass_rate"] == 100.0
    assert prompts["prompts/failing_test.prompt.yml"]["pass_rate"] == 0.0
    builtins = prompts["prompts/test_builtins.prompt.yml"]["cases"][0]["scores"]
    assert {k: v["score"] for k, v in builtins.items()} == dict.fromkeys(
        ["similarity test", "coherence test", "fluency test", "relevance test", "groundedness test"], 1.0)
    paths = {r.path for r in fake_llm.requests}
    assert paths == {"/inference/chat/completions"}
    assert all(r.headers["authorization"] == f"Bearer {TOKEN}" for r in fake_llm.requests)
    models = {r.body["model"] for r in fake_llm.requests}
    assert models == {"openai/gpt-4o", "openai/gpt-4o-mini"}  # the files' models; the judges grade with gpt-4o
    schema_calls = [r.body for r in fake_llm.requests if "animal" in json.dumps(r.body["messages"])]
    assert schema_calls[0]["response_format"]["json_schema"]["name"] == "animal_description"
    judged = [r.body["messages"][1]["content"] for r in fake_llm.requests
              if r.body["messages"][0]["content"].startswith("You are an AI")]  # similarity's system prompt
    assert any("correct answer: Photosynthesis is the process" in text for text in judged)
    assert any("correct answer: greeting response\npredicted answer: echo: Please respond" in t for t in judged)


def test_editor_prompt_files_are_listed_as_not_an_eval_never_failing_a_run(
        repo: Path, fake_llm: FakeLLM, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / ".github/prompts").mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    (repo / "README.md").write_text("hi\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    git(repo, "checkout", "-qb", "feature")
    shutil.copy(FORMATS / "editor-prompts/write-tests.prompt.md", repo / ".github/prompts/write-tests.prompt.md")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "add an editor prompt")
    assert main(["validate"]) == 0
    out = capsys.readouterr().out
    assert ".github/prompts/write-tests.prompt.md: not an eval (no cases) — skipped" in out
    assert "0 prompt file(s) OK, 1 not an eval" in out
    assert main(["run", "--base", "main", "--mode", "blocking"]) == 0
    assert "not an eval (no cases): .github/prompts/write-tests.prompt.md" in capsys.readouterr().out
    assert fake_llm.requests == []
