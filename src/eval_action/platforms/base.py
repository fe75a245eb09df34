"""What the core asks of a CI platform. Adapters know nothing about scoring."""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict

from eval_action.platforms.inputs import ActionInputs


class CIContext(BaseModel):
    """Where and why this run happens, read once from the platform's environment."""

    model_config = ConfigDict(frozen=True)

    platform: Literal["github", "gitlab", "local"]
    event: str = "local"  # pull_request, pull_request_target, push, merge_request_event, ...
    base: str | None = None  # SHA/ref to compare against; None = no change detection possible
    head: str | None = None
    change_request: int | None = None  # PR number / MR iid: where the comment goes
    run_all: bool = False  # schedule, workflow_dispatch, plain default-branch pipelines
    comment_key: str = "default"
    run_id: int | None = None  # monotonic per repository: a lower id never overwrites a higher
    run_url: str | None = None
    workspace: Path = Path(".")
    untrusted_head: bool = False  # pull_request_target: the checked-out code is the PR author's
    is_fork: bool = False


Level = Literal["error", "warning", "notice"]


class PublishOutcome(BaseModel):
    model_config = ConfigDict(frozen=True)

    comment_url: str | None = None
    message: str = ""  # one line for the log: what was done, or why nothing was posted


class Platform(Protocol):
    name: str
    comment_limit: int  # characters the platform accepts in one comment

    def inputs(self) -> ActionInputs:
        """The tool's inputs as this platform passes them (CLI overrides already merged)."""
        ...

    def context(self) -> CIContext: ...

    def changed_files(self, ctx: CIContext) -> list[str] | None:
        """The change's file list from the platform API, when git history can't be had."""
        ...

    def upsert_comment(self, ctx: CIContext, body: str, create: bool = True) -> PublishOutcome:
        """Create (unless `create` is False) or edit the one sticky comment; never raise for
        permission or API failures."""
        ...

    def write_summary(self, markdown: str) -> None: ...

    def set_outputs(self, outputs: dict[str, str]) -> None: ...

    def annotate(self, level: Level, path: str, title: str, message: str) -> None: ...

    def mask(self, secret: str) -> None: ...

    def group(self, title: str) -> AbstractContextManager[None]:
        """Fold the log lines printed inside into one collapsible section of the job log."""
        ...
