"""Prompty files (microsoft/prompty's own) run end to end: the real CLI, a real repository, loopback fakes."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from eval_action.cli import main
from fakes.llm import FakeLLM

FIXTURES = Path(__file__).parents[1] / "fixtures/prompty"
EVALS = "evals:\n  scorers:\n    - {type: contains, value: echo}\n"
AZURE_KEY = "azure-key-PLANTED-7f3a"
OPENAI_KEY = "sk-openai-PLANTED-19c2"


@pytest.fixture
def default_llm() -> Iterator[FakeLLM]:
    """The config's default provider: an Azure file must never reach it."""
    with FakeLLM() as llm:
        yield llm


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_llm: FakeLLM, default_llm: FakeLLM) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    monkeypatch.chdir(root)
    for name in ("CI", "GITHUB_ACTIONS", "GITLAB_CI", "GITHUB_BASE_REF", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", fake_llm.url)
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", AZURE_KEY)
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI_KEY)
    (root / "eval-action.yaml").write_text(
        "secrets: [AZURE_OPENAI_API_KEY, AZURE_OPENAI_ENDPOINT]\n"
        f"providers:\n  default: {{type: openai, model: gpt-4o-mini, base_url: '{default_llm.url}/v1'}}\n")
    return root


def add(root: Path, *names: str) -> None:
    """Fixture files into the repository, the first (a .prompty) with an eval block added."""
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(FIXTURES / name, root / name)
    head, _, body = (root / names[0]).read_text().partition("\n---\n")
    (root / names[0]).write_text(f"{head}\n{EVALS}---\n{body}")


def results(root: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((root / "eval-results/results.json").read_text())
    return data


def test_azure_openai_file_calls_its_deployment_with_the_azure_key_never_the_default_host(
        repo: Path, fake_llm: FakeLLM, default_llm: FakeLLM) -> None:
    add(repo, "v1-2024/shakespeare.prompty")
    assert main(["run", "--all", "--baseline", "none", "--no-cache"]) == 0
    [request] = fake_llm.requests
    assert request.path == "/openai/deployments/gpt-4/chat/completions?api-version=2024-12-01-preview"
    assert request.headers["api-key"] == AZURE_KEY and "authorization" not in request.headers
    assert request.body["max_tokens"] == 3000
    assert default_llm.requests == []
    [prompt] = results(repo)["prompts"]
    assert prompt["pass_rate"] == 100.0 and AZURE_KEY not in (repo / "eval-results/results.json").read_text()


def test_v2_tools_outputs_options_and_a_file_sample_reach_the_request(
        repo: Path, fake_llm: FakeLLM, default_llm: FakeLLM, capsys: pytest.CaptureFixture[str]) -> None:
    add(repo, "v2/spec/tools_function.prompty")
    add(repo, "v2/spec/structured.prompty")
    add(repo, "v1-2024/context.prompty", "v1-2024/context.json")
    shutil.copy(FIXTURES / "v2/spec/embedding.prompty", repo / "embedding.prompty")  # as it is: no eval block
    capsys.readouterr()
    assert main(["validate"]) == 0
    assert "3 prompt file(s) OK, 1 not an eval" in capsys.readouterr().out
    assert main(["run", "--all", "--baseline", "none", "--no-cache"]) == 0
    assert len(default_llm.requests) == 2 and len(fake_llm.requests) == 1  # context.prompty is an Azure file
    tools = next(r.body for r in default_llm.requests if "tools" in r.body)
    assert tools["model"] == "gpt-4" and [t["function"]["name"] for t in tools["tools"]] == ["get_weather"]
    assert "unit" not in tools["tools"][0]["function"]["parameters"]["properties"]  # bound by the caller
    structured = next(r.body for r in default_llm.requests if "response_format" in r.body)
    assert structured["response_format"]["json_schema"]["name"] == "structured_output"
    assert "72°F" in structured["messages"][-1]["content"]
    [context] = fake_llm.requests
    assert "Sally" in context.body["messages"][0]["content"]  # from context.json
    assert all(p["pass_rate"] == 100.0 for p in results(repo)["prompts"])
