"""`shard: auto` in a GitLab `parallel:` job, then `eval-action report` merging what the jobs wrote."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from eval_action.cli import main
from eval_action.model.errors import UserError
from eval_action.platforms.gitlab import GitLabPlatform, node_shard
from eval_action.platforms.inputs import parse_inputs
from fakes.llm import FakeLLM

COUNTRIES = ["france", "peru", "kenya", "chile", "japan", "italy", "spain"]


@pytest.mark.parametrize(("env", "shard"), [
    ({"CI_NODE_INDEX": "3", "CI_NODE_TOTAL": "4"}, "3/4"),
    ({"CI_NODE_TOTAL": "1"}, None),  # no `parallel:`: one job runs every case
    ({}, None),
])
def test_auto_shard_follows_the_parallel_job_index(env: dict[str, str], shard: str | None) -> None:
    assert node_shard(env) == shard
    platform = GitLabPlatform({"GITLAB_CI": "true", "EVAL_ACTION_SHARD": "auto", **env})
    assert platform.inputs().shard == shard


def test_auto_shard_with_an_impossible_index_is_a_user_error() -> None:
    with pytest.raises(UserError, match="CI_NODE_INDEX between 1 and 4"):
        node_shard({"CI_NODE_INDEX": "5", "CI_NODE_TOTAL": "4"})


def test_auto_is_accepted_and_other_words_are_not() -> None:
    assert parse_inputs({"shard": " AUTO "}, "test").shard == "auto"
    with pytest.raises(UserError, match="`auto` in a GitLab `parallel:` job"):
        parse_inputs({"shard": "some"}, "test")


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo, check=True,
                   capture_output=True)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_llm: FakeLLM) -> Path:
    (tmp_path / "prompts").mkdir()
    (tmp_path / "eval-action.yaml").write_text("providers:\n  default: {type: openai, model: fake}\n")
    (tmp_path / "prompts/cases.jsonl").write_text("".join(
        json.dumps({"id": c, "vars": {"q": c}, "expected": c}) + "\n" for c in COUNTRIES))
    (tmp_path / "prompts/echo.prompt.yaml").write_text(
        "name: echo\nprovider: default\nmessages:\n  - {role: user, content: '{{ q }}'}\n"
        "evals:\n  dataset: cases.jsonl\n  scorers:\n    - {type: icontains, value: '{{ expected }}'}\n")
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "base")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OPENAI_BASE_URL", fake_llm.url + "/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    for name, value in {"GITLAB_CI": "true", "CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": "main",
                        "EVAL_ACTION_BASELINE": "none", "EVAL_ACTION_SHARD": "auto",
                        "CI_NODE_TOTAL": "3"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    return tmp_path


def test_parallel_jobs_cover_every_case_once_and_the_report_merges_them(
        repo: Path, fake_llm: FakeLLM, monkeypatch: pytest.MonkeyPatch) -> None:
    for index in (1, 2, 3):  # what `parallel: 3` runs, one job after another
        monkeypatch.setenv("CI_NODE_INDEX", str(index))
        monkeypatch.setenv("EVAL_ACTION_OUTPUT_DIR", f"eval-shards/{index}")
        assert main(["ci"]) == 0
    asked = sorted(r.body["messages"][-1]["content"] for r in fake_llm.requests)
    assert asked == sorted(COUNTRIES), "each case asked once, by one job"
    for name in ("CI_NODE_INDEX", "CI_NODE_TOTAL", "EVAL_ACTION_SHARD", "EVAL_ACTION_OUTPUT_DIR"):
        monkeypatch.delenv(name)
    assert main(["report", "eval-shards/"]) == 0
    merged = json.loads((repo / "eval-results/results.json").read_text())
    assert merged["totals"]["cases"] == len(COUNTRIES) and merged["totals"]["passed"] == len(COUNTRIES)
    assert "7/7" in (repo / "eval-results/report.md").read_text()
