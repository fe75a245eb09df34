"""No silent wrong verdicts: each way a run could pass, skip or blame the wrong thing, end to end
through the real CLI, a real git repository and the loopback fakes (SPEC §8, §9)."""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from github import GithubRetry
from harness_ci import (
    GITHUB_TOKEN,
    GITLAB_TOKEN,
    OPENAI_KEY,
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
from eval_action.platforms.gitlab import GitLabPlatform
from fakes.forge import FakeForge
from fakes.llm import FakeLLM, last_user_text
from support import git

ECHO = "{type: contains, value: echo}"


@pytest.fixture
def forge() -> Iterator[FakeForge]:
    with FakeForge(token=GITHUB_TOKEN) as f:
        yield f


@pytest.fixture(autouse=True)
def fast_github_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(github, "default_retry",
                        lambda: GithubRetry(total=2, backoff_factor=0.01, secondary_rate_wait=1,
                                            max_rate_limit_wait=2))


def local(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], repo: Path, argv: list[str],
          env: dict[str, str] | None = None) -> Outcome:
    return run_cli(monkeypatch, capsys, {"OPENAI_API_KEY": OPENAI_KEY} if env is None else env, repo, argv)


def prompt(cases: str, scorers: str | None = ECHO, extra: str = "") -> str:
    block = f"  scorers:\n    - {scorers}\n" if scorers else ""
    return (f"name: p\nprovider: default\n{extra}messages:\n  - {{role: user, content: '{{{{ q }}}}'}}\n"
            f"evals:\n  cases:\n{cases}{block}")


ONE_CASE = "    - {id: c0, vars: {q: hi}}\n"


# ---------------------------------------------------------------- 1
def test_item1_a_prompt_with_no_scorers_is_a_configuration_error(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
        fake_llm: FakeLLM) -> None:
    repo = make_repo(tmp_path, {"eval-action.yaml": config(fake_llm.url), "p.prompt.yaml": prompt(ONE_CASE, None)})
    out = local(monkeypatch, capsys, repo.root, ["run", "--all", "--baseline", "none"])
    assert out.code == 2, out.stdout + out.stderr
    assert "p.prompt.yaml" in out.stderr and "no scorers" in out.stderr
    assert fake_llm.requests == []
    assert local(monkeypatch, capsys, repo.root, ["validate"]).code == 2


# ---------------------------------------------------------------- 2
def test_item2_an_unknown_scorer_type_stops_before_any_call_in_every_mode(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
        fake_llm: FakeLLM, forge: FakeForge) -> None:
    repo = make_repo(tmp_path, {"eval-action.yaml": config(fake_llm.url),
                                "p.prompt.yaml": prompt(ONE_CASE, "{type: icontain, value: echo}")})
    env = {**github_env(tmp_path, repo, forge.url), "INPUT_MODE": "informational"}
    out = run_cli(monkeypatch, capsys, env, repo.root, ["ci", "--baseline", "none"])
    assert out.code == 2, out.stdout + out.stderr
    assert "icontain" in out.stderr and "icontains" in out.stderr  # the did-you-mean
    assert "could not be reached" not in out.stdout + out.stderr
    assert fake_llm.requests == []


# ---------------------------------------------------------------- 4
def test_item4_a_missing_expected_is_an_error_not_the_text_none(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
        fake_llm: FakeLLM) -> None:
    text = prompt(ONE_CASE, "{type: not-contains, value: '{{ expected }}'}")
    repo = make_repo(tmp_path, {"eval-action.yaml": config(fake_llm.url), "p.prompt.yaml": text})
    out = local(monkeypatch, capsys, repo.root, ["run", "--all", "--baseline", "none"])
    assert out.code == 2, out.stdout + out.stderr
    assert "expected" in out.stderr and "c0" in out.stderr
    assert fake_llm.requests == []


def test_item4_validate_renders_every_case_scorer_values_included(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
        fake_llm: FakeLLM) -> None:
    cases = "    - {id: c0, vars: {q: hi, want: x}}\n    - {id: c1, vars: {q: hi}}\n"
    repo = make_repo(tmp_path, {"eval-action.yaml": config(fake_llm.url),
                                "p.prompt.yaml": prompt(cases, "{type: contains, value: '{{ want }}'}")})
    out = local(monkeypatch, capsys, repo.root, ["validate"])
    assert out.code == 2, out.stdout + out.stderr
    assert "c1" in out.stdout + out.stderr and "want" in out.stdout + out.stderr


