"""What a run produced: the typed results that results.json serialises."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field

from eval_action.model.specs import Thresholds, _Spec


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


@dataclass
class Collected:
    """Cases as they finish, so an interrupted run still reports what it did."""

    head: dict[str, list[CaseResult]]
    base: dict[str, list[CaseResult]]
