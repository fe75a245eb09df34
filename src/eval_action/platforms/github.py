"""GitHub Actions adapter: event context, the sticky PR comment (PyGithub), workflow commands."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from eval_action.platforms import workflow_commands as wc
from eval_action.platforms.base import CIContext, Level, PublishOutcome
from eval_action.platforms.github_event import github_context
from eval_action.platforms.inputs import ActionInputs, inputs_from_env
from eval_action.platforms.sticky import Posted, converge, plan_sticky
from eval_action.render.log import escape_log

# PyGithub and requests are imported where the API is called: loading them up front would delay
# the first model call of every run, and most runs reach the API only after all the evals.
if TYPE_CHECKING:
    import requests
    from github import GithubRetry
    from github.Issue import Issue
    from github.IssueComment import IssueComment
    from github.PullRequest import PullRequest
    from github.Repository import Repository

COMMENT_LIMIT = 65_536
_FALLBACK = "the report is in the job summary"


def default_retry() -> GithubRetry:
    """PyGithub's rate-limit handling, bounded: a comment is not worth holding the job an hour."""
    from github import GithubRetry

    return GithubRetry(total=4, backoff_factor=1, secondary_rate_wait=30, max_rate_limit_wait=90)


class GitHubPlatform:
    name = "github"
    comment_limit = COMMENT_LIMIT

    def __init__(
        self,
        env: Mapping[str, str],
        overrides: ActionInputs | None = None,
        retry: GithubRetry | None = None,
        out: TextIO | None = None,
    ) -> None:
        self._env = dict(env)
        self._overrides = overrides
        self._retry = retry
        self._out = out
        self._inputs: ActionInputs | None = None

    def inputs(self) -> ActionInputs:
        if self._inputs is None:
            given = inputs_from_env(self._env, "INPUT_", hyphens=True, source="action inputs")
            self._inputs = given.merge(self._overrides) if self._overrides else given
        return self._inputs

    def context(self) -> CIContext:
        return github_context(self._env, self.inputs())

    # ------------------------------------------------------------ API
    def _repo(self) -> Repository:
        token = self.inputs().token
        assert token is not None  # callers check first
        from github import Auth, Github

        client = Github(
            auth=Auth.Token(token.get_secret_value()),
            base_url=self._env.get("GITHUB_API_URL") or "https://api.github.com",
            timeout=15,
            retry=self._retry or default_retry(),
            lazy=True,  # no GET of the repo or issue just to build URLs
            seconds_between_requests=None,
            seconds_between_writes=None,  # we write once per run
        )
        return client.get_repo(self._env.get("GITHUB_REPOSITORY", ""))

    def _pull(self, number: int) -> PullRequest:
        return self._repo().get_pull(number)

    def upsert_comment(self, ctx: CIContext, body: str, create: bool = True) -> PublishOutcome:
        reason = self._why_no_comment(ctx)
        if reason or ctx.change_request is None:
            return PublishOutcome(message=f"no comment: {reason}; {_FALLBACK}")
        import requests
        from github import GithubException

        try:
            issue = self._repo().get_issue(ctx.change_request)
            plan = plan_sticky(_posted(issue), ctx.comment_key, ctx.run_id, lambda: self._login() or ACTIONS_BOT)
            if plan.action == "stale":
                return PublishOutcome(message="comment left alone: a newer run already updated it")
            if plan.action == "create" and not create:
                return PublishOutcome(message="no comment: nothing to report and no earlier comment to update")
            if plan.action == "update" and plan.comment_id is not None:
                comment = issue.get_comment(plan.comment_id)
                comment.edit(body)
                return PublishOutcome(comment_url=comment.html_url, message=f"updated {comment.html_url}")
            created = issue.create_comment(body)
            return _converge(issue, ctx, body, created)
        except GithubException as exc:
            return PublishOutcome(message=f"no comment: {_explain(exc.status)}; {_FALLBACK}")
        except requests.RequestException as exc:
            return PublishOutcome(message=f"no comment: {_explain_network(exc)}; {_FALLBACK}")
        except (TypeError, KeyError, AttributeError, ValueError):  # PyGithub on a body of the wrong shape
            return PublishOutcome(message=f"no comment: GitHub answered with something unexpected; {_FALLBACK}")

    def _login(self) -> str | None:
        """The token's own user (a personal access token); None for app tokens, which may not ask."""
        import requests
        from github import GithubException

        try:
            return str(self._repo().requester.requestJsonAndCheck("GET", "/user")[1]["login"])
        except (GithubException, requests.RequestException, KeyError):  # then trust bot authors only
            return None

    def _why_no_comment(self, ctx: CIContext) -> str:
        if ctx.change_request is None:
            return f"`{ctx.event}` is not a pull request event"
        if not self.inputs().comment:
            return "the `comment` input is false"
        if self.inputs().token is None:
            return "the `github-token` input is empty"
        return ""

    def changed_files(self, ctx: CIContext) -> list[str] | None:
        if ctx.change_request is None or self.inputs().token is None:
            return None
        import requests
        from github import GithubException

        try:
            paths: list[str] = []
            for f in self._pull(ctx.change_request).get_files():
                paths.append(f.filename)
                if f.previous_filename:  # a rename changes both paths
                    paths.append(f.previous_filename)
            return paths
        except (GithubException, requests.RequestException):
            return None

    # ------------------------------------------------------------ runner protocols
    def _print(self, line: str) -> None:
        print(line, file=self._out or sys.stdout, flush=True)

    def write_summary(self, markdown: str) -> None:
        path = self._env.get("GITHUB_STEP_SUMMARY")
        if path:
            wc.append_summary(Path(path), markdown)

    def set_outputs(self, outputs: dict[str, str]) -> None:
        path = self._env.get("GITHUB_OUTPUT")
        if path:
            wc.append_outputs(Path(path), outputs)

    def annotate(self, level: Level, path: str, title: str, message: str) -> None:
        # an annotation may span lines (the protocol encodes them); each line is escaped like the log
        lines = "\n".join(escape_log(line) for line in message.split("\n"))
        self._print(wc.annotation(level, escape_log(path), escape_log(title), lines))

    @contextmanager
    def group(self, title: str) -> Iterator[None]:
        self._print(f"::group::{wc.escape_data(title)}")
        try:
            yield
        finally:
            self._print("::endgroup::")

    def mask(self, secret: str) -> None:
        for line in wc.mask_lines(secret):
            self._print(line)