def test_item4_validate_with_prompts_matching_nothing_is_an_error(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
        fake_llm: FakeLLM) -> None:
    repo = make_repo(tmp_path, {"eval-action.yaml": config(fake_llm.url), "p.prompt.yaml": prompt(ONE_CASE)})
    out = local(monkeypatch, capsys, repo.root, ["validate", "--prompts", "nothing/*.prompt.yaml"])
    assert out.code == 2, out.stdout + out.stderr
    assert "nothing/*.prompt.yaml" in out.stdout + out.stderr


def test_item4_dry_run_lists_every_problem(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
        fake_llm: FakeLLM) -> None:
    broken = {f"p{i}.prompt.yaml": prompt(ONE_CASE, f"{{type: nonsense{i}}}") for i in range(3)}
    repo = make_repo(tmp_path, {"eval-action.yaml": config(fake_llm.url), **broken})
    out = local(monkeypatch, capsys, repo.root, ["run", "--all", "--dry-run"])
    assert out.code == 2, out.stdout + out.stderr
    for i in range(3):
        assert f"p{i}.prompt.yaml" in out.stderr and f"nonsense{i}" in out.stderr
    assert "3 problem(s)" in out.stderr


# ---------------------------------------------------------------- 5
def creative_fails(body: dict[str, Any]) -> str:
    return "wrong" if "creative" in str(body["messages"][0]["content"]) else "echo: " + last_user_text(body)


def system_prompt(system: str) -> str:
    return (f"name: p\nprovider: default\nmessages:\n  - {{role: system, content: '{system}'}}\n"
            f"  - {{role: user, content: '{{{{ q }}}}'}}\nevals:\n  cases:\n{ONE_CASE}"
            f"    - {{id: c1, vars: {{q: there}}}}\n  scorers:\n    - {ECHO}\n")


def test_item5_without_origin_head_the_remote_default_branch_is_the_base(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
        fake_llm: FakeLLM) -> None:
    upstream = make_repo(tmp_path, {"eval-action.yaml": config(fake_llm.url), "p.prompt.yaml": system_prompt("Plain.")},
                         head_files={})
    git(upstream.root, "checkout", "-q", "main")
    work = tmp_path / "work"
    work.mkdir()
    git(work, "init", "-q", "-b", "scratch")
    git(work, "remote", "add", "origin", str(upstream.root))
    git(work, "fetch", "-q", "origin")  # a plain fetch sets no refs/remotes/origin/HEAD
    git(work, "checkout", "-q", "-b", "feature", "origin/main")
    (work / "p.prompt.yaml").write_text(system_prompt("Be creative."))
    git(work, "commit", "-qam", "regress")
    fake_llm.respond_with(creative_fails)
    out = local(monkeypatch, capsys, work, ["run"])
    assert out.code == 1, out.stdout + out.stderr
    data = results(work)
    assert data["base"] == upstream.base
    assert data["totals"]["regressions"] == 2
    assert data["prompts"][0]["baseline_pass_rate"] == 100


# ---------------------------------------------------------------- 6
def test_item6_uncommitted_edits_are_evaluated_and_labelled_working_tree(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
        fake_llm: FakeLLM) -> None:
    repo = make_repo(tmp_path, {"eval-action.yaml": config(fake_llm.url), "p.prompt.yaml": system_prompt("Plain.")},
                     head_files={})
    (repo.root / "p.prompt.yaml").write_text(system_prompt("Be creative."))  # not committed
    fake_llm.respond_with(creative_fails)
    out = local(monkeypatch, capsys, repo.root, ["run", "--base", "main"])
    assert out.code == 1, out.stdout + out.stderr
    data = results(repo.root)
    assert data["totals"]["cases"] == 2 and data["totals"]["regressions"] == 2
    assert data["head"] == "working tree"
    assert "working tree" in out.stdout + out.stderr


def test_item6_an_untracked_prompt_file_is_selected(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
        fake_llm: FakeLLM) -> None:
    repo = make_repo(tmp_path, {"eval-action.yaml": config(fake_llm.url)}, head_files={})
    (repo.root / "new.prompt.yaml").write_text(system_prompt("Plain."))  # never added to git
    out = local(monkeypatch, capsys, repo.root, ["run", "--base", "main"])
    assert out.code == 0, out.stdout + out.stderr
    data = results(repo.root)
    assert [p["path"] for p in data["prompts"]] == ["new.prompt.yaml"] and data["head"] == "working tree"


