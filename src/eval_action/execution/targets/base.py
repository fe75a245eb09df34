"""What every target is: something that turns rendered messages into an answer."""

from __future__ import annotations

from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from eval_action.model.answer import Answer
from eval_action.model.specs import Message, ToolChoice, ToolSpec


class TargetRequest(BaseModel):
    model_config = ConfigDict(frozen=True)

    messages: list[Message]
    params: dict[str, Any] = Field(default_factory=dict)
    tools: list[ToolSpec] = Field(default_factory=list)
    tool_choice: ToolChoice | None = None
    vars: dict[str, Any] = Field(default_factory=dict)
    case_id: str = ""
    prompt: str = ""  # prompt path
    workdir: str | None = None  # the attempt's workspace, when the provider asks for one
    timeout_s: float | None = None  # the dataset row's own limit

    def time_limit(self, provider_s: float) -> float:
        """The limit of this request's call (each HTTP request, for model targets): the row's, over the
        provider's or run's; every target asks here."""
        return self.timeout_s or provider_s


class Target(Protocol):
    async def complete(self, request: TargetRequest) -> Answer:
        """Answer one request; raise TargetError for infrastructure failures after retries."""
        ...

    def cache_identity(self) -> dict[str, Any] | None:
        """What, besides the request, shapes the answer; None when answers must not be cached."""
        ...
