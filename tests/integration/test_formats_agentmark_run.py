"""AgentMark `.prompt.mdx` files run end to end: the real CLI, a real repository, the loopback fake LLM
answering as OpenAI and as Anthropic."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from eval_action.cli import main
from fakes.llm import FakeLLM, last_user_text

FIXTURES = Path(__file__).parents[1] / "fixtures/agentmark"


def answer(body: dict[str, Any]) -> str:
    """Right for the greeting and the review labels; the tone prompt gets a plain summary."""
    text = last_user_text(body)
    if text.startswith("My name is "):
        return f"Hello, {text.removeprefix('My name is ').rstrip('.')}!"
    if "output_config" in body:  # the review labeller, on Anthropic
        return json.dumps({"label": "good" if "well" in text else "bad"})
    return "A short summary."


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_llm: FakeLLM) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES, root / "prompts")
    (root / "eval-action.yaml").write_text(
        "providers:\n"
        f"  default: {{type: openai, model: gpt-4o-mini, base_url: '{fake_llm.url}/v1'}}\n"
        f"  claude: {{type: anthropic, model: claude-haiku-4-5, base_url: '{fake_llm.url}'}}\n")
    monkeypatch.chdir(root)
    for name in ("CI", "GITHUB_ACTIONS", "GITLAB_CI", "GITHUB_BASE_REF", "OPENAI_BASE_URL", "ANTHROPIC_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-fake-openai")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-fake-anthropic")
    fake_llm.respond_with(answer)
    return root


def test_agentmark_files_validate_and_run_against_openai_and_anthropic(
        repo: Path, fake_llm: FakeLLM, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate"]) == 0
    out = capsys.readouterr().out
    assert "4 prompt file(s) OK, 2 not an eval" in out
    assert "prompts/picture.prompt.mdx: not an eval (image_config: eval-action scores text) — skipped" in out
    assert main(["run", "--all", "--baseline", "none", "--no-cache", "--mode", "informational"]) == 0
    results = json.loads((repo / "eval-results/results.json").read_text())
    rates = {p["path"]: p["pass_rate"] for p in results["prompts"]}
    assert rates == {"prompts/greeting.prompt.mdx": 100.0, "prompts/classify.prompt.mdx": 100.0,
                     "prompts/tone.prompt.mdx": 100.0, "prompts/assistant.prompt.mdx": 0.0}
    by_model = {r.body["model"]: r for r in fake_llm.requests}
    claude = by_model["claude-haiku-4-5"]  # `anthropic/claude-haiku-4-5` went to the Anthropic endpoint
    assert claude.path == "/v1/messages" and claude.body["top_k"] == 5
    assert claude.body["output_config"]["format"]["type"] == "json_schema"
    greetings = [r.body for r in fake_llm.requests if "Hello, NAME" in json.dumps(r.body)]
    assert {r["model"] for r in greetings} == {"gpt-4o-mini"} and all(r["stop"] == ["\n\n"] for r in greetings)
    assert not any({"max_calls", "max_retries", "stop_sequences"} & r.body.keys() for r in fake_llm.requests)
    tools = [r.body for r in fake_llm.requests if r.body.get("tools")]
    assert tools[0]["tools"][0]["function"]["name"] == "get_weather" and tools[0]["tool_choice"] == "required"