# ---------------------------------------------------------------- 7
def test_item7_pull_request_target_on_the_base_checkout_judges_the_pr_head(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
        fake_llm: FakeLLM, forge: FakeForge) -> None:
    repo = make_repo(tmp_path, {"eval-action.yaml": config(fake_llm.url), "p.prompt.yaml": system_prompt("Plain.")},
                     head_files={"p.prompt.yaml": system_prompt("Be creative.")})
    git(repo.root, "checkout", "-q", "--detach", repo.base)  # actions/checkout's default on this event
    fake_llm.respond_with(creative_fails)
    env = {**github_env(tmp_path, repo, forge.url, event="pull_request_target"), "GITHUB_SHA": repo.base,
           "INPUT_MODE": "blocking"}
    out = run_cli(monkeypatch, capsys, env, repo.root, ["ci"])
    assert "nothing to evaluate" not in out.stdout + out.stderr
    assert out.code == 1, out.stdout + out.stderr
    data = results(repo.root)
    assert data["head"] == repo.head
    assert data["totals"]["cases"] == 2 and data["totals"]["regressions"] == 2
    [comment] = forge.comments[PR]
    assert "regress" in comment["body"].lower()


def test_item7_a_pr_head_the_shallow_base_checkout_lacks_is_fetched(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
        fake_llm: FakeLLM, forge: FakeForge) -> None:
    upstream = make_repo(tmp_path, {"eval-action.yaml": config(fake_llm.url), "p.prompt.yaml": system_prompt("Plain.")},
                         head_files={"p.prompt.yaml": system_prompt("Be creative.")})
    work = tmp_path / "work"  # actions/checkout on pull_request_target: the base branch, depth 1
    git(tmp_path, "clone", "-q", "--depth", "1", "--branch", "main", f"file://{upstream.root}", str(work))
    repo = Repo(work, upstream.base, upstream.head)
    fake_llm.respond_with(creative_fails)
    env = {**github_env(tmp_path, repo, forge.url, event="pull_request_target"), "GITHUB_SHA": repo.base,
           "INPUT_MODE": "blocking"}
    out = run_cli(monkeypatch, capsys, env, work, ["ci"])
    assert out.code == 1, out.stdout + out.stderr
    data = results(work)
    assert data["head"] == repo.head and data["totals"]["regressions"] == 2


# ---------------------------------------------------------------- 9
def test_item9_a_gitlab_notes_answer_that_is_no_list_leaves_the_verdict_alone(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
        fake_llm: FakeLLM) -> None:
    repo = make_repo(tmp_path, {"eval-action.yaml": config(fake_llm.url), "p.prompt.yaml": cases_prompt(2)})
    with FakeForge(token=GITLAB_TOKEN) as gl:
        gl.fail_next(1, status=200, body={"message": "notes are elsewhere"})
        env = {"CI": "true", "GITLAB_CI": "true", "CI_PIPELINE_SOURCE": "merge_request_event",
               "CI_MERGE_REQUEST_IID": "3", "CI_MERGE_REQUEST_DIFF_BASE_SHA": repo.base,
               "CI_COMMIT_SHA": repo.head, "CI_PROJECT_ID": "42", "CI_PROJECT_DIR": str(repo.root),
               "CI_SERVER_URL": gl.url, "CI_API_V4_URL": gl.url + "/api/v4", "CI_JOB_NAME": "eval",
               "CI_PIPELINE_ID": "9", "GITLAB_TOKEN": GITLAB_TOKEN, "EVAL_ACTION_MODE": "informational"}
        out = run_cli(monkeypatch, capsys, env, repo.root, ["ci", "--baseline", "none"])
    assert out.code == 0, out.stderr
    assert "no comment" in out.stderr and "Traceback" not in out.stderr
    assert results(repo.root)["totals"]["passed"] == 2


def test_item9_a_github_link_header_to_another_host_leaves_the_verdict_alone(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
        fake_llm: FakeLLM, forge: FakeForge) -> None:
    repo = make_repo(tmp_path, {"eval-action.yaml": config(fake_llm.url), "p.prompt.yaml": cases_prompt(2),
                                "bad.prompt.yaml": cases_prompt(1, "{type: contains, value: nope}", "bad")})
    someone = {"id": 1, "body": "hello", "user": {"login": "someone", "type": "User"},
               "html_url": "https://github.test/acme/app/pull/7#issuecomment-1"}
    forge.fail_next(1, status=200, body=[someone],
                    headers={"Link": '<https://elsewhere.test/repos/acme/app/issues/7/comments?page=2>; rel="next"'})
    for mode, code in (("informational", 0), ("blocking", 1)):
        env = {**github_env(tmp_path, repo, forge.url), "INPUT_MODE": mode}
        out = run_cli(monkeypatch, capsys, env, repo.root, ["ci", "--baseline", "none"])
        assert out.code == code, out.stderr
        assert "Traceback" not in out.stderr
        assert "Eval — 2/3 cases passed" in (tmp_path / "summary.md").read_text()
        assert "status=fail" in (tmp_path / "out.txt").read_text()
    assert "no comment" in out.stderr or forge.comments.get(PR)


