"""promptfoo's provider-served types in a whole `eval-action run`: RAG scorers, moderation and
perplexity against the loopback fake, with the grader calls tallied and estimated."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from eval_action.cli import main
from fakes.llm import FakeLLM, last_user_text
from support import CAPITALS, git, local_run, write_capitals_repo

PROMPT = """name: capitals
provider: default
params: {logprobs: true}
messages:
  - {role: system, content: "Answer with the city only."}
  - {role: user, content: "What is the capital of {{ country }}?"}
evals:
  dataset: data/capitals.jsonl
  scorers:
    - {type: answer-relevance, threshold: 0.5}
    - {type: context-faithfulness}
    - {type: moderation, value: [violence]}
    - {type: perplexity, threshold: 2}
"""
ROWS = "".join(json.dumps({"id": country, "vars": {"country": country, "query": f"Capital of {country}?",
                                                   "context": f"The capital of {country} is {city}."}})
               + "\n" for country, city in CAPITALS.items())


def responder(body: dict[str, Any]) -> str:
    """The target names the city; the graders answer as promptfoo's RAG prompts ask."""
    system, user = str(body["messages"][0]["content"]), last_user_text(body)
    if "Generate question for the given answer" in system:
        return "What is the capital?"
    if "create one or more statements" in system:
        return "The answer names a capital."
    if "Natural language inference" in system:
        return "Final verdict for each statement in order: Yes."
    country = user.rsplit(" ", 1)[-1].rstrip("?")
    return CAPITALS.get(country, "Unknown")


@pytest.fixture
def repo(tmp_path: Path, fake_llm: FakeLLM, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    write_capitals_repo(root)
    (root / "prompts/capitals.prompt.yaml").write_text(PROMPT)
    (root / "prompts/data/capitals.jsonl").write_text(ROWS)
    fake_llm.respond_with(responder)
    fake_llm.embed_with(lambda text: [1.0, 0.0])
    fake_llm.logprobs_with(lambda text: [-0.1])
    local_run(root, monkeypatch, fake_llm.url, "sk-test-provider-served")
    return root


def test_rag_moderation_and_perplexity_score_a_run_with_their_grader_calls_tallied(
        repo: Path, fake_llm: FakeLLM) -> None:
    assert main(["run", "--all", "--baseline", "none"]) == 0
    data = json.loads((repo / "eval-results/results.json").read_text())
    case = data["prompts"][0]["cases"][0]
    assert {name: s["passed"] for name, s in case["scores"].items()} == {
        "answer-relevance": True, "context-faithfulness": True, "moderation": True, "perplexity": True}
    assert case["grader_calls"] == 7  # 3 questions + 1 embeddings, 2 faithfulness, 1 moderation
    paths = fake_llm.paths()
    assert paths.count("/v1/moderations") == len(CAPITALS)
    target_calls = [r for r in fake_llm.requests if r.body.get("logprobs") is True]
    assert len(target_calls) == len(CAPITALS)  # the prompt's params ask for logprobs; graders do not


def test_dry_run_estimates_each_scorers_grader_calls(repo: Path, fake_llm: FakeLLM,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--all", "--dry-run"]) == 0
    # per answer: the target call, 4 for answer-relevance, 2 for context-faithfulness, 1 for moderation
    assert f"prompts/capitals.prompt.yaml: 8 case(s), {8 * 8} call(s)" in capsys.readouterr().out
    assert fake_llm.requests == []


def test_perplexity_without_logprobs_is_a_configuration_error(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "prompts/capitals.prompt.yaml").write_text(PROMPT.replace("params: {logprobs: true}\n", ""))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "no logprobs")
    assert main(["run", "--all", "--baseline", "none"]) == 2
    err = capsys.readouterr().err
    assert "scorer `perplexity` needs the answer's token logprobs — add `logprobs: true`" in err
    assert "Traceback" not in err


def test_a_classifier_provider_as_the_prompts_target_is_a_configuration_error(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "eval-action.yaml").write_text("providers:\n  default: {type: openai, model: fake-model}\n"
                                           "  sentiment: {type: huggingface, model: org/sst2}\n")
    (repo / "prompts/capitals.prompt.yaml").write_text(PROMPT.replace("provider: default", "provider: sentiment"))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "classifier as target")
    assert main(["validate"]) == 2
    captured = capsys.readouterr()
    err = captured.out + captured.err
    assert "provider huggingface:org/sst2 classifies text and cannot answer a prompt" in err
    assert "Traceback" not in err


def test_classifier_scores_a_run_through_a_huggingface_provider(repo: Path, fake_llm: FakeLLM) -> None:
    (repo / "eval-action.yaml").write_text(
        "providers:\n  default: {type: openai, model: fake-model}\n"
        f"  sentiment: {{type: huggingface, model: org/sst2, base_url: '{fake_llm.url}'}}\n")
    (repo / "prompts/capitals.prompt.yaml").write_text(PROMPT.replace(
        "    - {type: perplexity, threshold: 2}\n",
        "    - {type: perplexity, threshold: 2}\n    - {type: classifier, provider: sentiment, value: POSITIVE, "
        "threshold: 0.8}\n"))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "classifier")
    assert main(["run", "--all", "--baseline", "none"]) == 0
    case = json.loads((repo / "eval-results/results.json").read_text())["prompts"][0]["cases"][0]
    assert case["scores"]["classifier"]["score"] == pytest.approx(0.9)
    assert case["grader_calls"] == 8
    assert fake_llm.paths().count("/models/org/sst2") == len(CAPITALS)
