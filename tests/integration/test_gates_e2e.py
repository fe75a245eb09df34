"""Latency and cost gates through the real CLI, and the stored-baseline recipe end to end (real git)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from eval_action.cli import main
from fakes.llm import FakeLLM
from support import CAPITALS, capitals_prompt, git, local_run, write_capitals_repo

CONFIG = """providers:
  default: {type: openai, model: fake-model}
pricing:
  fake-model: {input_per_mtok: 1000, output_per_mtok: 1000}
gates:
  pr:
    latency_p95: {max_value: 20ms, min_samples: 3}
    cost_per_case: {max_increase: 15%}
  main:
    cost_per_case: {max_value: 1}
"""
LONG_SYSTEM = "Answer with the city only. " + "Think about every word of the question carefully. " * 4


@pytest.fixture
def repo(tmp_path: Path, fake_llm: FakeLLM, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    write_capitals_repo(root, config=CONFIG)
    (root / ".gitignore").write_text(".eval-cache/\neval-results/\nstored/\n")
    fake_llm.respond_with(lambda body: CAPITALS.get(str(body["messages"][-1]["content"]).rsplit(" ", 1)[-1]
                                                    .rstrip("?"), "Unknown"))
    local_run(root, monkeypatch, fake_llm.url, "sk-test-gates-41c9e0")
    return root


def commit(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", message)


def results(repo: Path, folder: str = "eval-results") -> dict[str, Any]:
    data: dict[str, Any] = json.loads((repo / folder / "results.json").read_text())
    return data


def test_a_slower_and_costlier_prompt_fails_the_pr_profile(repo: Path, fake_llm: FakeLLM) -> None:
    git(repo, "checkout", "-qb", "feature")
    (repo / "prompts/capitals.prompt.yaml").write_text(capitals_prompt(LONG_SYSTEM))
    commit(repo, "longer system prompt")
    fake_llm.latency = 0.05
    assert main(["run", "--base", "main", "--no-cache"]) == 1
    prompt = results(repo)["prompts"][0]
    assert prompt["pass_rate"] == 100.0  # every answer is right: the gates catch what accuracy can't
    assert prompt["thresholds"]["profile"] == "pr"
    latency, cost = prompt["gate_failures"]
    assert latency.startswith("latency p95 ") and latency.endswith(" ms is above the maximum 20 ms")
    assert cost.startswith("cost per case rose ") and cost.endswith("more than the allowed 15%")
    body = (repo / "eval-results/report.md").read_text()
    assert latency in body and cost in body
    junit = (repo / "eval-results/junit.xml").read_text()
    assert latency in junit and cost in junit
    # the same change under the `main` profile passes: its only gate is a cost ceiling
    assert main(["run", "--base", "main", "--no-cache", "--gate", "main"]) == 0


def test_the_stored_baseline_recipe(repo: Path, fake_llm: FakeLLM) -> None:
    """The default branch stores its results.json; a pull request compares with it instead of re-running."""
    assert main(["run", "--all", "--output-dir", "stored", "--gate", "main"]) == 0  # the default-branch job
    stored = results(repo, "stored")
    assert stored["head"] == git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "-qb", "feature")
    (repo / "prompts/capitals.prompt.yaml").write_text(capitals_prompt("Be creative with the answer."))
    commit(repo, "edit")
    calls = len(fake_llm.requests)
    assert main(["run", "--base", "main", "--baseline", "stored/results.json", "--gate", "main"]) == 0
    assert len(fake_llm.requests) - calls == 8  # the head only: the baseline came from the file
    data = results(repo)
    assert data["prompts"][0]["baseline"] == "compared" and data["notes"] == []

    # the stored file is of an older commit than the merge base: the report says so
    git(repo, "checkout", "-q", "main")
    (repo / "README.md").write_text("unrelated\n")
    commit(repo, "main moved on")
    git(repo, "checkout", "-q", "feature")
    git(repo, "rebase", "-q", "main")
    assert main(["run", "--base", "main", "--baseline", "stored/results.json", "--gate", "main"]) == 0
    note = results(repo)["notes"]
    assert len(note) == 1 and note[0].startswith(f"the baseline results.json is of commit {stored['head'][:12]}, "
                                                 "not of the merge base ")
    assert note[0] in (repo / "eval-results/report.md").read_text()
