"""The GitHub adapter against a loopback fake GitHub, through the real PyGithub client."""

from __future__ import annotations

import io
import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from github import GithubRetry

from eval_action.platforms.base import CIContext
from eval_action.platforms.github import GitHubPlatform
from eval_action.platforms.workflow_commands import SUMMARY_LIMIT
from eval_action.render.marker import make_marker
from fakes.forge import FakeForge
from support import parse_outputs

TOKEN = "ghs_secret_token_123"
KEY = ("gh", "acme/app", 7)
FAST = GithubRetry(total=3, backoff_factor=0, secondary_rate_wait=0, max_rate_limit_wait=1)


@pytest.fixture
def forge() -> Iterator[FakeForge]:
    with FakeForge(token=TOKEN) as f:
        yield f


def platform(
    url: str, tmp_path: Path, run_id: int = 5, out: io.StringIO | None = None, **inputs: str
) -> GitHubPlatform:
    payload = {
        "pull_request": {
            "number": 7,
            "base": {"sha": "a" * 40, "repo": {"full_name": "acme/app"}},
            "head": {"sha": "b" * 40, "repo": {"full_name": "acme/app"}},
        }
    }
    (tmp_path / "event.json").write_text(json.dumps(payload))
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(tmp_path / "event.json"),
        "GITHUB_API_URL": url,
        "GITHUB_REPOSITORY": "acme/app",
        "GITHUB_RUN_ID": str(run_id),
        "GITHUB_WORKFLOW": "evals",
        "GITHUB_JOB": "eval",
        "INPUT_GITHUB-TOKEN": TOKEN,
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        **{f"INPUT_{k.upper().replace('_', '-')}": v for k, v in inputs.items()},
    }
    return GitHubPlatform(env, retry=FAST, out=out)


def body(ctx: CIContext, text: str = "report") -> str:
    return make_marker(ctx.comment_key, ctx.head, ctx.run_id) + "\n" + text


def test_creates_the_comment(forge: FakeForge, tmp_path: Path) -> None:
    p = platform(forge.url, tmp_path)
    ctx = p.context()
    outcome = p.upsert_comment(ctx, body(ctx))
    [comment] = forge.comments[KEY]
    assert comment["body"] == body(ctx)
    assert outcome.comment_url == f"https://github.test/acme/app/pull/7#issuecomment-{comment['id']}"
    assert outcome.message.startswith("posted ")


def test_updates_in_place_on_rerun(forge: FakeForge, tmp_path: Path) -> None:
    first = platform(forge.url, tmp_path, run_id=5)
    first.upsert_comment(first.context(), body(first.context(), "old"))
    second = platform(forge.url, tmp_path, run_id=6)
    outcome = second.upsert_comment(second.context(), body(second.context(), "new"))
    [comment] = forge.comments[KEY]
    assert comment["body"].endswith("\nnew") and outcome.message.startswith("updated ")
    assert [m for m, _, _ in forge.writes()] == ["POST", "PATCH"]


def test_finds_ours_on_page_two_among_many(forge: FakeForge, tmp_path: Path) -> None:
    others = [f"chatter {i}" for i in range(34)] + ["<!-- eval-action:other/job run=99 -->\nnot ours"]
    forge.seed(KEY, others)
    [ours] = forge.seed(KEY, [make_marker("evals/eval", "b" * 40, 4) + "\nold"])
    p = platform(forge.url, tmp_path, run_id=5)
    p.upsert_comment(p.context(), body(p.context(), "new"))
    assert forge.writes() == [("PATCH", f"/repos/acme/app/issues/comments/{ours}", 200)]
    assert forge.comments[KEY][-1]["body"].endswith("\nnew") and len(forge.comments[KEY]) == 36
    assert any("page=2" in path for _, path, _ in forge.log)


def test_stale_run_never_overwrites(forge: FakeForge, tmp_path: Path) -> None:
    forge.seed(KEY, [make_marker("evals/eval", "c" * 40, 9) + "\nnewer"])
    p = platform(forge.url, tmp_path, run_id=5)
    outcome = p.upsert_comment(p.context(), body(p.context(), "older"))
    assert forge.writes() == [] and forge.comments[KEY][0]["body"].endswith("newer")
    assert "newer run" in outcome.message and outcome.comment_url is None


def test_fork_token_403_explains_without_raising(forge: FakeForge, tmp_path: Path) -> None:
    forge.read_only = True
    p = platform(forge.url, tmp_path)
    outcome = p.upsert_comment(p.context(), body(p.context()))
    assert outcome.comment_url is None
    assert "pull-requests: write" in outcome.message and "job summary" in outcome.message
    assert "\n" not in outcome.message and TOKEN not in outcome.message


