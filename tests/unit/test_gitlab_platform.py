"""The GitLab adapter against a loopback fake GitLab, through the real python-gitlab client."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

from eval_action.platforms.base import CIContext
from eval_action.platforms.gitlab import GitLabPlatform
from eval_action.render.marker import make_marker
from fakes.forge import FakeForge

TOKEN = "glpat-secret-456"
KEY = ("gl", "42", 3)
BASE, HEAD = "a" * 40, "b" * 40


@pytest.fixture
def forge() -> Iterator[FakeForge]:
    with FakeForge(token=TOKEN) as f:
        yield f


def mr_env(url: str, pipeline: int = 100, **extra: str) -> dict[str, str]:
    return {
        "GITLAB_CI": "true",
        "CI_PIPELINE_SOURCE": "merge_request_event",
        "CI_MERGE_REQUEST_IID": "3",
        "CI_MERGE_REQUEST_DIFF_BASE_SHA": BASE,
        "CI_COMMIT_SHA": HEAD,
        "CI_PROJECT_ID": "42",
        "CI_PROJECT_URL": "https://gitlab.test/acme/app",
        "CI_API_V4_URL": url + "/api/v4",
        "CI_PIPELINE_ID": str(pipeline),
        "CI_JOB_URL": "https://gitlab.test/acme/app/-/jobs/9",
        "CI_JOB_NAME": "eval",
        "CI_PROJECT_DIR": "/builds/acme/app",
        "CI_JOB_TOKEN": "job-token",
        "GITLAB_TOKEN": TOKEN,
        **extra,
    }


def body(ctx: CIContext, text: str = "report") -> str:
    return make_marker(ctx.comment_key, ctx.head, ctx.run_id) + "\n" + text


def test_merge_request_context() -> None:
    ctx = GitLabPlatform(mr_env("http://x")).context()
    assert (ctx.platform, ctx.event, ctx.base, ctx.head, ctx.change_request) == (
        "gitlab",
        "merge_request_event",
        BASE,
        HEAD,
        3,
    )
    assert ctx.comment_key == "eval" and ctx.run_id == 100 and not ctx.run_all and not ctx.is_fork
    assert ctx.run_url == "https://gitlab.test/acme/app/-/jobs/9" and str(ctx.workspace) == "/builds/acme/app"


def test_fork_merge_request() -> None:
    ctx = GitLabPlatform(mr_env("http://x", CI_MERGE_REQUEST_SOURCE_PROJECT_ID="77")).context()
    assert ctx.is_fork


def test_branch_pipeline_runs_all_without_note(forge: FakeForge) -> None:
    env = mr_env(forge.url, CI_PIPELINE_SOURCE="push")
    del env["CI_MERGE_REQUEST_IID"], env["CI_MERGE_REQUEST_DIFF_BASE_SHA"]
    p = GitLabPlatform(env)
    ctx = p.context()
    assert ctx.run_all and ctx.base is None and ctx.change_request is None and ctx.event == "push"
    assert "not a merge request" in p.upsert_comment(ctx, "x").message and forge.log == []


def test_inputs_from_component_variables() -> None:
    env = mr_env(
        "http://x", EVAL_ACTION_MODE="blocking", EVAL_ACTION_COMMENT_KEY="evals", EVAL_ACTION_CONFIG=""
    )
    p = GitLabPlatform(env)
    assert p.inputs().mode == "blocking" and p.inputs().config is None
    assert p.context().comment_key == "evals"
    assert p.inputs().token is not None and p.inputs().token.get_secret_value() == TOKEN


def test_creates_then_updates_one_note(forge: FakeForge) -> None:
    first = GitLabPlatform(mr_env(forge.url, pipeline=100))
    created = first.upsert_comment(first.context(), body(first.context(), "old"))
    [note] = forge.comments[KEY]
    assert created.comment_url == f"https://gitlab.test/acme/app/-/merge_requests/3#note_{note['id']}"
    second = GitLabPlatform(mr_env(forge.url, pipeline=101))
    updated = second.upsert_comment(second.context(), body(second.context(), "new"))
    assert [n["body"].split("\n")[1] for n in forge.comments[KEY]] == ["new"]
    assert updated.comment_url == created.comment_url
    assert [m for m, _, _ in forge.writes()] == ["POST", "PUT"]


def test_finds_ours_on_a_later_page(forge: FakeForge) -> None:
    forge.seed(KEY, [f"review {i}" for i in range(25)])
    [ours] = forge.seed(KEY, [make_marker("eval", BASE, 99) + "\nold"])
    p = GitLabPlatform(mr_env(forge.url, pipeline=100))
    p.upsert_comment(p.context(), body(p.context(), "new"))
    assert forge.writes() == [("PUT", f"/api/v4/projects/42/merge_requests/3/notes/{ours}", 200)]
    assert any("page=2" in path for _, path, _ in forge.log)


def test_never_overwrites_a_newer_pipeline(forge: FakeForge) -> None:
    forge.seed(KEY, [make_marker("eval", "c" * 40, 200) + "\nnewer"])
    p = GitLabPlatform(mr_env(forge.url, pipeline=100))
    outcome = p.upsert_comment(p.context(), body(p.context()))
    assert forge.writes() == [] and "newer pipeline" in outcome.message


def test_when_the_api_wont_say_who_we_are_only_this_projects_bot_counts(forge: FakeForge) -> None:
    forge.state.whoami_hidden = True
    forge.seed(KEY, [make_marker("eval", BASE, 99) + "\nforged"], author="project_99_bot_x")  # another project's
    forge.seed(KEY, [make_marker("eval", BASE, 99) + "\npasted"], author="mallory")
    [ours] = forge.seed(KEY, [make_marker("eval", BASE, 99) + "\nold"], author="project_42_bot_eval")
    p = GitLabPlatform(mr_env(forge.url, pipeline=100))
    p.upsert_comment(p.context(), body(p.context(), "new"))
    assert forge.writes() == [("PUT", f"/api/v4/projects/42/merge_requests/3/notes/{ours}", 200)]


def test_without_token_says_how_to_fix(forge: FakeForge) -> None:
    env = mr_env(forge.url)
    del env["GITLAB_TOKEN"]
    p = GitLabPlatform(env)
    outcome = p.upsert_comment(p.context(), "x")
    assert (
        "GITLAB_TOKEN" in outcome.message and "CI_JOB_TOKEN" in outcome.message and "api" in outcome.message
    )
    assert "\n" not in outcome.message and forge.log == []


def test_token_variable_input_names_the_variable(forge: FakeForge) -> None:
    env = mr_env(forge.url, EVAL_ACTION_TOKEN_VARIABLE="EVAL_NOTES_TOKEN", EVAL_NOTES_TOKEN=TOKEN)
    del env["GITLAB_TOKEN"]
    p = GitLabPlatform(env)
    assert p.upsert_comment(p.context(), body(p.context())).comment_url is not None
    assert len(forge.comments[KEY]) == 1


def test_forbidden_token_explains_without_raising(forge: FakeForge) -> None:
    forge.read_only = True
    p = GitLabPlatform(mr_env(forge.url))
    outcome = p.upsert_comment(p.context(), body(p.context()))
    assert outcome.comment_url is None and "403" in outcome.message and TOKEN not in outcome.message


def test_transient_5xx_is_retried(forge: FakeForge) -> None:
    forge.fail_next(2, 502)
    p = GitLabPlatform(mr_env(forge.url))
    assert p.upsert_comment(p.context(), body(p.context())).comment_url is not None


def test_changed_files_from_diffs(forge: FakeForge) -> None:
    forge.files[KEY] = [{"old_path": f"f{i}", "new_path": f"f{i}"} for i in range(21)]
    forge.files[KEY].append({"old_path": "old.prompt.yaml", "new_path": "new.prompt.yaml"})
    p = GitLabPlatform(mr_env(forge.url))
    files = p.changed_files(p.context())
    assert files is not None and len(files) == 23
    assert sorted(files[-2:]) == ["new.prompt.yaml", "old.prompt.yaml"]


def test_annotations_are_plain_single_lines() -> None:
    out = io.StringIO()
    GitLabPlatform(mr_env("http://x"), out=out).annotate("error", "p.prompt.yaml", "Eval", "two\nlines")
    assert out.getvalue() == "error: p.prompt.yaml: Eval: two lines\n"
