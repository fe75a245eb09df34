"""Platform detection and the local adapter."""

from __future__ import annotations

import io
from pathlib import Path

from eval_action.platforms.detect import detect
from eval_action.platforms.inputs import ActionInputs


def test_detects_each_platform(tmp_path: Path) -> None:
    assert detect({"GITHUB_ACTIONS": "true"}, tmp_path).name == "github"
    assert detect({"GITLAB_CI": "true"}, tmp_path).name == "gitlab"
    assert detect({"CI": "true"}, tmp_path).name == "local"
    assert detect({"GITHUB_ACTIONS": "false"}, tmp_path).name == "local"


def test_local_context_defaults_to_origin_head(tmp_path: Path) -> None:
    ctx = detect({}, tmp_path).context()
    assert (ctx.platform, ctx.base, ctx.head, ctx.workspace) == ("local", "origin/HEAD", "HEAD", tmp_path)
    assert ctx.change_request is None and not ctx.run_all


def test_local_base_from_flags(tmp_path: Path) -> None:
    platform = detect({"EVAL_ACTION_MODE": "blocking"}, tmp_path, ActionInputs(base_ref="main"))
    assert platform.context().base == "main" and platform.inputs().mode == "blocking"


def test_local_publishes_nothing(tmp_path: Path) -> None:
    out = io.StringIO()
    from eval_action.platforms.local import LocalPlatform

    platform = LocalPlatform({}, tmp_path, out=out)
    outcome = platform.upsert_comment(platform.context(), "body")
    platform.set_outputs({"status": "pass"})
    platform.write_summary("# x")
    platform.annotate("error", "a.prompt.yaml", "Eval failed", "1 of 2\ncases")
    assert outcome.comment_url is None and "nothing posted" in outcome.message
    assert out.getvalue() == "a.prompt.yaml: error: Eval failed: 1 of 2 cases\n"
    assert list(tmp_path.iterdir()) == []