def test_transient_5xx_and_secondary_rate_limit_are_retried(forge: FakeForge, tmp_path: Path) -> None:
    forge.fail_next(1, 502)
    forge.fail_next(1, 403, {"message": "You have exceeded a secondary rate limit."}, {"Retry-After": "0"})
    p = platform(forge.url, tmp_path)
    outcome = p.upsert_comment(p.context(), body(p.context()))
    assert outcome.comment_url and len(forge.comments[KEY]) == 1


def test_persistent_5xx_gives_up_with_a_message(forge: FakeForge, tmp_path: Path) -> None:
    forge.fail_next(10, 503)
    p = platform(forge.url, tmp_path)
    outcome = p.upsert_comment(p.context(), body(p.context()))
    assert outcome.comment_url is None and "failing after retries" in outcome.message
    assert len(forge.log) == 4  # the first try and three retries, then it stops
    assert KEY not in forge.comments or forge.comments[KEY] == []


def test_unreachable_api(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    p = platform(f"http://127.0.0.1:{port}", tmp_path)
    outcome = p.upsert_comment(p.context(), body(p.context()))
    assert outcome.comment_url is None and "unreachable" in outcome.message


def test_body_too_long_is_reported(forge: FakeForge, tmp_path: Path) -> None:
    p = platform(forge.url, tmp_path)
    outcome = p.upsert_comment(p.context(), body(p.context(), "x" * 70_000))
    assert "422" in outcome.message and outcome.comment_url is None


@pytest.mark.parametrize(
    ("inputs", "reason"),
    [({"comment": "false"}, "`comment` input"), ({"github-token": ""}, "`github-token` input is empty")],
)
def test_no_comment_when_disabled_or_tokenless(
    forge: FakeForge, tmp_path: Path, inputs: dict[str, str], reason: str
) -> None:
    p = platform(forge.url, tmp_path)
    p = GitHubPlatform({**p._env, **{f"INPUT_{k.upper()}": v for k, v in inputs.items()}}, retry=FAST)
    outcome = p.upsert_comment(p.context(), "x")
    assert reason in outcome.message and forge.log == []


def test_changed_files_paginates_and_keeps_rename_sources(forge: FakeForge, tmp_path: Path) -> None:
    forge.files[KEY] = [{"filename": f"f{i}.txt", "status": "modified"} for i in range(40)]
    forge.files[KEY].append(
        {"filename": "new.prompt.yaml", "previous_filename": "old.prompt.yaml", "status": "renamed"}
    )
    p = platform(forge.url, tmp_path)
    files = p.changed_files(p.context())
    assert files is not None and len(files) == 42
    assert files[-2:] == ["new.prompt.yaml", "old.prompt.yaml"]


def test_changed_files_none_on_error(forge: FakeForge, tmp_path: Path) -> None:
    forge.fail_next(10, 500)
    p = platform(forge.url, tmp_path)
    assert p.changed_files(p.context()) is None




def test_outputs_round_trip_multiline(tmp_path: Path) -> None:
    p = platform("http://unused", tmp_path)
    values = {"status": "pass", "pass-rate": "96.0", "notes": "line one\nEOF\nline=three"}
    p.set_outputs(values)
    p.set_outputs({"comment-url": "https://x/y?a=b"})
    text = (tmp_path / "output").read_text()
    assert parse_outputs(text) == {**values, "comment-url": "https://x/y?a=b"}
    assert "notes<<ghadelimiter_" in text


def test_summary_appends_and_caps_at_one_mib(tmp_path: Path) -> None:
    p = platform("http://unused", tmp_path)
    p.write_summary("# first\n")
    p.write_summary("é" * SUMMARY_LIMIT)
    data = (tmp_path / "summary.md").read_bytes()
    assert data.startswith(b"# first\n") and len(data) <= SUMMARY_LIMIT
    assert data.decode("utf-8").endswith("the full report is `report.md`.\n")


def test_annotation_and_mask_escaping(tmp_path: Path) -> None:
    out = io.StringIO()
    p = platform("http://unused", tmp_path, out=out)
    p.annotate("error", "prompts/a,b:c.prompt.yaml", "Eval: failed, 50%", "2 of 4 failed\n100%\r done")
    p.mask("line1\nline2")
    assert out.getvalue().splitlines() == [
        "::error file=prompts/a%2Cb%3Ac.prompt.yaml,title=Eval%3A failed%2C 50%25"
        "::2 of 4 failed%0A100%25\\r done",  # a CR could draw over the line: shown, not sent
        "::add-mask::line1",
        "::add-mask::line2",
    ]
