"""GitLab CI adapter: MR pipeline context and the sticky MR note (python-gitlab)."""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

import gitlab
import requests
from gitlab.v4.objects import ProjectMergeRequest
from pydantic import SecretStr

from eval_action.model.errors import UserError
from eval_action.platforms.base import CIContext, Level, PublishOutcome
from eval_action.platforms.gitlab_env import mr_base_sha
from eval_action.platforms.inputs import AUTO_SHARD, ActionInputs, inputs_from_env
from eval_action.platforms.sticky import Posted, converge, plan_sticky
from eval_action.render.log import escape_log

COMMENT_LIMIT = 1_000_000
ENV_PREFIX = "EVAL_ACTION_"  # the component passes its inputs as these job variables
_FALLBACK = "the report is in the job artifacts"


def node_shard(env: Mapping[str, str]) -> str | None:
    """`shard: auto`: a `parallel: N` job runs slice CI_NODE_INDEX of CI_NODE_TOTAL; one job runs all."""
    total, index = env.get("CI_NODE_TOTAL", ""), env.get("CI_NODE_INDEX", "")
    if not total.isdigit() or int(total) <= 1:
        return None
    if not index.isdigit() or not 1 <= int(index) <= int(total):
        raise UserError(f"shard `auto` needs CI_NODE_INDEX between 1 and {total}, got {index!r} — "
                        "run it in a job with `parallel: N`", "component inputs")
    return f"{index}/{total}"


