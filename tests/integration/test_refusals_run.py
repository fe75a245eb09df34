"""Issue 21 item 8 end to end: a refusal is an answer (scored, billed once); a content filter or an
upstream error inside a 200 is errored with its reason, after one request per case."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval_action.cli import main
from fakes.llm import FakeLLM, shape

PROMPT = """\
messages: [{role: user, content: "{{ q }}"}]
evals:
  cases: [{id: a, vars: {q: one}}, {id: b, vars: {q: two}}]
  scorers: [{type: contains, value: Paris}]
"""


@pytest.fixture
def repo(tmp_path: Path, fake_llm: FakeLLM, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "eval-action.yaml").write_text("providers:\n  default: {type: openai, model: m}\n")
    (tmp_path / "q.prompt.yaml").write_text(PROMPT)
    monkeypatch.chdir(tmp_path)
    for name in ("CI", "GITHUB_ACTIONS", "GITLAB_CI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPENAI_BASE_URL", fake_llm.url + "/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    return tmp_path


def test_item8_a_refusal_is_a_scored_answer_billed_once(repo: Path, fake_llm: FakeLLM) -> None:
    fake_llm.answer_with(lambda body: shape("openai/refusal"))
    assert main(["run", "--all", "--baseline", "none", "--no-cache"]) == 1  # a quality failure, not exit 3
    [prompt] = json.loads((repo / "eval-results/results.json").read_text())["prompts"]
    assert [c["error"] for c in prompt["cases"]] == [None, None]
    assert prompt["cases"][0]["output"] == "I'm sorry, I can't help with that."
    assert prompt["cases"][0]["metadata"]["refusal"] == "I'm sorry, I can't help with that."
    assert len(fake_llm.requests) == 2


@pytest.mark.parametrize(("name", "reason"), [
    ("openai/content_filter", "content filter withheld the answer"),
    ("openai/empty_choices", "the answer had no choices"),
    ("openai/openrouter_error_in_200", "upstream error inside a 200 answer: 502: Provider returned error"),
    ("openai/openrouter_finish_reason_error", "upstream error (finish_reason error)"),
])
def test_item8_filters_and_errors_in_a_200_are_errored_once_with_their_reason(
        repo: Path, fake_llm: FakeLLM, name: str, reason: str) -> None:
    fake_llm.answer_with(lambda body: shape(name))
    assert main(["run", "--all", "--baseline", "none", "--no-cache"]) == 3
    [prompt] = json.loads((repo / "eval-results/results.json").read_text())["prompts"]
    errors = [c["error"] for c in prompt["cases"]]
    assert all(reason in e and "malformed" not in e for e in errors), errors
    assert len(fake_llm.requests) == 2  # one per case: nothing retried, nothing billed twice
