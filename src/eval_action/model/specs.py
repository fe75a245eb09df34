"""The typed contract between stages: discover -> plan -> run -> compare -> gate -> render -> publish.

Specs (what the user wrote) are loaded once and frozen; results are what a run produced and
what `results.json` serialises. Everyone may import this module; it imports nothing of ours.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from eval_action.model.answer import ToolCall

DEFAULT_PROMPT_GLOBS = ["**/*.prompt.yaml", "**/*.prompt.yml", "**/*.prompt.md", "**/*.prompt.mdx", "**/*.prompty"]


class _Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Message(_Spec):
    """A turn. A prompt's own turns are templates; a case's `messages:` may add assistant turns
    with `tool_calls` (OpenAI's wire form) and `tool` turns answering them by `tool_call_id`."""

    role: Literal["system", "user", "assistant", "tool"]
    content: str = ""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    tool_call_id: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _wire_form(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if "content" in data and data["content"] is None:
            data["content"] = ""  # the wire form's assistant turn that only calls tools
        calls = data.get("tool_calls")
        if isinstance(calls, list):
            data["tool_calls"] = [_wire_call(c) for c in calls]
        return data

    def as_dict(self) -> dict[str, Any]:
        """OpenAI's wire form; plain turns stay `{role, content}` so requests and cache keys don't move."""
        turn: dict[str, Any] = {"role": self.role, "content": self.content}
        if self.tool_calls:
            turn["content"] = self.content or None  # the documented form of a turn that only calls tools
            turn["tool_calls"] = [{"id": c.id or f"call_{i}", "type": "function",
                                   "function": {"name": c.name, "arguments": c.arguments_json()}}
                                  for i, c in enumerate(self.tool_calls)]
        if self.tool_call_id is not None:
            turn["tool_call_id"] = self.tool_call_id
        return turn


def _wire_call(call: Any) -> Any:
    """`{id, type: function, function: {name, arguments: "<json>"}}` -> ToolCall; other forms as given."""
    if isinstance(call, dict) and isinstance(call.get("function"), dict) and set(call) <= {"id", "type", "function"}:
        fn = call["function"]
        if isinstance(fn.get("name"), str):
            return ToolCall.from_json_arguments(fn["name"], fn.get("arguments", "{}"), call.get("id"))
    return call


class ToolSpec(_Spec):
    """A function the model may call. OpenAI's `{type: function, function: {...}}` form and the
    short `{name, description, parameters}` form load the same."""

    name: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    description: str = ""
    parameters: dict[str, Any] = Field(default_factory=lambda: {"type": "object", "properties": {}})
    strict: bool | None = None

    @model_validator(mode="before")
    @classmethod
    def _unwrap(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("type") == "function" and isinstance(data.get("function"), dict):
            extra = set(data) - {"type", "function"}
            return data["function"] if not extra else data  # leftover keys fail as unknown keys
        return data


class ToolChoice(_Spec):
    """`auto`, `none`, `required`, or one tool by name (`{type: function, function: {name}}` or `{name}`)."""

    mode: Literal["auto", "none", "required", "tool"]
    name: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _forms(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"mode": data}
        if isinstance(data, dict) and data.get("type") == "function" and isinstance(data.get("function"), dict):
            return {"mode": "tool", "name": data["function"].get("name")}
        if isinstance(data, dict) and "mode" not in data and set(data) == {"name"}:
            return {"mode": "tool", "name": data["name"]}
        return data


DEFAULT_KEY_VARIABLES = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY", "github": "GITHUB_TOKEN",
                         "huggingface": "HF_TOKEN"}
MODEL_TYPES = ("openai", "anthropic", "github", "huggingface")  # providers named by their model


class WorkdirCopy(_Spec):
    source: str = Field(alias="copy")  # a folder of the repository, copied as every attempt's workspace


class ProviderSpec(_Spec):
    """A target: a model API, the user's Python function, or a command; or (`huggingface`) a
    text-classification model a `classifier` scorer asks."""

    type: Literal["openai", "anthropic", "github", "huggingface", "python", "command"]
    model: str | None = None
    base_url: str | None = None
    api_key_env: str | None = None
    api_key_header: str | None = None  # send the key as this header's value (Azure: `api-key`), not a Bearer
    api_version: str | None = None  # sent as the `api-version` query parameter (Azure's deployments API)
    headers: dict[str, str] = Field(default_factory=dict)  # extra request headers; `${env:NAME}` reads a variable
    function: str | None = None  # python: "module:func" or "path/file.py:func"
    command: list[str] | None = None  # command: argv
    python: str | None = None  # python: the interpreter of its worker (default `python3` on PATH)
    workdir: Literal["fresh"] | WorkdirCopy | None = None  # python/command: a new folder per attempt
    params: dict[str, Any] = Field(default_factory=dict)  # merged under the prompt's params
    timeout_s: float | None = None

    @property
    def default_key_variable(self) -> str | None:
        """The variable the key is read from when `api_key_env` names none."""
        return DEFAULT_KEY_VARIABLES.get(self.type)

    @property
    def key_variable(self) -> str | None:
        return self.api_key_env or self.default_key_variable

    def label(self) -> str:
        if self.type in MODEL_TYPES:
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


def flat_scorers(scorers: list[ScorerSpec]) -> list[ScorerSpec]:
    """Every scorer with the members of each `assert-set` (they read files and run code too);
    a malformed member is left to `validate` to report."""
    out: list[ScorerSpec] = []
    for spec in scorers:
        out.append(spec)
        items = spec.options.get("assert") if spec.type.removeprefix("not-") == "assert-set" else None
        for item in items if isinstance(items, list) else []:
            try:
                out += flat_scorers([ScorerSpec(**item, line=spec.line)])
            except (TypeError, ValueError):  # pydantic's ValidationError is a ValueError
                continue
    return out


class Case(_Spec):
    id: str
    vars: dict[str, Any] = Field(default_factory=dict)
    expected: Any = None
    messages: list[Message] = Field(default_factory=list)  # appended after the prompt's own
    scorers: list[ScorerSpec] = Field(default_factory=list)  # the row's `assert:`, added to the prompt's
    timeout_s: float | None = Field(default=None, gt=0)
    # promptfoo's per-test `threshold`: this case passes when its weighted mean score reaches it (it
    # wins over the prompt's `evals.threshold`)
    threshold: float | None = Field(default=None, ge=0, le=1)
    source: str | None = None  # "path:line" the case came from, for error messages


class Trigger(_Spec):
    when: str
    run: str


# ---------------------------------------------------------------- gates beyond pass/fail
_CHANGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|%)?\s*$")


class _Documented(_Spec):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class Change(_Documented):
    """An allowed rise: an amount in the figure's own unit, or a percentage of the baseline's figure."""

    amount: float = Field(ge=0)
    """The allowed rise: milliseconds, USD or tokens, or percent when `percent`."""
    percent: bool = False
    """`amount` is a percentage of the baseline's figure."""

    @model_validator(mode="before")
    @classmethod
    def _parse(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("a number, `200ms`, `1.5s` or `15%`")
        if isinstance(value, int | float):
            return {"amount": value}
        if isinstance(value, str):
            m = _CHANGE.match(value)
            if not m:
                raise ValueError(f"`{value}` is not a number, `200ms`, `1.5s` or `15%`")
            amount, unit = float(m.group(1)), m.group(2)
            return {"amount": amount * 1000 if unit == "s" else amount, "percent": unit == "%"}
        return value

    def text(self, unit: str) -> str:
        return f"{self.amount:g}%" if self.percent else f"{self.amount:g}{unit}"


class MetricGate(_Documented):
    """A ceiling on a figure of the run (`max_value`) and on its rise over the baseline (`max_increase`)."""

    max_value: float | None = Field(default=None, ge=0)
    """The ceiling: milliseconds (`3s` and `200ms` read too), USD or tokens."""
    max_increase: Change | None = None
    """The allowed rise over the baseline: `200ms`, `15%`, or an amount."""
    min_samples: int = Field(default=5, ge=1)
    """Latency only: with fewer uncached answers the gate is not judged (and says so)."""

    @field_validator("max_value", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> Any:
        if isinstance(value, str):
            change = Change.model_validate(value)
            if change.percent:
                raise ValueError("a ceiling is a value (`3000ms`, `3s`, `0.01`), not a percentage")
            return change.amount
        return value


class PassRateGate(_Documented):
    min: float | None = Field(default=None, ge=0, le=100)
    """Percent of cases that must pass; stands for `min_pass_rate`."""
    max_decrease: float | None = Field(default=None, ge=0, le=100)
    """Points the pass rate may fall below the baseline's (replaces the per-case regression gate)."""
    confidence: float | None = Field(default=None, gt=0, lt=1)
    """Fail on a larger fall only when the exact McNemar test is significant at this level."""


class ScoreGate(_Documented):
    min: float | None = Field(default=None, ge=0, le=1)
    """The lowest allowed mean score."""
    max_decrease: float | None = Field(default=None, ge=0, le=1)
    """How far the mean may fall below the baseline's."""


class FailureRateGate(_Documented):
    """Evaligo's `hallucination_rate`: the share of cases that fail any of the named scorers."""

    scorers: list[str] = Field(min_length=1)
    """Scorer names (or types) whose failure counts."""
    max_rate: float = Field(ge=0, le=1)
    """The highest allowed share of cases failing any of them."""


class Gates(_Documented):
    latency_p50: MetricGate | None = None
    """Median latency of uncached answers, in ms."""
    latency_p95: MetricGate | None = None
    """95th percentile latency, in ms."""
    latency_p99: MetricGate | None = None
    """99th percentile latency, in ms."""
    cost_per_case: MetricGate | None = None
    """Mean cost of a case, in USD."""
    tokens_per_case: MetricGate | None = None
    """Mean tokens of a case."""
    pass_rate: PassRateGate | None = None
    """The pass rate, and its fall against the baseline."""
    scores: dict[str, ScoreGate] = Field(default_factory=dict)
    """Scorer name -> limits on its mean."""
    failure_rates: dict[str, FailureRateGate] = Field(default_factory=dict)
    """Named failure rates (e.g. `hallucination`) over chosen scorers."""

    def over(self, under: Gates) -> Gates:
        """These gates, key by key, over `under` (a prompt's over the profile's over the defaults')."""
        merged = under.model_dump(exclude_unset=True) | self.model_dump(exclude_unset=True)
        merged["scores"] = {**under.scores, **self.scores}
        merged["failure_rates"] = {**under.failure_rates, **self.failure_rates}
        return Gates.model_validate(merged)


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
    gates: Gates = Field(default_factory=Gates)


class CacheSpec(_Spec):
    dir: str = ".eval-cache"


class Price(_Spec):
    input_per_mtok: float = 0
    output_per_mtok: float = 0
    cache_read_per_mtok: float | None = None  # prompt-cache reads (Anthropic); default: the input price
    cache_write_per_mtok: float | None = None  # prompt-cache writes; default: the input price


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
    gates: dict[str, Gates] = Field(default_factory=dict)  # named profiles: `pr`, `main`, …
    # variables `api_key_env` may name besides each provider's default: a prompt must not be able to
    # send any variable of the job (a deploy key) as a bearer token
    secrets: list[str] = Field(default_factory=list)


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
    gates: Gates = Field(default_factory=Gates)
    profile: str | None = None  # the named gate profile in force


class PromptSpec(_Spec):
    """One prompt file, loaded: templates unrendered, cases materialised."""

    path: str  # repository-relative, POSIX separators
    name: str
    kind: Literal["yaml", "md", "mdx", "prompty", "github"]
    provider_name: str | None = None  # the config entry used, None when inline
    provider: ProviderSpec
    params: dict[str, Any] = Field(default_factory=dict)
    messages: list[Message]  # Jinja2 sources (mdx `{props.x}` already converted)
    # the file line where each message's text starts, for template errors (not part of the results)
    message_lines: list[int | None] = Field(default_factory=list, exclude=True)
    tools: list[ToolSpec] = Field(default_factory=list)
    tool_choice: ToolChoice | None = None
    cases: list[Case]
    scorers: list[ScorerSpec]
    min_pass_rate: float | None = None
    regression_tolerance: float | None = None
    regression_confidence: float | None = None
    repeats: int | None = None
    score_thresholds: dict[str, float] = Field(default_factory=dict)
    gates: Gates = Field(default_factory=Gates)
    dependencies: list[Dependency] = Field(default_factory=list)
    # promptfoo's test-level threshold: a case passes when its scorers' weighted mean score reaches it,
    # instead of when every scorer passes.
    threshold: float | None = None



@dataclass(frozen=True)
class NotAnEval:
    """A prompt file of a known kind with no eval block (an editor's prompt, a plain Prompty file):
    listed, never run, never counted as a pass."""

    path: str
    reason: str = "not an eval (no cases)"


@dataclass(frozen=True)
class PromptJob:
    """One prompt of one revision, ready to run."""

    spec: PromptSpec
    repo_root: Path  # root and config of the revision the spec came from
    config: Config
