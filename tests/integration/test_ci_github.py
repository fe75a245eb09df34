"""The GitHub Action end to end: the Dockerfile's entrypoint with the runner's environment, a real temp
repository, the fake LLM and the fake GitHub REST API driven through PyGithub."""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from ci_runner import SECRET, TOKEN, Repo, make_repo, run_action

from fakes.forge import FakeForge
from fakes.llm import FakeLLM
from support import capitals_prompt, git
from support import parse_outputs as outputs_of

PR = ("gh", "acme/app", 7)


@pytest.fixture
def forge() -> Iterator[FakeForge]:
    with FakeForge(token=TOKEN) as server:
        yield server


def test_pass_posts_one_comment_outputs_and_summary(tmp_path: Path, llm: FakeLLM, forge: FakeForge) -> None:
    repo = make_repo(tmp_path)
    r = run_action(repo, llm.url, forge.url, {"mode": "blocking"})
    assert r.code == 0, r.stderr
    [comment] = forge.comments[PR]
    assert comment["body"].startswith("<!-- eval-action:evals/eval sha=" + repo.head)
    assert "## ✅ Eval — 4/4 cases passed (100.0%)" in comment["body"]
    out = outputs_of(r.outputs)
    assert out["status"] == "pass" and out["passed"] == "4" and out["failed"] == "0"
    assert out["comment-url"].endswith(f"#issuecomment-{comment['id']}")
    assert Path(repo.path / out["results-path"]).is_file() and Path(repo.path / out["junit-path"]).is_file()
    assert "4/4 cases passed" in r.summary and "<!-- eval-action" not in r.summary
    assert SECRET not in r.everything() + comment["body"]
    assert len(llm.requests) == 8  # head and the base revision's prompt


@pytest.mark.parametrize(("mode", "code"), [("blocking", 1), ("informational", 0)])
def test_failing_gate_follows_the_mode_and_still_comments(tmp_path: Path, llm: FakeLLM, forge: FakeForge,
                                                          mode: str, code: int) -> None:
    repo = make_repo(tmp_path, head_system="Be creative.")
    r = run_action(repo, llm.url, forge.url, {"mode": mode})
    assert r.code == code, r.stderr
    [comment] = forge.comments[PR]
    mark = "❌" if mode == "blocking" else "⚠️"
    assert f"## {mark} Eval — 2/4 cases passed (50.0%)" in comment["body"]
    assert "2 case(s) regressed" in comment["body"]
    level = "error" if mode == "blocking" else "warning"
    assert f"::{level} file=prompts/capitals.prompt.yaml" in r.stdout
    assert outputs_of(r.outputs)["regressions"] == "2"


def test_rerun_edits_the_one_comment(tmp_path: Path, llm: FakeLLM, forge: FakeForge) -> None:
    repo = make_repo(tmp_path)
    assert run_action(repo, llm.url, forge.url, {}, run_id=100).code == 0
    assert run_action(repo, llm.url, forge.url, {}, run_id=101).code == 0
    [comment] = forge.comments[PR]
    assert "run=101" in comment["body"].splitlines()[0]
    assert sum(1 for m, path, _ in forge.log if m == "POST" and path.endswith("/comments")) == 1


def test_a_stale_run_leaves_a_newer_comment_alone(tmp_path: Path, llm: FakeLLM, forge: FakeForge) -> None:
    repo = make_repo(tmp_path)
    assert run_action(repo, llm.url, forge.url, {}, run_id=200).code == 0
    assert run_action(repo, llm.url, forge.url, {}, run_id=150).code == 0
    [comment] = forge.comments[PR]
    assert "run=200" in comment["body"].splitlines()[0]
    assert not [w for w in forge.writes() if w[0] == "PATCH"]


def test_fork_pr_with_read_only_token_runs_and_explains(tmp_path: Path, llm: FakeLLM, forge: FakeForge) -> None:
    forge.read_only = True
    repo = make_repo(tmp_path, head_system="Be creative.")
    r = run_action(repo, llm.url, forge.url, {"mode": "blocking"}, fork=True)
    assert r.code == 1  # the gate decides, not the 403
    assert forge.comments.get(PR, []) == []
    assert "no comment" in r.stderr and "job summary" in r.stderr
    assert "2/4 cases passed" in r.summary
    assert "Traceback" not in r.stderr


def test_push_event_compares_before_after_and_only_writes_the_summary(tmp_path: Path, llm: FakeLLM,
                                                                       forge: FakeForge) -> None:
    repo = make_repo(tmp_path)
    r = run_action(repo, llm.url, forge.url, {}, event="push")
    assert r.code == 0, r.stderr
    assert forge.comments.get(PR, []) == [] and not forge.writes()
    assert "prompts/capitals.prompt.yaml" in r.summary
    assert outputs_of(r.outputs)["status"] == "pass"


