"""The scorer contract: a small async function registered by name."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from eval_action.execution.usercode.pool import UserCode
from eval_action.model.answer import ToolCall, TraceStep
from eval_action.model.results import Score
from eval_action.model.specs import Message, ProviderSpec, ScorerSpec, ToolSpec


class Grader(Protocol):
    """Model calls a scorer may make; the runner supplies it with its concurrency, retries and cache."""

    async def complete(self, provider: str | ProviderSpec | None, messages: list[Message]) -> str: ...

    async def embed(self, provider: str | ProviderSpec | None, texts: list[str]) -> list[list[float]]: ...

    async def moderate(self, provider: str | ProviderSpec | None, text: str) -> list[str]:
        """The categories a moderation endpoint flags in `text`."""
        ...

    async def classify(self, provider: str | ProviderSpec | None, text: str) -> dict[str, float]:
        """Each label's score from a text-classification model."""
        ...


@dataclass(frozen=True)
class ScoreContext:
    output: str
    vars: dict[str, Any]
    expected: Any
    case_id: str
    prompt: str  # prompt path, repository-relative
    prompt_dir: Path  # absolute folder of the prompt file: scorer files resolve from here
    repo_root: Path
    grader: Grader
    latency_ms: float | None = None
    tokens: int | None = None
    cost_usd: float | None = None
    messages: list[Message] = field(default_factory=list)
    cached: bool = False  # the answer came from the cache: latency/cost/tokens are the recorded ones
    tool_calls: list[ToolCall] = field(default_factory=list)
    trace: list[TraceStep] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    tools: list[ToolSpec] = field(default_factory=list)  # what the prompt declared
    usercode: UserCode | None = None  # python scorers run in the run's workers
    python: str | None = None  # the prompt's provider's `python:`: its scorers share the agent's interpreter
    workdir: Path | None = None  # the attempt's workspace (`workdir:` on the provider)
    logprobs: list[float] | None = None  # the answer's token log probabilities, when the API gave them


ScorerFn = Callable[[ScorerSpec, ScoreContext], Awaitable[Score]]
Validator = Callable[[ScorerSpec, Path, Path], list[str]]  # (spec, prompt_dir, repo_root) -> problems


# provider types by what they serve a scorer (OpenAI-compatible: the endpoints with /embeddings, /moderations)
OPENAI_COMPATIBLE = frozenset({"openai", "github"})
CLASSIFIERS = frozenset({"huggingface"})
ANSWERING = frozenset({"openai", "github", "anthropic", "python", "command"})


class ScorerError(Exception):
    """The scorer could not judge this case; its message becomes the errored score's reason."""


@dataclass(frozen=True)
class ScorerDef:
    """A registered scorer: the async function, its static checks, whether `not-` may invert it, and
    the keys it reads beyond the common ones (any other key is a mistake `validate` reports), and
    whether it calls a grader model, and how many times per scored answer."""

    fn: ScorerFn
    validate: Validator | None = None
    invertible: bool = True
    options: frozenset[str] = frozenset()
    inverse: ScorerFn | None = None  # a `not-` form that is more than the negation (promptfoo's own)
    graded: bool = False
    grader_calls: int = 1  # when graded: g-eval writes its steps, then rates
    serves: frozenset[str] = ANSWERING  # when graded: the types its `provider:` (or the grader) may be
    grader_serves: frozenset[str] | None = None  # the types the grader must be, whatever `provider:` says