class GitLabPlatform:
    name = "gitlab"
    comment_limit = COMMENT_LIMIT

    def __init__(
        self, env: Mapping[str, str], overrides: ActionInputs | None = None, out: TextIO | None = None
    ) -> None:
        self._env = dict(env)
        self._overrides = overrides
        self._out = out
        self._inputs: ActionInputs | None = None

    def inputs(self) -> ActionInputs:
        """Inputs from EVAL_ACTION_* variables; the token from the variable `token-variable` names."""
        if self._inputs is None:
            given = inputs_from_env(self._env, ENV_PREFIX, hyphens=False, source="component inputs")
            merged = given.merge(self._overrides) if self._overrides else given
            token = self._env.get(merged.token_variable, "").strip()
            resolved: dict[str, Any] = {"token": SecretStr(token)} if token else {}
            if merged.shard == AUTO_SHARD:
                resolved["shard"] = node_shard(self._env)
            self._inputs = merged.model_copy(update=resolved)
        return self._inputs

    def context(self) -> CIContext:
        env = self._env
        iid = env.get("CI_MERGE_REQUEST_IID", "")
        pipeline = env.get("CI_PIPELINE_ID", "")
        common: dict[str, Any] = {
            "platform": "gitlab",
            "event": env.get("CI_PIPELINE_SOURCE") or "unknown",
            "head": env.get("CI_COMMIT_SHA") or None,
            "comment_key": self.inputs().comment_key or env.get("CI_JOB_NAME") or "default",
            "run_id": int(pipeline) if pipeline.isdigit() else None,
            "run_url": env.get("CI_JOB_URL") or env.get("CI_PIPELINE_URL") or None,
            "workspace": Path(env.get("CI_PROJECT_DIR") or "."),
        }
        if not iid.isdigit():  # branch, tag, schedule pipelines: nothing to compare with, nowhere to post
            return CIContext(**common, run_all=True)
        source = env.get("CI_MERGE_REQUEST_SOURCE_PROJECT_ID")
        is_fork = bool(source) and source != self._project_id()
        return CIContext(
            **common,
            base=mr_base_sha(env),
            change_request=int(iid),
            is_fork=is_fork,
            # a maintainer may run a fork's pipeline in this project, with its variables: the fork's
            # code is as untrusted there as a pull_request_target head
            untrusted_head=is_fork and env.get("CI_PROJECT_ID") == self._project_id(),
        )

    # ------------------------------------------------------------ API
    def _project_id(self) -> str:
        return self._env.get("CI_MERGE_REQUEST_PROJECT_ID") or self._env.get("CI_PROJECT_ID", "")

    def _merge_request(self, iid: int) -> ProjectMergeRequest:
        token = self.inputs().token
        assert token is not None  # callers check first
        api = self._env.get("CI_API_V4_URL") or self._env.get("CI_SERVER_URL", "") + "/api/v4"
        client = gitlab.Gitlab(
            api.removesuffix("/").removesuffix("/api/v4"),  # python-gitlab appends /api/v4 itself
            private_token=token.get_secret_value(),
            timeout=15,
            retry_transient_errors=True,  # 5xx and 429 (honouring Retry-After), with backoff
        )
        project = client.projects.get(self._project_id(), lazy=True)
        return project.mergerequests.get(iid, lazy=True)

    @staticmethod
    def _login(mr: ProjectMergeRequest) -> str | None:
        """The token's own user: notes by it are ours even when it is a person's token."""
        try:
            mr.manager.gitlab.auth()
            user = mr.manager.gitlab.user
            return str(user.username) if user is not None else None
        except (gitlab.GitlabError, requests.RequestException):  # then no note counts as ours
            return None

    def _whoami(self, mr: ProjectMergeRequest, posted: list[Posted]) -> str | None:
        """Our login; when the API won't say, this project's own access-token bot, which only the
        project's maintainers can create (`project_<id>_bot…`): no other author ever counts."""
        login = self._login(mr)
        if login is not None:
            return login
        own_bot = re.compile(rf"project_{re.escape(self._project_id())}_bot(?:_\w+)?")
        return next((p.author for p in posted if own_bot.fullmatch(p.author)), None)

    def upsert_comment(self, ctx: CIContext, body: str, create: bool = True) -> PublishOutcome:
        reason = self._why_no_note(ctx)
        if reason or ctx.change_request is None:
            return PublishOutcome(message=f"no MR note: {reason}; {_FALLBACK}")
        try:
            mr = self._merge_request(ctx.change_request)
            notes = mr.notes.list(iterator=True)
            posted = _posted(notes)
            plan = plan_sticky(posted, ctx.comment_key, ctx.run_id, lambda: self._whoami(mr, posted))
            if plan.action == "stale":
                return PublishOutcome(message="MR note left alone: a newer pipeline already updated it")
            if plan.action == "create" and not create:
                return PublishOutcome(message="no MR note: nothing to report and no earlier MR note to update")
            if plan.action == "update" and plan.comment_id is not None:
                mr.notes.update(plan.comment_id, {"body": body})
                url = self._note_url(ctx.change_request, plan.comment_id)
                return PublishOutcome(comment_url=url, message=f"updated MR note {url or plan.comment_id}")
            note = mr.notes.create({"body": body})
            return self._converge(mr, ctx, body, Posted(id=int(note.id), body=body, author=_username(note)))
        except gitlab.GitlabError as exc:
            return PublishOutcome(message=f"no MR note: {_explain(exc.response_code)}; {_FALLBACK}")
        except requests.RequestException as exc:
            why = f"GitLab API unreachable ({type(exc).__name__})"  # python-gitlab raises its own on 5xx
            return PublishOutcome(message=f"no MR note: {why}; {_FALLBACK}")

    def _converge(self, mr: ProjectMergeRequest, ctx: CIContext, body: str, created: Posted) -> PublishOutcome:
        """Two pipelines of one MR may each have posted: keep the oldest of ours, delete this one's twin."""
        assert ctx.change_request is not None
        plan, extra = converge(_posted(mr.notes.list(iterator=True)), ctx.comment_key, ctx.run_id, created)
        if extra is None:
            url = self._note_url(ctx.change_request, created.id)
            return PublishOutcome(comment_url=url, message=f"posted MR note {url or created.id}")
        mr.notes.delete(extra)
        if plan.action == "update" and plan.comment_id is not None:
            mr.notes.update(plan.comment_id, {"body": body})
            url = self._note_url(ctx.change_request, plan.comment_id)
            return PublishOutcome(comment_url=url, message=f"updated MR note {url or plan.comment_id} "
                                                           "(another pipeline of this MR had just posted it)")
        return PublishOutcome(message="MR note left alone: a newer pipeline already updated it")

    def _why_no_note(self, ctx: CIContext) -> str:
        inputs = self.inputs()
        if ctx.change_request is None:
            return "not a merge request pipeline"
        if not inputs.comment:
            return "the `comment` input is false"
        if inputs.token is None:
            return (
                f"the variable {inputs.token_variable} is not set: store a project access token with"
                " `api` scope in it as a masked CI/CD variable (CI_JOB_TOKEN cannot write MR notes)"
            )
        return ""

    def _note_url(self, iid: int, note_id: int) -> str | None:
        project = self._env.get("CI_MERGE_REQUEST_PROJECT_URL") or self._env.get("CI_PROJECT_URL")
        return f"{project}/-/merge_requests/{iid}#note_{note_id}" if project else None

    def changed_files(self, ctx: CIContext) -> list[str] | None:
        if ctx.change_request is None or self.inputs().token is None:
            return None
        try:
            mr = self._merge_request(ctx.change_request)
            diffs = mr.manager.gitlab.http_list(f"{mr.manager.path}/{mr.iid}/diffs", iterator=True)
            paths: list[str] = []
            for diff in diffs:
                paths += {str(diff["old_path"]), str(diff["new_path"])}
            return paths
        except (gitlab.GitlabError, requests.RequestException, KeyError, TypeError):
            return None

    # ------------------------------------------------------------ runner side
    def write_summary(self, markdown: str) -> None:
        """GitLab has no job summary: the report stays in the artifacts."""

    def set_outputs(self, outputs: dict[str, str]) -> None:
        """GitLab jobs have no step outputs: results.json in the artifacts carries them."""

    def annotate(self, level: Level, path: str, title: str, message: str) -> None:
        line = f"{level}: {_one_line(path)}: {_one_line(title)}: {_one_line(message)}"
        print(escape_log(line), file=self._out or sys.stdout)

    @contextmanager
    def group(self, title: str) -> Iterator[None]:
        # GitLab's collapsible log sections: https://docs.gitlab.com/ci/jobs/job_logs/
        name = re.sub(r"[^a-z0-9_]", "_", title.lower())[:40] or "section"
        out = self._out or sys.stdout
        print(f"\x1b[0Ksection_start:{int(time.time())}:{name}[collapsed=true]\r\x1b[0K{title}", file=out, flush=True)
        try:
            yield
        finally:
            print(f"\x1b[0Ksection_end:{int(time.time())}:{name}\r\x1b[0K", file=out, flush=True)

    def mask(self, secret: str) -> None:
        """GitLab masks only variables declared masked; nothing can be added at run time."""


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _explain(status: int | None) -> str:
    if status == 401:
        return "GitLab rejected the token (401); check the variable named by `token-variable`"
    if status in (403, 404):
        return f"the token can't write MR notes (HTTP {status}); it needs the `api` scope and Reporter role"
    return f"GitLab API error (HTTP {status}) after retries"


def _posted(notes: Iterable[Any]) -> list[Posted]:
    return [Posted(id=n.id, body=n.body or "", author=_username(n)) for n in notes if not getattr(n, "system", False)]


def _username(note: object) -> str:
    author = getattr(note, "author", None) or {}
    return str(author.get("username", "")) if isinstance(author, dict) else ""
