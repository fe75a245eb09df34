"""A tool-calling prompt end to end: the real CLI, a git repository, the fake LLM answering in
OpenAI's tool_calls shape. A prompt change that makes the model call the wrong tool is a regression,
and results.json keeps the calls per case."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from eval_action.cli import main
from fakes.llm import FakeLLM, last_user_text
from support import git, local_run

PROMPT = """\
messages:
  - {role: system, content: "%s"}
  - {role: user, content: "{{ request }}"}
tools:
  - name: lookup_order
    description: Find an order
    parameters: {type: object, properties: {order_id: {type: string}}, required: [order_id]}
  - {name: issue_refund, parameters: {type: object, properties: {order_id: {type: string}}, required: [order_id]}}
evals:
  cases:
    - {id: where-is-A1, vars: {request: "Where is order A1?", order: A1}}
    - {id: where-is-B2, vars: {request: "Where is order B2?", order: B2}}
  scorers:
    - {type: is-valid-openai-tools-call}
    - {type: trajectory:tool-used, value: lookup_order}
    - {type: not-trajectory:tool-used, value: [issue_refund]}
    - {type: trajectory:tool-args-match, value: {name: lookup_order, args: {order_id: "{{ order }}"}}}
"""


def answer(body: dict[str, Any]) -> dict[str, Any]:
    """The careful prompt looks orders up; the "eager" one refunds them."""
    tool = "issue_refund" if "eager" in body["messages"][0]["content"] else "lookup_order"
    order = last_user_text(body).split()[-1].rstrip("?")
    assert [t["function"]["name"] for t in body["tools"]] == ["lookup_order", "issue_refund"]
    return {"id": "c", "object": "chat.completion", "model": "m", "choices": [{
        "index": 0, "finish_reason": "tool_calls", "message": {
            "role": "assistant", "content": None, "refusal": None, "tool_calls": [{
                "id": "call_1", "type": "function",
                "function": {"name": tool, "arguments": json.dumps({"order_id": order})}}]}}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}}


@pytest.fixture
def repo(tmp_path: Path, fake_llm: FakeLLM, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "eval-action.yaml").write_text("providers:\n  default: {type: openai, model: fake-model}\n")
    (root / "support.prompt.yaml").write_text(PROMPT % "Look the order up before answering.")
    fake_llm.answer_with(answer)
    local_run(root, monkeypatch, fake_llm.url, "sk-test")
    git(root, "checkout", "-qb", "feature")
    return root


def test_a_prompt_change_that_calls_the_wrong_tool_is_a_regression(repo: Path) -> None:
    (repo / "support.prompt.yaml").write_text(PROMPT % "Be eager: fix it right away.")
    git(repo, "commit", "-qam", "eager prompt")
    code = main(["run", "--base", "main"])
    data = json.loads((repo / "eval-results/results.json").read_text())
    [prompt] = data["prompts"]
    assert code == 1 and prompt["status"] == "fail"
    case = prompt["cases"][0]
    assert case["tool_calls"] == [{"id": "call_1", "name": "issue_refund", "arguments": {"order_id": "A1"},
                                   "invalid_arguments": False}]
    assert case["baseline"]["tool_calls"][0]["name"] == "lookup_order"
    assert case["change"] == "regressed"
    assert case["scores"]["not-trajectory:tool-used"]["reason"].startswith("Forbidden tool(s) were used: issue_refund")
    assert case["scores"]["is-valid-openai-tools-call"]["passed"]  # a valid call — of the wrong tool


def test_the_careful_prompt_passes_every_tool_scorer(repo: Path) -> None:
    assert main(["run", "--all", "--baseline", "none"]) == 0
    data = json.loads((repo / "eval-results/results.json").read_text())
    assert all(c["passed"] for c in data["prompts"][0]["cases"])