def test_invalid_input_is_exit_2_in_every_mode(tmp_path: Path, llm: FakeLLM, forge: FakeForge) -> None:
    repo = make_repo(tmp_path)
    r = run_action(repo, llm.url, forge.url, {"mode": "sometimes"})
    assert r.code == 2
    assert "input `mode` is 'sometimes'" in r.stderr and "Traceback" not in r.stderr
    assert not forge.writes()


def test_results_json_is_valid_and_feeds_back_as_a_baseline(tmp_path: Path, llm: FakeLLM,
                                                            forge: FakeForge) -> None:
    repo = make_repo(tmp_path)
    r = run_action(repo, llm.url, forge.url, {"baseline": "none"})
    data = json.loads((repo.path / outputs_of(r.outputs)["results-path"]).read_text())
    assert data["version"] == 1 and data["mode"] == "informational"
    assert data["prompts"][0]["baseline"] == "none"




def test_no_prompt_affected_creates_nothing_but_updates_an_earlier_comment(tmp_path: Path, llm: FakeLLM,
                                                                           forge: FakeForge) -> None:
    repo = make_repo(tmp_path)
    quiet = run_action(repo, llm.url, forge.url, {"base-ref": repo.head}, run_id=300)
    assert quiet.code == 0 and forge.comments.get(PR, []) == []
    assert "No prompt affected" in quiet.summary
    assert run_action(repo, llm.url, forge.url, {}, run_id=301).code == 0
    assert run_action(repo, llm.url, forge.url, {"base-ref": repo.head}, run_id=302).code == 0
    [comment] = forge.comments[PR]
    assert "No prompt affected" in comment["body"] and "run=302" in comment["body"]
    assert outputs_of(quiet.outputs)["status"] == "skipped"


def test_without_git_history_the_pr_files_api_decides(tmp_path: Path, llm: FakeLLM, forge: FakeForge) -> None:
    repo = dataclasses.replace(make_repo(tmp_path), base="1" * 40)  # a base commit nobody has
    forge.files[PR] = [{"filename": "prompts/capitals.prompt.yaml", "status": "modified"}]
    r = run_action(repo, llm.url, forge.url, {})
    assert r.code == 0, r.stderr
    assert "using the platform's list of 1 changed file(s)" in r.stderr
    [comment] = forge.comments[PR]
    assert "`prompts/capitals.prompt.yaml`" in comment["body"]
    assert "baseline unavailable" in comment["body"]


def test_working_directory_paths_are_relative_to_the_workspace(tmp_path: Path, llm: FakeLLM,
                                                               forge: FakeForge) -> None:
    flat = make_repo(tmp_path / "flat", head_system="Be creative.")
    root = tmp_path / "mono"
    shutil.copytree(flat.path, root / "app", ignore=shutil.ignore_patterns(".git"))
    git(root, "init", "-q", "-b", "main")
    (root / "app/prompts/capitals.prompt.yaml").write_text(capitals_prompt("Answer with the city only."))
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    base = git(root, "rev-parse", "HEAD")
    (root / "app/prompts/capitals.prompt.yaml").write_text(capitals_prompt("Be creative."))
    git(root, "commit", "-qam", "head")
    repo = Repo(root, base, git(root, "rev-parse", "HEAD"))
    r = run_action(repo, llm.url, forge.url, {"working-directory": "app", "mode": "blocking"})
    assert r.code == 1, r.stderr
    out = outputs_of(r.outputs)
    assert out["results-path"] == "app/eval-results/results.json"
    assert (root / out["results-path"]).is_file()
    assert "::error file=app/prompts/capitals.prompt.yaml," in r.stdout
    assert "2 case(s) regressed" in forge.comments[PR][0]["body"]  # the diff of the subfolder was found


def test_the_run_log_is_folded_into_a_group(tmp_path: Path, llm: FakeLLM, forge: FakeForge) -> None:
    r = run_action(make_repo(tmp_path), llm.url, forge.url, {})
    lines = r.stdout.splitlines()
    assert lines.index("::group::eval-action: running the evals") < lines.index("::endgroup::")


def test_hints_in_a_github_run_name_the_actions_inputs(tmp_path: Path, llm: FakeLLM, forge: FakeForge) -> None:
    """A run with nothing to compare with (a manual dispatch) says which input sets the base."""
    repo = make_repo(tmp_path)
    r = run_action(repo, llm.url, forge.url, {}, event="workflow_dispatch")
    assert r.code == 0, r.stderr
    summary = r.summary.replace("\\`", "`")
    assert "no baseline: there is no base revision to compare with (set the `base-ref` input)" in summary
    assert "--base" not in r.everything()
    assert "eval-action: eval-action" not in r.stderr
