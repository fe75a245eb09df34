"""Running outside CI: compare with a git ref, publish nothing, print annotations plainly."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from eval_action.platforms.base import CIContext, Level, PublishOutcome
from eval_action.platforms.inputs import ActionInputs, inputs_from_env
from eval_action.render.log import escape_log

DEFAULT_BASE = "origin/HEAD"


class LocalPlatform:
    name = "local"
    comment_limit = 65_536  # render as for GitHub so a local report.md previews the PR comment

    def __init__(
        self,
        env: Mapping[str, str],
        cwd: Path,
        overrides: ActionInputs | None = None,
        out: TextIO | None = None,
    ) -> None:
        self._env = dict(env)
        self._cwd = cwd
        self._overrides = overrides
        self._out = out

    def inputs(self) -> ActionInputs:
        """EVAL_ACTION_* variables (as in GitLab), overridden by CLI flags."""
        given = inputs_from_env(self._env, "EVAL_ACTION_", hyphens=False, source="EVAL_ACTION_* variables")
        return given.merge(self._overrides) if self._overrides else given

    def context(self) -> CIContext:
        inputs = self.inputs()
        return CIContext(
            platform="local",
            base=inputs.base_ref or DEFAULT_BASE,
            head="HEAD",
            comment_key=inputs.comment_key or "local",
            workspace=self._cwd,
        )

    def changed_files(self, ctx: CIContext) -> list[str] | None:
        return None  # git is the only source locally

    def upsert_comment(self, ctx: CIContext, body: str, create: bool = True) -> PublishOutcome:
        return PublishOutcome(
            message="local run: nothing posted; the comment body is report.md in the output dir"
        )

    def write_summary(self, markdown: str) -> None:
        """No job summary outside CI."""

    def set_outputs(self, outputs: dict[str, str]) -> None:
        """No step outputs outside CI: results.json has them."""

    def annotate(self, level: Level, path: str, title: str, message: str) -> None:
        text = " ".join(f"{title}: {message}".split())
        print(escape_log(f"{path}: {level}: {text}"), file=self._out or sys.stderr)

    @contextmanager
    def group(self, title: str) -> Iterator[None]:
        """No folding on a terminal."""
        yield

    def mask(self, secret: str) -> None:
        """Nothing to mask: local output is the user's own terminal."""
