"""GitHub event payloads -> CIContext, for every event the action meets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from eval_action.model.errors import UserError
from eval_action.platforms.github import GitHubPlatform
from eval_action.platforms.github_event import ZERO_SHA
from eval_action.platforms.inputs import ActionInputs

BASE, HEAD = "a" * 40, "b" * 40


def context(tmp_path: Path, event: str, payload: dict[str, Any] | None, **extra: str) -> Any:
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": event,
        "GITHUB_REPOSITORY": "acme/app",
        "GITHUB_SERVER_URL": "https://github.test",
        "GITHUB_RUN_ID": "1234",
        "GITHUB_WORKFLOW": "evals",
        "GITHUB_JOB": "eval",
        "GITHUB_SHA": "c" * 40,
        "GITHUB_WORKSPACE": str(tmp_path),
        **extra,
    }
    if payload is not None:
        (tmp_path / "event.json").write_text(json.dumps(payload))
        env["GITHUB_EVENT_PATH"] = str(tmp_path / "event.json")
    return GitHubPlatform(env).context()


def pr(head_repo: dict[str, Any] | None, number: int = 7) -> dict[str, Any]:
    return {
        "number": number,
        "pull_request": {
            "number": number,
            "base": {"sha": BASE, "repo": {"full_name": "acme/app"}},
            "head": {"sha": HEAD, "repo": head_repo},
        },
    }


def test_pull_request_same_repo(tmp_path: Path) -> None:
    ctx = context(tmp_path, "pull_request", pr({"full_name": "acme/app"}))
    assert (ctx.base, ctx.head, ctx.change_request) == (BASE, HEAD, 7)
    assert not ctx.is_fork and not ctx.untrusted_head and not ctx.run_all
    assert ctx.comment_key == "evals/eval" and ctx.run_id == 1234
    assert ctx.run_url == "https://github.test/acme/app/actions/runs/1234"
    assert ctx.workspace == tmp_path and ctx.platform == "github"


def test_fork_and_deleted_fork(tmp_path: Path) -> None:
    assert context(tmp_path, "pull_request", pr({"full_name": "someone/app"})).is_fork
    assert context(tmp_path, "pull_request", pr(None)).is_fork


def test_pull_request_target_is_untrusted(tmp_path: Path) -> None:
    ctx = context(tmp_path, "pull_request_target", pr({"full_name": "someone/app"}))
    assert ctx.untrusted_head and ctx.is_fork and ctx.change_request == 7


def test_push_compares_before_after_without_comment(tmp_path: Path) -> None:
    ctx = context(tmp_path, "push", {"before": BASE, "after": HEAD})
    assert (ctx.base, ctx.head, ctx.change_request, ctx.run_all) == (BASE, HEAD, None, False)


def test_push_of_new_branch_runs_all(tmp_path: Path) -> None:
    ctx = context(tmp_path, "push", {"before": ZERO_SHA, "after": HEAD})
    assert ctx.run_all and ctx.base is None and ctx.head == HEAD


@pytest.mark.parametrize("event", ["workflow_dispatch", "schedule"])
def test_manual_and_scheduled_run_all(tmp_path: Path, event: str) -> None:
    ctx = context(tmp_path, event, {})
    assert ctx.run_all and ctx.change_request is None and ctx.head == "c" * 40 and ctx.event == event


def test_merge_group(tmp_path: Path) -> None:
    ctx = context(tmp_path, "merge_group", {"merge_group": {"base_sha": BASE, "head_sha": HEAD}})
    assert (ctx.base, ctx.head, ctx.change_request, ctx.run_all) == (BASE, HEAD, None, False)


def test_comment_key_input_wins(tmp_path: Path) -> None:
    ctx = context(tmp_path, "pull_request", pr({"full_name": "acme/app"}), **{"INPUT_COMMENT-KEY": "mine"})
    assert ctx.comment_key == "mine"


def test_overrides_from_cli_flags_win(tmp_path: Path) -> None:
    env = {"GITHUB_EVENT_NAME": "schedule", "INPUT_MODE": "informational", "INPUT_COMMENT-KEY": "a"}
    platform = GitHubPlatform(env, overrides=ActionInputs(comment_key="b"))
    assert platform.context().comment_key == "b" and platform.inputs().mode == "informational"


def test_unreadable_payload_is_a_user_error(tmp_path: Path) -> None:
    (tmp_path / "event.json").write_text("{not json")
    with pytest.raises(UserError) as info:
        context(tmp_path, "pull_request", None, GITHUB_EVENT_PATH=str(tmp_path / "event.json"))
    assert "event payload" in str(info.value) and str(tmp_path / "event.json") in str(info.value)


def test_pull_request_payload_without_commits_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="lacks the commits"):
        context(tmp_path, "pull_request", {"action": "opened"})