def _explain_network(exc: requests.RequestException) -> str:
    from requests.exceptions import RetryError

    if isinstance(exc, RetryError):  # urllib3 ran out of retries on 5xx/403
        return "GitHub API kept failing after retries"
    return f"GitHub API unreachable ({type(exc).__name__})"


def _explain(status: int) -> str:
    if status == 401:
        return "GitHub rejected the token (401); check the `github-token` input"
    if status in (403, 404):
        return (
            "the token can't write to this PR (fork PR or missing `pull-requests: write`"
            f" permission; HTTP {status})"
        )
    if status == 422:
        return "GitHub refused the comment body (422)"
    return f"GitHub API error (HTTP {status}) after retries"


# the identity GITHUB_TOKEN posts as; an app token can't ask `GET /user` who it is
ACTIONS_BOT = "github-actions[bot]"


def _posted(issue: Issue) -> list[Posted]:
    return [Posted(id=c.id, body=c.body or "", author=c.user.login if c.user else "") for c in issue.get_comments()]


def _converge(issue: Issue, ctx: CIContext, body: str, created: IssueComment) -> PublishOutcome:
    """Two runs of one PR may each have posted: keep the oldest of ours, delete this run's twin."""
    mine = Posted(id=created.id, body=body, author=created.user.login if created.user else "")
    plan, extra = converge(_posted(issue), ctx.comment_key, ctx.run_id, mine)
    if extra is None:
        return PublishOutcome(comment_url=created.html_url, message=f"posted {created.html_url}")
    created.delete()
    if plan.action == "update" and plan.comment_id is not None:
        comment = issue.get_comment(plan.comment_id)
        comment.edit(body)
        return PublishOutcome(comment_url=comment.html_url,
                              message=f"updated {comment.html_url} (another run of this PR had just posted it)")
    return PublishOutcome(message="comment left alone: a newer run already updated it")