# ---------------------------------------------------------------- 10
def test_item10_lone_surrogates_in_answers_and_rows_never_crash(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
        fake_llm: FakeLLM) -> None:
    row = json.dumps({"id": "s", "vars": {"q": "half \ud800 a pair"}}) + "\n"
    text = ("name: p\nprovider: default\nmessages:\n  - {role: user, content: '{{ q }}'}\n"
            f"evals:\n  dataset: rows.jsonl\n  scorers:\n    - {ECHO}\n")
    repo = make_repo(tmp_path, {"eval-action.yaml": config(fake_llm.url), "p.prompt.yaml": text,
                                "rows.jsonl": row})
    fake_llm.respond_with(lambda body: "echo \udc80 " + last_user_text(body))
    out = local(monkeypatch, capsys, repo.root, ["run", "--all", "--baseline", "none"])
    assert out.code == 0, out.stdout + out.stderr
    assert "Traceback" not in out.stderr
    for name in ("results.json", "report.md", "junit.xml", "report.html"):
        (repo.root / "eval-results" / name).read_text(encoding="utf-8")
    assert results(repo.root)["totals"]["passed"] == 1


# ---------------------------------------------------------------- 11
def test_item11_configuration_errors_reach_the_summary_and_the_comment(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
        fake_llm: FakeLLM, forge: FakeForge) -> None:
    repo = make_repo(tmp_path, {"eval-action.yaml": config(fake_llm.url),
                                "p.prompt.yaml": prompt(ONE_CASE, "{type: icontain, value: echo}")})
    env = {**github_env(tmp_path, repo, forge.url), "INPUT_MODE": "informational"}
    out = run_cli(monkeypatch, capsys, env, repo.root, ["ci", "--baseline", "none"])
    assert out.code == 2, out.stderr
    summary = (tmp_path / "summary.md").read_text()
    assert "icontain" in summary and "p.prompt.yaml" in summary
    [comment] = forge.comments[PR]
    assert "icontain" in comment["body"] and "configuration" in comment["body"].lower()
    assert fake_llm.requests == []


def test_item11_on_gitlab_the_mr_note_names_the_configuration_errors(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
        fake_llm: FakeLLM) -> None:
    repo = make_repo(tmp_path, {"eval-action.yaml": config(fake_llm.url), "p.prompt.yaml": prompt(ONE_CASE, None)})
    with FakeForge(token=GITLAB_TOKEN) as gl:
        env = {"CI": "true", "GITLAB_CI": "true", "CI_PIPELINE_SOURCE": "merge_request_event",
               "CI_MERGE_REQUEST_IID": "3", "CI_MERGE_REQUEST_DIFF_BASE_SHA": repo.base,
               "CI_COMMIT_SHA": repo.head, "CI_PROJECT_ID": "42", "CI_PROJECT_DIR": str(repo.root),
               "CI_SERVER_URL": gl.url, "CI_API_V4_URL": gl.url + "/api/v4", "CI_JOB_NAME": "eval",
               "CI_PIPELINE_ID": "9", "GITLAB_TOKEN": GITLAB_TOKEN, "EVAL_ACTION_MODE": "informational"}
        out = run_cli(monkeypatch, capsys, env, repo.root, ["ci"])
        [note] = gl.comments[("gl", "42", 3)]
    assert out.code == 2, out.stderr
    assert "configuration error" in note["body"] and "no scorers" in note["body"]
    assert fake_llm.requests == []


# ---------------------------------------------------------------- 12
@pytest.mark.parametrize("event_type", ["merged_result", "merge_train"])
def test_item12_merged_results_pipelines_compare_with_the_target_branch(event_type: str) -> None:
    env = {"GITLAB_CI": "true", "CI_PIPELINE_SOURCE": "merge_request_event", "CI_MERGE_REQUEST_IID": "3",
           "CI_MERGE_REQUEST_EVENT_TYPE": event_type, "CI_MERGE_REQUEST_DIFF_BASE_SHA": "a" * 40,
           "CI_MERGE_REQUEST_TARGET_BRANCH_SHA": "b" * 40, "CI_COMMIT_SHA": "c" * 40, "CI_PROJECT_ID": "42"}
    assert GitLabPlatform(env).context().base == "b" * 40
    detached = {**env, "CI_MERGE_REQUEST_EVENT_TYPE": "detached", "CI_MERGE_REQUEST_TARGET_BRANCH_SHA": ""}
    assert GitLabPlatform(detached).context().base == "a" * 40


