"""The typed contract between stages: discover -> plan -> run -> compare -> gate -> render -> publish.

Specs (what the user wrote) are loaded once and frozen; results are what a run produced and
what `results.json` serialises. Everyone may import this module; it imports nothing of ours.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_PROMPT_GLOBS = ["**/*.prompt.yaml", "**/*.prompt.md", "**/*.prompt.mdx", "**/*.prompty"]


class _Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# ---------------------------------------------------------------- specs (user input)
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


# ---------------------------------------------------------------- results
class Score(_Spec):
    score: float
    passed: bool
    reason: str
    errored: bool = False  # the scorer itself could not run (grader unreachable, user code raised)


CaseChange = Literal["improved", "regressed", "unchanged", "new", "removed"]


class CaseResult(_Spec):
    id: str
    passed: bool
    error: str | None = None  # infrastructure error: the case is errored, not failed
    scores: dict[str, Score] = Field(default_factory=dict)
    output: str | None = None
    latency_ms: float | None = None
    tokens: int | None = None
    cost_usd: float | None = None
    cached: bool = False
    vars: dict[str, Any] = Field(default_factory=dict)
    expected: Any = None
    repeats: int = 1
    passes: int = 0  # how many of the repeats passed
    flaky: bool = False  # repeats disagreed
    baseline: CaseResult | None = None
    change: CaseChange | None = None

    @property
    def errored(self) -> bool:
        return self.error is not None


PromptStatus = Literal["pass", "fail", "error", "removed"]
BaselineState = Literal["compared", "new", "none", "unavailable", "removed"]


class PromptResult(_Spec):
    path: str
    name: str
    status: PromptStatus
    pass_rate: float | None  # percent of non-errored cases that passed; None when all errored
    baseline_pass_rate: float | None = None
    baseline: BaselineState = "none"
    p_value: float | None = None  # exact McNemar over paired cases
    provider: str = ""
    cases: list[CaseResult] = Field(default_factory=list)
    scorer_means: dict[str, float] = Field(default_factory=dict)
    baseline_scorer_means: dict[str, float] = Field(default_factory=dict)
    thresholds: Thresholds = Field(default_factory=Thresholds)
    gate_failures: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    selected_because: list[str] = Field(default_factory=list)

    @property
    def passed(self) -> int:
        return sum(1 for c in self.cases if c.passed and not c.errored)

    @property
    def failed(self) -> int:
        return sum(1 for c in self.cases if not c.passed and not c.errored)

    @property
    def errored(self) -> int:
        return sum(1 for c in self.cases if c.errored)

    @property
    def regressions(self) -> int:
        return sum(1 for c in self.cases if c.change == "regressed")

    @property
    def flaky(self) -> int:
        return sum(1 for c in self.cases if c.flaky)


class Totals(_Spec):
    cases: int = 0
    passed: int = 0
    failed: int = 0
    errored: int = 0
    regressions: int = 0
    flaky: int = 0


RunStatus = Literal["pass", "fail", "error", "skipped"]
Mode = Literal["informational", "blocking"]


class RunStats(_Spec):
    """Figures for the report footer."""

    duration_s: float = 0
    latency_p50_ms: float | None = None
    latency_p95_ms: float | None = None
    tokens: int | None = None
    cost_usd: float | None = None
    cache_hits: int = 0
    calls: int = 0  # cases answered, from the cache or not (cache_hits of them from the cache)
    models: list[str] = Field(default_factory=list)


class RunReport(_Spec):
    """Everything a renderer or publisher needs; serialised as results.json (version 1)."""

    version: Literal[1] = 1
    status: RunStatus
    mode: Mode
    base: str | None = None
    head: str | None = None
    totals: Totals = Field(default_factory=Totals)
    prompts: list[PromptResult] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    stats: RunStats = Field(default_factory=RunStats)
    run_url: str | None = None
    shard: str | None = None  # "I/N" when this file holds one shard
    incomplete: bool = False  # interrupted: holds only what finished
