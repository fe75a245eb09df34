"""What every target is: something that turns rendered messages into an answer."""

from __future__ import annotations

from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from eval_action.model.specs import Message


class TargetRequest(BaseModel):
    model_config = ConfigDict(frozen=True)

    messages: list[Message]
    params: dict[str, Any] = Field(default_factory=dict)
    vars: dict[str, Any] = Field(default_factory=dict)
    case_id: str = ""
    prompt: str = ""  # prompt path


class TargetResponse(BaseModel):
    model_config = ConfigDict(frozen=True)

    output: str
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost_usd: float | None = None  # when the target reports it (python/command may)
    latency_ms: float = 0
    cached: bool = False

    @property
    def tokens(self) -> int | None:
        if self.input_tokens is None and self.output_tokens is None:
            return None
        return (self.input_tokens or 0) + (self.output_tokens or 0)


class Target(Protocol):
    async def complete(self, request: TargetRequest) -> TargetResponse:
        """Answer one request; raise TargetError for infrastructure failures after retries."""
        ...

    def cache_identity(self) -> dict[str, Any] | None:
        """What, besides the request, shapes the answer; None when answers must not be cached."""
        ...
