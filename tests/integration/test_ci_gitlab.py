"""The GitLab component end to end: templates/eval.yml's job, inputs interpolated as GitLab does, its
script run in a shell with a merge-request job's environment, against fake GitLab v4 (python-gitlab)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from ci_runner import GL_TOKEN, SECRET, gitlab_job, make_repo, run_gitlab

from fakes.forge import FakeForge
from fakes.llm import FakeLLM

MR = ("gl", "42", 3)


@pytest.fixture
def forge() -> Iterator[FakeForge]:
    with FakeForge(token=GL_TOKEN) as server:
        yield server


def test_pass_posts_one_note_and_writes_the_artifacts(tmp_path: Path, llm: FakeLLM, forge: FakeForge) -> None:
    repo = make_repo(tmp_path)
    r = run_gitlab(repo, llm.url, forge.url, {"mode": "blocking"})
    assert r.code == 0, r.stderr
    [note] = forge.comments[MR]
    assert note["body"].startswith("<!-- eval-action:eval sha=")
    assert "4/4 cases passed" in note["body"]
    job = gitlab_job({})
    assert (repo.path / job["artifacts"]["reports"]["junit"]).is_file()
    assert (repo.path / "eval-results/results.json").is_file()
    assert SECRET not in r.everything() + note["body"]


@pytest.mark.parametrize(("mode", "code"), [("blocking", 1), ("informational", 0)])
def test_failing_gate_follows_the_mode(tmp_path: Path, llm: FakeLLM, forge: FakeForge, mode: str, code: int) -> None:
    repo = make_repo(tmp_path, head_system="Be creative.")
    r = run_gitlab(repo, llm.url, forge.url, {"mode": mode})
    assert r.code == code, r.stderr
    [note] = forge.comments[MR]
    assert "2/4 cases passed" in note["body"]


def test_informational_mode_tolerates_only_the_documented_exit_code() -> None:
    job = gitlab_job({"mode": "informational"})
    assert job["allow_failure"] == {"exit_codes": [3]}
    assert any("merge_request_event" in str(rule.get("if", "")) for rule in job["rules"])


def test_rerun_updates_the_one_note(tmp_path: Path, llm: FakeLLM, forge: FakeForge) -> None:
    repo = make_repo(tmp_path)
    assert run_gitlab(repo, llm.url, forge.url, {}, pipeline_id=500).code == 0
    assert run_gitlab(repo, llm.url, forge.url, {}, pipeline_id=501).code == 0
    [note] = forge.comments[MR]
    assert "run=501" in note["body"].splitlines()[0]
    assert sum(1 for m, _, _ in forge.writes() if m == "POST") == 1


def test_missing_token_still_writes_results_and_says_why(tmp_path: Path, llm: FakeLLM, forge: FakeForge) -> None:
    repo = make_repo(tmp_path, head_system="Be creative.")
    r = run_gitlab(repo, llm.url, forge.url, {"mode": "blocking"}, token=None)
    assert r.code == 1
    assert forge.comments.get(MR, []) == []
    assert "CI_JOB_TOKEN" in r.stderr and "api" in r.stderr
    assert (repo.path / "eval-results/junit.xml").is_file()


def test_default_branch_pipeline_runs_everything_without_a_note(tmp_path: Path, llm: FakeLLM,
                                                                forge: FakeForge) -> None:
    repo = make_repo(tmp_path)
    r = run_gitlab(repo, llm.url, forge.url, {}, merge_request=False)
    assert r.code == 0, r.stderr
    assert not forge.writes()
    assert (repo.path / "eval-results/results.json").is_file()


def test_the_run_log_is_a_collapsible_section(tmp_path: Path, llm: FakeLLM, forge: FakeForge) -> None:
    r = run_gitlab(make_repo(tmp_path), llm.url, forge.url, {})
    assert "section_start:" in r.stdout and "[collapsed=true]" in r.stdout and "section_end:" in r.stdout
