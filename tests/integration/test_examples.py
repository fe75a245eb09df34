"""The shipped examples run green: the offline quickstart, and one prompt using every scorer."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from eval_action.cli import main
from fakes.llm import FakeLLM

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def grader(body: dict[str, Any]) -> str:
    """A fake grader: agrees with every rubric, and finds every answer factually the same."""
    system = str(body["messages"][0]["content"])
    if "Choose one category" in system:
        return '{"category": "C", "reason": "same details"}'
    return 'Verdict: {"reason": "names the capital", "score": 0.95, "pass": true}'


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CI", "GITHUB_ACTIONS", "GITLAB_CI", "GITHUB_BASE_REF", "CI_MERGE_REQUEST_DIFF_BASE_SHA"):
        monkeypatch.delenv(name, raising=False)


def copy_example(name: str, tmp_path: Path) -> Path:
    root = tmp_path / name
    shutil.copytree(EXAMPLES / name, root, ignore=shutil.ignore_patterns("eval-results", ".eval-cache"))
    return root


def test_quickstart_passes_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, offline: None) -> None:
    monkeypatch.chdir(copy_example("quickstart", tmp_path))
    assert main(["run", "--all", "--baseline", "none"]) == 0
    data = json.loads(Path("eval-results/results.json").read_text())
    assert data["totals"]["cases"] == 8 and data["totals"]["passed"] == 8


def test_the_demo_says_what_to_open_and_what_to_try_next(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         offline: None, capsys: pytest.CaptureFixture[str]) -> None:
    """The README's first line: `eval-action run --all` in the quickstart."""
    monkeypatch.chdir(copy_example("quickstart", tmp_path))
    assert main(["run", "--all"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[-2] == ("eval-action: open eval-results/report.html in a browser to see every case, its output "
                       "and its scores")
    assert err[-1].startswith("eval-action: next: change a prompt on a branch and run `eval-action run --base main`")
    assert Path("eval-results/report.html").is_file()


def test_every_scorer_from_one_prompt_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, offline: None,
                                           fake_llm: FakeLLM) -> None:
    fake_llm.respond_with(grader)
    monkeypatch.setenv("OPENAI_BASE_URL", fake_llm.url + "/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-grader")
    monkeypatch.chdir(copy_example("all-scorers", tmp_path))
    assert main(["run", "--all", "--baseline", "none"]) == 0
    [prompt] = json.loads(Path("eval-results/results.json").read_text())["prompts"]
    scores = prompt["cases"][0]["scores"]
    assert len(scores) == 23
    assert {k: v["passed"] for k, v in scores.items() if not v["passed"]} == {}
    assert prompt["status"] == "pass"
    assert {p for p in fake_llm.paths()} == {"/v1/chat/completions", "/v1/embeddings"}


def test_support_agent_passes_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, offline: None) -> None:
    monkeypatch.chdir(copy_example("agents/support", tmp_path))
    assert main(["run", "--all", "--baseline", "none"]) == 0
    data = json.loads(Path("eval-results/results.json").read_text())
    assert data["totals"]["cases"] == 5 and data["totals"]["passed"] == 5
    refund = next(c for c in data["prompts"][0]["cases"] if c["id"] == "broken-B2")
    assert [c["name"] for c in refund["tool_calls"]] == ["lookup_order", "issue_refund"]
    assert [s["type"] for s in refund["trace"]][:2] == ["tool_call", "tool_result"]


def test_support_agent_pr_that_calls_the_wrong_tool_regresses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               offline: None) -> None:
    from support import git

    root = copy_example("agents/support", tmp_path)
    monkeypatch.chdir(root)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    git(root, "checkout", "-qb", "eager")
    prompt = root / "prompts/support.prompt.yaml"
    prompt.write_text(prompt.read_text().replace("Look the order up before anything else;",
                                                 "Refund first when a customer names an order;"))
    git(root, "commit", "-qam", "eager refunds")
    assert main(["run", "--base", "main"]) == 1
    data = json.loads(Path("eval-results/results.json").read_text())
    regressed = {c["id"] for c in data["prompts"][0]["cases"] if c["change"] == "regressed"}
    assert regressed == {"where-is-A1", "broken-B2", "late-C3"}
    comment = Path("eval-results/report.md").read_text()
    assert '- `issue_refund({"order_id":"A1","reason":"customer contact"})`' in comment
    assert 'Baseline tool calls:\n- `lookup_order({"order_id":"A1"})`' in comment


def test_gptme_tasks_pass_in_their_workspaces(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, offline: None) -> None:
    monkeypatch.chdir(copy_example("agents/gptme", tmp_path))
    assert main(["run", "--all", "--baseline", "none"]) == 0
    data = json.loads(Path("eval-results/results.json").read_text())
    assert sorted(c["id"] for p in data["prompts"] for c in p["cases"]) == ["fix-bug", "hello", "prime100"]
    assert data["totals"]["passed"] == 3
    assert not Path("hello.py").exists()  # written in the attempt's workspace, not the repository
    assert "(len(values) + 1)" in Path("fixtures/fix-bug/mean.py").read_text()  # the fixture is untouched


def test_gptme_fix_bug_fails_when_the_agent_leaves_the_bug(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           offline: None) -> None:
    root = copy_example("agents/gptme", tmp_path)
    agent = root / "agent.py"
    agent.write_text(agent.read_text().replace('"/ len(values)"', '"/ (len(values) + 1)"'))
    monkeypatch.chdir(root)
    assert main(["run", "--all", "--baseline", "none"]) == 1
    data = json.loads(Path("eval-results/results.json").read_text())
    [fix] = [c for p in data["prompts"] for c in p["cases"] if c["id"] == "fix-bug"]
    assert not fix["passed"] and "1.5" in fix["scores"]["command"]["reason"]
