"""The typed contract between stages: discover -> plan -> run -> compare -> gate -> render -> publish.

Specs (what the user wrote) are loaded once and frozen; results are what a run produced and
what `results.json` serialises. Everyone may import this module; it imports nothing of ours.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_PROMPT_GLOBS = ["**/*.prompt.yaml", "**/*.prompt.md", "**/*.prompt.mdx", "**/*.prompty"]


class _Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Message(_Spec):
    role: Literal["system", "user", "assistant"]
    content: str


class ProviderSpec(_Spec):
    """A target: a model API, the user's Python function, or a command."""

    type: Literal["openai", "anthropic", "python", "command"]
    model: str | None = None
    base_url: str | None = None
    api_key_env: str | None = None
    function: str | None = None  # python: "module:func" or "path/file.py:func"
    command: list[str] | None = None  # command: argv
    params: dict[str, Any] = Field(default_factory=dict)  # merged under the prompt's params
    timeout_s: float | None = None

    def label(self) -> str:
        if self.type in ("openai", "anthropic"):
            return f"{self.type}:{self.model}"
        if self.type == "python":
            return f"python:{self.function}"
        return "command:" + " ".join(self.command or [])


class ScorerSpec(BaseModel):
    """One assertion. Options beyond the common ones are type-specific (kept as extras)."""

    model_config = ConfigDict(frozen=True, extra="allow")

    type: str
    value: Any = None
    threshold: float | None = None
    weight: float = 1.0
    name: str | None = None
    provider: str | ProviderSpec | None = None  # grader / embedding provider
    line: int | None = Field(default=None, exclude=True)  # where it stands in the prompt file

    @property
    def label(self) -> str:
        return self.name or self.type

    @property
    def options(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class Case(_Spec):
    id: str
    vars: dict[str, Any] = Field(default_factory=dict)
    expected: Any = None
    source: str | None = None  # "path:line" the case came from, for error messages


class Trigger(_Spec):
    when: str
    run: str


class Defaults(_Spec):
    concurrency: int = Field(default=8, ge=1)
    timeout_s: float = Field(default=60, gt=0)
    retries: int = Field(default=4, ge=0)
    repeats: int = Field(default=1, ge=1)
    min_pass_rate: float = Field(default=100, ge=0, le=100)
    regression_tolerance: float = Field(default=0.05, ge=0, le=1)
    regression_confidence: float | None = Field(default=None, gt=0, lt=1)
    grader: str | ProviderSpec | None = None
    max_rps: float | None = Field(default=None, gt=0)


class CacheSpec(_Spec):
    dir: str = ".eval-cache"


class Price(_Spec):
    input_per_mtok: float = 0
    output_per_mtok: float = 0


def _default_providers() -> dict[str, ProviderSpec]:
    return {"default": ProviderSpec(type="openai", model="gpt-4o-mini")}


class Config(_Spec):
    """`eval-action.yaml`; every key has a default."""

    prompts: list[str] = Field(default_factory=lambda: list(DEFAULT_PROMPT_GLOBS))
    providers: dict[str, ProviderSpec] = Field(default_factory=_default_providers)
    triggers: list[Trigger] = Field(default_factory=list)
    defaults: Defaults = Field(default_factory=Defaults)
    cache: CacheSpec = Field(default_factory=CacheSpec)
    pricing: dict[str, Price] = Field(default_factory=dict)


class Dependency(_Spec):
    """A repository file (or folder, ending in '/') whose change must re-run the prompt."""

    path: str
    kind: Literal["dataset", "scorer", "schema", "include", "target", "file"]


class Thresholds(_Spec):
    """The gate settings in force for one prompt, after prompt > CLI > config defaults."""

    min_pass_rate: float = 100
    regression_tolerance: float = 0.05
    regression_confidence: float | None = None
    score_thresholds: dict[str, float] = Field(default_factory=dict)


class PromptSpec(_Spec):
    """One prompt file, loaded: templates unrendered, cases materialised."""

    path: str  # repository-relative, POSIX separators
    name: str
    kind: Literal["yaml", "md", "mdx", "prompty"]
    provider_name: str | None = None  # the config entry used, None when inline
    provider: ProviderSpec
    params: dict[str, Any] = Field(default_factory=dict)
    messages: list[Message]  # Jinja2 sources (mdx `{props.x}` already converted)
    cases: list[Case]
    scorers: list[ScorerSpec]
    min_pass_rate: float | None = None
    regression_tolerance: float | None = None
    regression_confidence: float | None = None
    repeats: int | None = None
    score_thresholds: dict[str, float] = Field(default_factory=dict)
    dependencies: list[Dependency] = Field(default_factory=list)




@dataclass(frozen=True)
class PromptJob:
    """One prompt of one revision, ready to run."""

    spec: PromptSpec
    repo_root: Path  # root and config of the revision the spec came from
    config: Config
