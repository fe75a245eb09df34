"""A PR that changes only a file a scorer names (a schema, a `file://` text) re-runs the prompt."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval_action.cli import main
from fakes.llm import FakeLLM
from support import git, local_run

PROMPT = """\
name: answer
messages: [{role: user, content: "Answer as JSON"}]
evals:
  cases: [{id: one, vars: {}}]
  scorers:
    - {type: is-json, value: file://schemas/answer.json}
    - {type: contains-json, value: schemas/answer.yaml}
    - {type: icontains, value: file://expected/word.txt}
"""


@pytest.fixture
def repo(tmp_path: Path, fake_llm: FakeLLM, monkeypatch: pytest.MonkeyPatch) -> Path:
    files = {"eval-action.yaml": "providers:\n  default: {type: openai, model: fake-model}\n",
             "prompts/answer.prompt.yaml": PROMPT, "prompts/schemas/answer.json": '{"type": "object"}',
             "prompts/schemas/answer.yaml": "type: object\n", "prompts/expected/word.txt": "city\n",
             "prompts/other.prompt.yaml": PROMPT.split("  scorers:")[0] + "  scorers: [{type: contains, value: x}]\n"}
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    local_run(tmp_path, monkeypatch, fake_llm.url, "sk-test")
    git(tmp_path, "checkout", "-qb", "feature")
    return tmp_path


@pytest.mark.parametrize(("rel", "kind"), [("prompts/schemas/answer.json", "schema"),
                                           ("prompts/schemas/answer.yaml", "schema"),
                                           ("prompts/expected/word.txt", "file")])
def test_changing_only_a_named_file_selects_its_prompt(repo: Path, capsys: pytest.CaptureFixture[str],
                                                      rel: str, kind: str) -> None:
    (repo / rel).write_text((repo / rel).read_text() + "\n")
    git(repo, "commit", "-qam", "only the file")
    assert main(["run", "--base", "main", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"prompts/answer.prompt.yaml: 1 case(s), 1 call(s) — {kind} {rel} changed" in out
    assert "other.prompt.yaml" not in out and "1 prompt(s)" in out
