"""Any OpenAI-compatible Chat Completions endpoint (OpenAI, Azure, Ollama, vLLM, OpenRouter...)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from eval_action.execution.targets.auth import api_key, base_url
from eval_action.execution.targets.base import TargetRequest
from eval_action.execution.targets.http import HttpPool
from eval_action.execution.targets.openai_wire import parse_completion, tools_payload
from eval_action.model.answer import Answer
from eval_action.model.specs import ProviderSpec

DEFAULT_BASE_URL = "https://api.openai.com/v1"
DEFAULT_EMBEDDING_MODEL = "text-embedding-3-small"


class OpenAITarget:
    def __init__(self, spec: ProviderSpec, *, env: Mapping[str, str], http: HttpPool,
                 timeout_s: float) -> None:
        self.spec = spec
        self.model = spec.model or "gpt-4o-mini"
        self.base_url, self._url_origin = base_url(spec.base_url, env, "OPENAI_BASE_URL", DEFAULT_BASE_URL)
        self._key = api_key(env, spec.key_variable or "", self.base_url, spec.label())
        self._http = http
        self._timeout_s = timeout_s

    def cache_identity(self) -> dict[str, Any] | None:
        return {"type": "openai", "model": self.model, "base_url": self.base_url, "params": self.spec.params}

    async def complete(self, request: TargetRequest) -> Answer:
        payload = {**self.spec.params, **request.params, "model": self.model,
                   "messages": [m.as_dict() for m in request.messages],
                   **tools_payload(request.tools, request.tool_choice)}
        return await self._http.post_json(f"{self.base_url}/chat/completions", payload,
                                          headers=self._headers(), timeout_s=self._timeout_s,
                                          parse=parse_completion,
                                          secrets=self._secrets(), origin=self._url_origin)

    async def embed(self, texts: list[str], model: str | None = None) -> list[list[float]]:
        payload = {"model": model or self.model, "input": texts}
        return await self._http.post_json(f"{self.base_url}/embeddings", payload, headers=self._headers(),
                                          timeout_s=self._timeout_s,
                                          parse=lambda body: _parse_embeddings(body, len(texts)),
                                          secrets=self._secrets(), origin=self._url_origin)

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._key}"} if self._key else {}

    def _secrets(self) -> list[str]:
        return [self._key] if self._key else []


def _parse_embeddings(body: Any, count: int) -> list[list[float]]:
    rows = sorted(body["data"], key=lambda row: row["index"])
    if len(rows) != count:
        raise ValueError("wrong number of vectors")
    return [[float(v) for v in row["embedding"]] for row in rows]
