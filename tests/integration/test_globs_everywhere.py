"""One glob rule set across `prompts:`, `triggers:`, `--prompts` and removal reporting (a real repo)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval_action.cli import main
from fakes.llm import FakeLLM
from support import git, local_run

PROMPT = """name: {name}
messages:
  - {{role: user, content: "Say hi"}}
evals:
  cases: [{{id: one, vars: {{}}}}]
  scorers: [{{type: contains, value: hi}}]
"""
CONFIG = """prompts: ["prompts/{qa,chat}/*.prompt.yaml", "!prompts/chat/draft-*"]
providers:
  default: {type: openai, model: fake-model}
triggers:
  - {when: "src/{agent,tools}/**", run: "prompts/{qa}/*.prompt.yaml"}
"""


@pytest.fixture
def repo(tmp_path: Path, fake_llm: FakeLLM, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    for rel in ("prompts/qa/keep", "prompts/qa/gone", "prompts/chat/talk", "prompts/chat/draft-x"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / f"{rel}.prompt.yaml").write_text(PROMPT.format(name=Path(rel).name))
    (root / "src/tools").mkdir(parents=True)
    (root / "src/tools/search.py").write_text("x = 1\n")
    (root / "eval-action.yaml").write_text(CONFIG)
    fake_llm.respond_with(lambda body: "hi")
    local_run(root, monkeypatch, fake_llm.url, "sk-test-globs-000000")
    git(root, "checkout", "-qb", "feature")
    return root


def _prompts(root: Path) -> dict[str, str]:
    data = json.loads((root / "eval-results/results.json").read_text())
    return {p["path"]: p["status"] for p in data["prompts"]}


def test_a_deleted_prompt_under_a_brace_glob_is_reported_as_removed(repo: Path) -> None:
    (repo / "prompts/qa/gone.prompt.yaml").unlink()
    git(repo, "commit", "-qam", "drop one")
    assert main(["run", "--base", "main"]) == 0
    assert _prompts(repo) == {"prompts/qa/gone.prompt.yaml": "removed"}


def test_a_brace_trigger_selects_the_brace_prompts(repo: Path) -> None:
    (repo / "src/tools/search.py").write_text("x = 2\n")
    git(repo, "commit", "-qam", "tool change")
    assert main(["run", "--base", "main"]) == 0
    assert set(_prompts(repo)) == {"prompts/qa/keep.prompt.yaml", "prompts/qa/gone.prompt.yaml"}


def test_an_excluded_prompt_is_never_selected(repo: Path) -> None:
    assert main(["run", "--all"]) == 0
    assert "prompts/chat/draft-x.prompt.yaml" not in _prompts(repo)
    assert "prompts/chat/talk.prompt.yaml" in _prompts(repo)


def test_prompts_option_star_stays_in_its_folder(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--prompts", "prompts/*.prompt.yaml"]) == 2
    assert "no prompt file matches prompts/*.prompt.yaml" in capsys.readouterr().err
    assert main(["run", "--prompts", "prompts/qa/*.prompt.yaml"]) == 0
    assert set(_prompts(repo)) == {"prompts/qa/keep.prompt.yaml", "prompts/qa/gone.prompt.yaml"}
