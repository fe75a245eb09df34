"""Anthropic's Messages API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from eval_action.execution.targets.anthropic_wire import parse_message, tools_payload, turns
from eval_action.execution.targets.auth import api_key, base_url, header_values
from eval_action.execution.targets.base import TargetRequest
from eval_action.execution.targets.http import HttpPool
from eval_action.model.answer import Answer
from eval_action.model.specs import ProviderSpec

DEFAULT_BASE_URL = "https://api.anthropic.com"
API_VERSION = "2023-06-01"
DEFAULT_MAX_TOKENS = 1024


class AnthropicTarget:
    def __init__(self, spec: ProviderSpec, *, env: Mapping[str, str], http: HttpPool,
                 timeout_s: float) -> None:
        self.spec = spec
        self.model = spec.model or "claude-haiku-4-5"
        self.base_url, self._url_origin = base_url(spec.base_url, env, "ANTHROPIC_BASE_URL", DEFAULT_BASE_URL)
        self._key = api_key(env, spec.key_variable or "", self.base_url, spec.label())
        self._extra_headers, self._header_secrets = header_values(spec.headers, env, spec.label())
        self._http = http
        self._timeout_s = timeout_s

    def cache_identity(self) -> dict[str, Any] | None:
        identity: dict[str, Any] = {"type": "anthropic", "model": self.model, "base_url": self.base_url,
                                    "params": self.spec.params}
        if self.spec.headers:
            identity["headers"] = self.spec.headers
        return identity

    async def complete(self, request: TargetRequest) -> Answer:
        system = "\n\n".join(m.content for m in request.messages if m.role == "system")
        payload: dict[str, Any] = {"max_tokens": DEFAULT_MAX_TOKENS, **self.spec.params, **request.params,
                                   "model": self.model, "messages": turns(request.messages),
                                   **tools_payload(request.tools, request.tool_choice)}
        if system:
            payload["system"] = system
        headers = {**self._extra_headers, "anthropic-version": API_VERSION}
        if self._key:
            headers[self.spec.api_key_header or "x-api-key"] = self._key
        return await self._http.post_json(f"{self.base_url}/v1/messages", payload, headers=headers,
                                          timeout_s=request.time_limit(self._timeout_s), parse=parse_message,
                                          secrets=[k for k in [self._key, *self._header_secrets] if k],
                                          origin=self._url_origin)
