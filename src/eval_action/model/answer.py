"""What a target answered: one shape for model APIs, Python agents and commands alike.

Scorers read `output` (text, may be empty), `tool_calls` and `trace`; results.json keeps all of
it per case. Parsing a provider's body into an Answer is the target's job; this module only
says what an answer is and how a tool call's JSON arguments are read.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ToolCall(BaseModel):
    """One call the model or agent made. `arguments` is parsed JSON; text that isn't JSON stays
    as it came, with `invalid_arguments` set, so a scorer can fail it instead of a crash."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    id: str | None = None
    """The call's id, when the provider or agent gave one (tool turns answer it by this id)."""
    name: str
    """The tool called."""
    arguments: Any = None
    """Parsed from JSON; the text as it came when it isn't JSON."""
    invalid_arguments: bool = False
    """The arguments were not valid JSON."""

    @classmethod
    def from_json_arguments(cls, name: str, arguments: Any, id: str | None = None) -> ToolCall:
        if not isinstance(arguments, str):
            return cls(id=id, name=name, arguments=arguments)
        if not arguments.strip():  # some servers send "" for a call without parameters
            return cls(id=id, name=name, arguments={})
        try:
            return cls(id=id, name=name, arguments=json.loads(arguments))
        except ValueError:
            return cls(id=id, name=name, arguments=arguments, invalid_arguments=True)

    def arguments_json(self) -> str:
        """The arguments as the OpenAI wire form carries them: a JSON string."""
        if self.invalid_arguments and isinstance(self.arguments, str):
            return self.arguments
        return json.dumps(self.arguments if self.arguments is not None else {}, ensure_ascii=False)


class TraceStep(BaseModel):
    """One step of an agent's run, as the agent reported it (extra keys are kept)."""

    model_config = ConfigDict(frozen=True, extra="allow", use_attribute_docstrings=True)

    type: str
    """`message`, `tool_call`, `tool_result`, or the agent's own kind of step."""
    name: str | None = None
    """The tool (or step) name."""
    input: Any = None
    """What the step was given, e.g. a tool's arguments."""
    output: Any = None
    """What the step produced."""
    duration_ms: float | None = None
    """How long the step took, when the agent measured it."""


class Answer(BaseModel):
    model_config = ConfigDict(frozen=True)

    output: str
    tool_calls: list[ToolCall] = Field(default_factory=list)
    trace: list[TraceStep] = Field(default_factory=list)
    metadata: dict[str, Any] = Field(default_factory=dict)
    input_tokens: int | None = None
    output_tokens: int | None = None
    # Anthropic counts prompt-cache reads and writes apart from `input_tokens`: a 2,051-token request
    # served from the prompt cache reports input_tokens=4
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cost_usd: float | None = None  # when the target reports it (python/command may)
    logprobs: list[float] | None = None  # each output token's log probability, when the API gave them
    latency_ms: float = 0
    cached: bool = False

    @property
    def tokens(self) -> int | None:
        if self.input_tokens is None and self.output_tokens is None:
            return None
        return (self.input_tokens or 0) + self.cache_read_tokens + self.cache_write_tokens + (self.output_tokens or 0)
