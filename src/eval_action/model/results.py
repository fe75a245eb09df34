"""What a run produced: the typed results that results.json serialises."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import ConfigDict, Field

from eval_action.model.answer import ToolCall, TraceStep
from eval_action.model.specs import Thresholds, _Spec


class _Result(_Spec):
    # field docstrings become the descriptions of docs/results.schema.json
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class Score(_Result):
    score: float
    """In [0, 1]."""
    passed: bool
    """The scorer's verdict (score against its threshold, or its own rule)."""
    reason: str
    """One line saying why."""
    errored: bool = False
    """The scorer itself could not run (grader unreachable, user code raised)."""


CaseChange = Literal["improved", "regressed", "unchanged", "new", "removed"]


class CaseResult(_Result):
    id: str
    """The dataset row's `id`, else a stable hash of its vars: base and head cases pair by it."""
    passed: bool
    """Every scorer passed (by majority over repeats)."""
    error: str | None = None
    """Infrastructure error: the case is errored, not failed."""
    scores: dict[str, Score] = Field(default_factory=dict)
    """Scorer label -> its score."""
    output: str | None = None
    """The answer's text, redacted and possibly shortened."""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    """The calls the model or agent made, arguments parsed from JSON (raw and flagged when not JSON)."""
    trace: list[TraceStep] = Field(default_factory=list)
    """The steps an agent reported, as it reported them."""
    metadata: dict[str, Any] = Field(default_factory=dict)
    """What the target said about the answer: finish/stop reason, refusal, the agent's own keys."""
    latency_ms: float | None = None
    """Time of the call(s) that produced the answer."""
    tokens: int | None = None
    """Tokens the target reported."""
    cost_usd: float | None = None
    """From the pricing table, when the model is in it."""
    cached: bool = False
    """Answered from the response cache."""
    vars: dict[str, Any] = Field(default_factory=dict)
    """The case's template variables."""
    expected: Any = None
    """The case's `expected` value."""
    repeats: int = 1
    """How many times the case ran."""
    passes: int = 0
    """How many of the repeats passed."""
    flaky: bool = False
    """Repeats disagreed."""
    calls: int = 0
    """Requests this case needed: every repeat's target call and its grader calls."""
    cache_hits: int = 0
    """How many of those calls the response cache answered."""
    grader_calls: int = 0
    """Of `calls`, those made to graders (model-graded and embedding scorers)."""
    grader_tokens: int | None = None
    """Tokens the graders used for this case (not in `tokens`, which is the target's)."""
    grader_cost_usd: float | None = None
    """What the graders cost for this case (not in `cost_usd`)."""
    baseline: CaseResult | None = None
    """The same case run at the base revision."""
    change: CaseChange | None = None
    """Versus the baseline."""

    @property
    def errored(self) -> bool:
        return self.error is not None


class Metrics(_Result):
    """Per-prompt figures the latency, cost and token gates read."""

    latency_p50_ms: float | None = None
    """Median latency over answers that came from the target, not the cache."""
    latency_p95_ms: float | None = None
    """95th percentile latency, likewise."""
    latency_p99_ms: float | None = None
    """99th percentile latency, likewise."""
    latency_samples: int = 0
    """How many answers the latency figures rest on."""
    cached: int = 0
    """Answers from the cache, left out of the latency figures."""
    cost_per_case: float | None = None
    """Mean cost of a case in USD, over the cases that have a price."""
    tokens_per_case: float | None = None
    """Mean tokens of a case, over the cases that report tokens."""


PromptStatus = Literal["pass", "fail", "error", "removed"]
BaselineState = Literal["compared", "new", "none", "unavailable", "removed"]


class PromptResult(_Result):
    path: str
    """Repository-relative path of the prompt file."""
    name: str
    """The prompt's `name`."""
    status: PromptStatus
    """Its gate verdict."""
    pass_rate: float | None
    """Percent of non-errored cases that passed; null when all errored."""
    baseline_pass_rate: float | None = None
    """The same at the base revision."""
    baseline: BaselineState = "none"
    """Whether and how a baseline was computed."""
    p_value: float | None = None
    """Exact McNemar test over the paired cases."""
    provider: str = ""
    """The target, as `type:model`."""
    cases: list[CaseResult] = Field(default_factory=list)
    """One entry per dataset case."""
    scorer_means: dict[str, float] = Field(default_factory=dict)
    """Scorer label -> mean score."""
    baseline_scorer_means: dict[str, float] = Field(default_factory=dict)
    """The same at the base revision."""
    thresholds: Thresholds = Field(default_factory=Thresholds)
    """The gates that applied."""
    metrics: Metrics = Field(default_factory=Metrics)
    """Latency, cost and token figures of the head's cases."""
    baseline_metrics: Metrics | None = None
    """The same for the baseline's cases, when there is a baseline."""
    gate_failures: list[str] = Field(default_factory=list)
    """One line per failed gate."""
    notes: list[str] = Field(default_factory=list)
    """Things the reader should know (a baseline that could not run…)."""
    selected_because: list[str] = Field(default_factory=list)
    """Why the change selected this prompt."""

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


class Totals(_Result):
    cases: int = 0
    """Cases across all prompts."""
    passed: int = 0
    """Passed cases."""
    failed: int = 0
    """Failed cases (quality, not infrastructure)."""
    errored: int = 0
    """Cases that hit an infrastructure error."""
    regressions: int = 0
    """Cases that passed at the base and fail now."""
    flaky: int = 0
    """Cases whose repeats disagreed."""


RunStatus = Literal["pass", "fail", "error", "skipped"]
Mode = Literal["informational", "blocking"]


class RunStats(_Result):
    """Figures for the report footer."""

    duration_s: float = 0
    """Wall time of the run."""
    latency_p50_ms: float | None = None
    """Median latency of answered cases."""
    latency_p95_ms: float | None = None
    """95th percentile latency."""
    tokens: int | None = None
    """Tokens over the run."""
    cost_usd: float | None = None
    """Cost over the run, where priced."""
    cache_hits: int = 0
    """Calls the response cache answered."""
    calls: int = 0
    """Target and grader calls, every repeat's, from the cache or not."""
    grader_calls: int = 0
    """Of `calls`, those made to graders."""
    grader_tokens: int | None = None
    """Tokens the graders used (not in `tokens`)."""
    grader_cost_usd: float | None = None
    """What the graders cost (not in `cost_usd`)."""
    models: list[str] = Field(default_factory=list)
    """Models the targets named."""


class RunReport(_Result):
    """Everything a renderer or publisher needs; serialised as results.json (version 1)."""

    version: Literal[1] = 1
    """The format's major version: 1."""
    status: RunStatus
    """The run's verdict."""
    mode: Mode
    """`blocking` fails the job on a failed gate."""
    base: str | None = None
    """The commit the baseline ran at (the merge base when known)."""
    head: str | None = None
    """The commit judged."""
    totals: Totals = Field(default_factory=Totals)
    """Counts over every prompt."""
    prompts: list[PromptResult] = Field(default_factory=list)
    """One entry per evaluated or removed prompt."""
    notes: list[str] = Field(default_factory=list)
    """Run-level notes."""
    stats: RunStats = Field(default_factory=RunStats)
    """Figures for the footer."""
    run_url: str | None = None
    """The CI run."""
    shard: str | None = None
    """`I/N` when this file holds one shard."""
    incomplete: bool = False
    """Interrupted: holds only what finished."""


@dataclass
class Collected:
    """Cases as they finish, so an interrupted run still reports what it did."""

    head: dict[str, list[CaseResult]]
    base: dict[str, list[CaseResult]]
