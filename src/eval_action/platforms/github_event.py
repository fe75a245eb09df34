"""GitHub's event payload (`GITHUB_EVENT_PATH`) -> where the change is. Pure apart from reading the file."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from eval_action.model.errors import UserError
from eval_action.platforms.base import CIContext
from eval_action.platforms.inputs import ActionInputs

ZERO_SHA = "0" * 40
PR_EVENTS = {"pull_request", "pull_request_target", "pull_request_review", "pull_request_review_comment"}


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class _Repo(_Payload):
    full_name: str | None = None


class _Ref(_Payload):
    sha: str
    repo: _Repo | None = None  # null when the fork was deleted


class _PullRequest(_Payload):
    number: int
    base: _Ref
    head: _Ref


class _MergeGroup(_Payload):
    base_sha: str
    head_sha: str


class GitHubEvent(_Payload):
    """The parts of any event payload we read."""

    pull_request: _PullRequest | None = None
    merge_group: _MergeGroup | None = None
    before: str | None = None
    after: str | None = None


def load_event(path_text: str | None) -> GitHubEvent:
    if not path_text:
        return GitHubEvent()
    try:
        data: Any = json.loads(Path(path_text).read_text(encoding="utf-8"))
        return GitHubEvent.model_validate(data)
    except (OSError, ValueError, ValidationError) as exc:
        reason = str(exc).splitlines()[0]
        hint = "run inside GitHub Actions, or unset GITHUB_ACTIONS to run locally"
        raise UserError(f"the event payload can't be read ({reason}); {hint}", path_text) from None


def event_fields(name: str, event: GitHubEvent, head_sha: str | None) -> dict[str, Any]:
    """base/head/change_request/run_all/fork flags for one event."""
    pr = event.pull_request
    if name in PR_EVENTS and pr is not None:
        return {
            "base": pr.base.sha,
            "head": pr.head.sha,
            "change_request": pr.number,
            "is_fork": _full_name(pr.head) != _full_name(pr.base),
            "untrusted_head": name == "pull_request_target",
        }
    if name == "merge_group" and event.merge_group is not None:
        return {"base": event.merge_group.base_sha, "head": event.merge_group.head_sha}
    if name == "push" and event.after:
        new_branch = not event.before or event.before == ZERO_SHA
        return {"base": None if new_branch else event.before, "head": event.after, "run_all": new_branch}
    if name in PR_EVENTS or name in ("push", "merge_group"):
        raise UserError(f"the `{name}` event payload lacks the commits to compare; re-run the workflow")
    return {"head": head_sha, "run_all": True}  # workflow_dispatch, schedule, release, ...


def _full_name(ref: _Ref) -> str | None:
    return ref.repo.full_name if ref.repo else None


def github_context(env: Mapping[str, str], inputs: ActionInputs) -> CIContext:
    name = env.get("GITHUB_EVENT_NAME", "")
    fields = event_fields(name, load_event(env.get("GITHUB_EVENT_PATH")), env.get("GITHUB_SHA") or None)
    run_id = env.get("GITHUB_RUN_ID", "")
    server, repo = env.get("GITHUB_SERVER_URL", "https://github.com"), env.get("GITHUB_REPOSITORY", "")
    default_key = "/".join(p for p in (env.get("GITHUB_WORKFLOW"), env.get("GITHUB_JOB")) if p) or "default"
    return CIContext(
        platform="github",
        event=name or "unknown",
        comment_key=inputs.comment_key or default_key,
        run_id=int(run_id) if run_id.isdigit() else None,
        run_url=f"{server}/{repo}/actions/runs/{run_id}" if repo and run_id else None,
        workspace=Path(env.get("GITHUB_WORKSPACE") or "."),
        **fields,
    )
