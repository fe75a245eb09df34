"""GitHub/GitLab API faults through `eval-action ci`: the report files and the step summary are
always written, the comment is posted when the API recovers, and the exit code follows the gate."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from github import GithubRetry
from harness_ci import (
    GITHUB_TOKEN,
    GITLAB_TOKEN,
    PR,
    Outcome,
    Repo,
    cases_prompt,
    config,
    github_env,
    make_repo,
    results,
    run_cli,
)

from eval_action.platforms import github
from fakes.forge import FakeForge
from fakes.llm import FakeLLM

CASES = 3


@pytest.fixture
def forge() -> Iterator[FakeForge]:
    with FakeForge(token=GITHUB_TOKEN) as f:
        yield f


@pytest.fixture
def repo(tmp_path: Path, fake_llm: FakeLLM) -> Repo:
    # "contains echo" passes; the fake answers "echo: <question>"
    return make_repo(tmp_path, {"eval-action.yaml": config(fake_llm.url), "p.prompt.yaml": cases_prompt(CASES),
                                "bad.prompt.yaml": cases_prompt(1, "{type: contains, value: nope}", "bad")})


@pytest.fixture(autouse=True)
def fast_github_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    # The product's own policy waits up to ~14 s on a dead API; the shape (what is retried) stays.
    monkeypatch.setattr(github, "default_retry",
                        lambda: GithubRetry(total=3, backoff_factor=0.01, secondary_rate_wait=1,
                                            max_rate_limit_wait=2))


def ci(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path, repo: Repo,
       forge: FakeForge, mode: str = "informational") -> Outcome:
    env = {**github_env(tmp_path, repo, forge.url), "INPUT_MODE": mode}
    return run_cli(monkeypatch, capsys, env, repo.root, ["ci", "--baseline", "none"])


def assert_reported(tmp_path: Path, repo: Repo, out: Outcome) -> None:
    for name in ("results.json", "report.md", "junit.xml"):
        assert (repo.root / "eval-results" / name).is_file(), name
    assert "Eval — 3/4 cases passed" in (tmp_path / "summary.md").read_text()
    assert "status=fail" in (tmp_path / "out.txt").read_text()
    assert "Traceback" not in out.stderr
    assert results(repo.root)["totals"]["cases"] == CASES + 1


def test_transient_5xx_then_the_comment_is_posted(monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                 repo: Repo, forge: FakeForge) -> None:
    forge.fail_next(2, status=502)
    out = ci(monkeypatch, capsys, tmp_path, repo, forge)
    assert out.code == 0
    [comment] = forge.comments[PR]
    assert comment["body"] == (repo.root / "eval-results/report.md").read_text()
    assert_reported(tmp_path, repo, out)


@pytest.mark.parametrize(("mode", "code"), [("informational", 0), ("blocking", 1)])
def test_a_dead_api_never_blocks_the_report_and_exit_follows_the_gate(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path, repo: Repo,
        forge: FakeForge, mode: str, code: int) -> None:
    forge.fail_next(50, status=503)
    out = ci(monkeypatch, capsys, tmp_path, repo, forge, mode)
    assert out.code == code
    assert PR not in forge.comments or forge.comments[PR] == []
    assert "no comment: GitHub API kept failing after retries; the report is in the job summary" in out.stderr
    assert_reported(tmp_path, repo, out)
    assert "::error file=bad.prompt.yaml" in out.stdout if mode == "blocking" else "::warning" in out.stdout


def test_403_with_retry_after_is_waited_out(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                            tmp_path: Path, repo: Repo, forge: FakeForge) -> None:
    forge.fail_next(1, status=403, body={"message": "You have exceeded a secondary rate limit"},
                    headers={"Retry-After": "1"})
    out = ci(monkeypatch, capsys, tmp_path, repo, forge)
    assert out.code == 0
    assert len(forge.comments[PR]) == 1
    assert_reported(tmp_path, repo, out)


def test_404_on_the_pr_is_explained_not_fatal(monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str], tmp_path: Path, repo: Repo,
                                              forge: FakeForge) -> None:
    forge.fail_next(1, status=404, body={"message": "Not Found"})
    out = ci(monkeypatch, capsys, tmp_path, repo, forge, "blocking")
    assert out.code == 1  # the gate decides, not the forge
    assert "no comment: the token can't write to this PR" in out.stderr
    assert_reported(tmp_path, repo, out)


def test_a_body_refused_as_too_long_is_not_fatal(monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str], tmp_path: Path, repo: Repo,
                                                 forge: FakeForge) -> None:
    forge.fail_next(1, status=200, body=[{"id": 1, "body": "a reviewer's comment",  # the listing
                                          "user": {"login": "reviewer", "type": "User"}}])
    forge.fail_next(1, status=422, body={"message": "Validation Failed",
                                         "errors": [{"message": "Body is too long"}]})
    out = ci(monkeypatch, capsys, tmp_path, repo, forge)
    assert out.code == 0
    assert "GitHub refused the comment body (422)" in out.stderr
    assert_reported(tmp_path, repo, out)


def test_a_garbled_api_answer_is_not_fatal(monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str], tmp_path: Path, repo: Repo,
                                           forge: FakeForge) -> None:
    forge.fail_next(1, status=200, body={"message": "a proxy's idea of a comment list"})
    out = ci(monkeypatch, capsys, tmp_path, repo, forge, "blocking")
    assert out.code == 1
    assert "no comment: GitHub answered with something unexpected" in out.stderr
    assert_reported(tmp_path, repo, out)


def test_a_huge_report_is_trimmed_to_fit_the_comment(monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                     fake_llm: FakeLLM, forge: FakeForge) -> None:
    fake_llm.respond_with(lambda body: "x" * 3000 + " <details> " * 50)
    files = {"eval-action.yaml": config(fake_llm.url, "{concurrency: 16}")}
    files |= {f"p{i}.prompt.yaml": cases_prompt(40, "{type: contains, value: nope}", f"p{i}") for i in range(8)}
    repo = make_repo(tmp_path, files)
    out = ci(monkeypatch, capsys, tmp_path, repo, forge)
    assert out.code == 0
    [comment] = forge.comments[PR]  # the fake answers 422 above 65,536 characters, as GitHub does
    assert 50_000 < len(comment["body"]) <= 65_536
    assert "Shortened to fit" in comment["body"]
    assert results(repo.root)["totals"]["cases"] == 320


# ---------------------------------------------------------------- GitLab
def gitlab_env(repo: Repo, forge_url: str) -> dict[str, str]:
    return {"CI": "true", "GITLAB_CI": "true", "CI_PIPELINE_SOURCE": "merge_request_event",
            "CI_MERGE_REQUEST_IID": "3", "CI_MERGE_REQUEST_DIFF_BASE_SHA": repo.base, "CI_COMMIT_SHA": repo.head,
            "CI_PROJECT_ID": "42", "CI_PROJECT_DIR": str(repo.root), "CI_SERVER_URL": forge_url,
            "CI_API_V4_URL": forge_url + "/api/v4", "CI_JOB_NAME": "eval", "CI_PIPELINE_ID": "9",
            "GITLAB_TOKEN": GITLAB_TOKEN, "EVAL_ACTION_MODE": "blocking"}


def test_gitlab_transient_5xx_then_the_note_is_posted(monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str], repo: Repo) -> None:
    with FakeForge(token=GITLAB_TOKEN) as forge:
        forge.fail_next(2, status=502)
        out = run_cli(monkeypatch, capsys, gitlab_env(repo, forge.url), repo.root, ["ci", "--baseline", "none"])
        notes = forge.comments.get(("gl", "42", 3), [])
    assert out.code == 1  # blocking, and bad.prompt.yaml fails its gate
    assert len(notes) == 1 and notes[0]["body"] == (repo.root / "eval-results/report.md").read_text()
    assert (repo.root / "eval-results/junit.xml").is_file()


def test_gitlab_403_is_explained_and_the_files_stay(monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str], repo: Repo) -> None:
    with FakeForge(token=GITLAB_TOKEN) as forge:
        forge.read_only = True
        out = run_cli(monkeypatch, capsys, gitlab_env(repo, forge.url), repo.root, ["ci", "--baseline", "none"])
    assert out.code == 1
    assert "no MR note:" in out.stderr and "Traceback" not in out.stderr
    assert results(repo.root)["totals"]["cases"] == CASES + 1
