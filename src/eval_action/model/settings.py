"""The typed inputs of one run, from CLI flags (and, in CI, the platform's inputs)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from eval_action.model.errors import UserError
from eval_action.model.results import Mode

_SHARD_RE = re.compile(r"^(\d+)/(\d+)$")


class Shard(BaseModel):
    model_config = ConfigDict(frozen=True)

    index: int  # 1-based
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def parse_shard(text: str | None) -> Shard | None:
    if not text:
        return None
    m = _SHARD_RE.match(text.strip())
    if not m or not 1 <= int(m[1]) <= int(m[2]):
        raise UserError(f"shard {text!r} is not I/N with 1 ≤ I ≤ N — use e.g. `--shard 2/4`", "--shard")
    return Shard(index=int(m[1]), count=int(m[2]))


class Settings(BaseModel):
    """Everything `run` needs; the CLI builds it, the pipeline only reads it."""

    model_config = ConfigDict(frozen=True)

    repo_root: Path
    config_path: Path | None = None
    mode: Mode = "blocking"
    base: str | None = None
    base_given: bool = False  # named by the user (--base): a typo is an error, not "run everything"
    head: str = "HEAD"
    run_all: bool = False
    prompt_globs: list[str] = Field(default_factory=list)
    baseline: str = "base"  # "base", "none", or a results.json path
    output_dir: Path = Path("eval-results")
    concurrency: int | None = Field(default=None, ge=1)
    repeats: int | None = Field(default=None, ge=1)
    min_pass_rate: float | None = Field(default=None, ge=0, le=100)
    use_cache: bool = True
    dry_run: bool = False
    shard: Shard | None = None
    max_rps: float | None = Field(default=None, gt=0)
    allow_untrusted_code: bool = True  # False on pull_request_target unless the user opts in
    gate: str | None = None  # the named gate profile asked for (--gate, input `gate`)
    # The job's token for GitHub Models (`github` providers): CI tokens leave the environment user code
    # sees, so the one model target that needs it gets it here.
    github_token: SecretStr | None = None
    gate_default: str = "pr"  # used when it exists: `pr` on pull/merge requests and locally, `main` on pushes
    working_tree: bool = False  # a local run of HEAD: uncommitted changes are selected (and run)
    named_by: Literal["flags", "inputs"] = "flags"  # how hints name options: `--base REF` or `base-ref`

    def option(self, flag: str, input_name: str) -> str:
        """An option as this run's user sets it: a command-line flag, or the Action/component input."""
        return f"the `{input_name}` input" if self.named_by == "inputs" else f"`{flag}`"

    @field_validator("baseline")
    @classmethod
    def _baseline(cls, v: str) -> str:
        return v.strip() or "base"