# ---------------------------------------------------------------- 13
def test_item13_an_empty_api_key_is_a_configuration_error_before_any_call(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
        fake_llm: FakeLLM) -> None:
    repo = make_repo(tmp_path, {"eval-action.yaml": config(fake_llm.url), "p.prompt.yaml": cases_prompt(6)})
    out = local(monkeypatch, capsys, repo.root, ["run", "--all", "--baseline", "none", "--mode", "informational"],
                env={"OPENAI_API_KEY": ""})
    assert out.code == 2, out.stdout + out.stderr
    assert "OPENAI_API_KEY" in out.stderr and "empty" in out.stderr
    assert fake_llm.requests == []


# ---------------------------------------------------------------- 14
def test_item14_a_flaky_pass_shows_a_passing_repeat_and_calls_count_repeats_and_graders(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
        fake_llm: FakeLLM) -> None:
    scorers = f"{ECHO}\n    - {{type: llm-rubric, value: 'is polite'}}"
    text = prompt(ONE_CASE, scorers).replace("evals:\n", "evals:\n  repeats: 3\n")
    repo = make_repo(tmp_path, {"eval-action.yaml": config(fake_llm.url), "p.prompt.yaml": text})
    answers = itertools.chain(["nope"], itertools.repeat("echo: hi"))
    lock = threading.Lock()

    def flaky(body: dict[str, Any]) -> str:
        if "rubric" in str(body["messages"][0]["content"]).lower():
            return '{"reason": "fine", "score": 1, "pass": true}'
        with lock:
            return next(answers)

    fake_llm.respond_with(flaky)
    out = local(monkeypatch, capsys, repo.root, ["run", "--all", "--baseline", "none", "--no-cache"])
    assert out.code == 0, out.stdout + out.stderr
    [case] = results(repo.root)["prompts"][0]["cases"]
    assert case["passed"] and case["flaky"] and case["output"] == "echo: hi"
    assert "2/3" in (repo.root / "eval-results/report.md").read_text()
    calls = len(fake_llm.requests)
    assert calls == 6  # three target calls and a grader call for each repeat
    assert f"/{calls} calls" in (repo.root / "eval-results/report.md").read_text()
    dry = local(monkeypatch, capsys, repo.root, ["run", "--all", "--dry-run"])
    assert "up to 6 call(s)" in dry.stdout  # 3 repeats x (target + grader)


# ---------------------------------------------------------------- 15
def test_item15_graders_are_deterministic_and_cached(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
        fake_llm: FakeLLM) -> None:
    text = prompt(ONE_CASE, "{type: llm-rubric, value: 'is polite'}")
    repo = make_repo(tmp_path, {"eval-action.yaml": config(fake_llm.url), "p.prompt.yaml": text})
    fake_llm.respond_with(lambda body: '{"reason": "ok", "score": 1, "pass": true}')
    assert local(monkeypatch, capsys, repo.root, ["run", "--all", "--baseline", "none"]).code == 0
    [grader] = [r.body for r in fake_llm.requests if "rubric" in str(r.body["messages"][0]["content"]).lower()]
    assert grader["temperature"] == 0 and isinstance(grader["seed"], int)
    assert local(monkeypatch, capsys, repo.root, ["run", "--all", "--baseline", "none"]).code == 0
    assert len(fake_llm.requests) == 2  # the second run is answered from the cache, grader included


def test_item15_stream_true_in_params_is_a_configuration_error(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
        fake_llm: FakeLLM) -> None:
    text = prompt(ONE_CASE, extra="params: {stream: true}\n")
    repo = make_repo(tmp_path, {"eval-action.yaml": config(fake_llm.url), "p.prompt.yaml": text})
    assert local(monkeypatch, capsys, repo.root, ["validate"]).code == 2
    out = local(monkeypatch, capsys, repo.root, ["run", "--all", "--baseline", "none"])
    assert out.code == 2 and "stream" in out.stderr
    assert fake_llm.requests == []


def test_n_above_one_in_params_is_a_configuration_error_naming_repeats(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
        fake_llm: FakeLLM) -> None:
    """`n: 3` bills three answers per call and scores one: the figures would not match what was paid."""
    text = prompt(ONE_CASE, extra="params: {n: 3}\n")
    repo = make_repo(tmp_path, {"eval-action.yaml": config(fake_llm.url), "p.prompt.yaml": text})
    out = local(monkeypatch, capsys, repo.root, ["run", "--all", "--baseline", "none"])
    assert out.code == 2
    assert "params `n: 3` asks for 3 answers a call but one is scored — use `repeats: 3`" in out.stderr
    assert fake_llm.requests == []
