"""Any OpenAI-compatible Chat Completions endpoint (OpenAI, Azure, GitHub Models, Ollama, vLLM, OpenRouter...).

`api_version` adds Azure's `api-version` query parameter, `api_key_header` sends the key as that
header (Azure's `api-key`) instead of `Authorization: Bearer`, `headers` adds a gateway's own. The
`github` kind is GitHub Models' endpoint, authorised by the job's token.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from eval_action.execution.targets.auth import api_key, base_url, header_values
from eval_action.execution.targets.base import TargetRequest
from eval_action.execution.targets.http import HttpPool
from eval_action.execution.targets.openai_wire import parse_completion, tools_payload
from eval_action.model.answer import Answer
from eval_action.model.specs import ProviderSpec

DEFAULT_BASE_URL = "https://api.openai.com/v1"
DEFAULT_EMBEDDING_MODEL = "text-embedding-3-small"
DEFAULT_MODERATION_MODEL = "omni-moderation-latest"
GITHUB_MODELS_URL = "https://models.github.ai/inference"
# Locally a developer's token; in the Action the job's token, handed over as the `github-token` input.
GITHUB_TOKEN_VARS = ("GITHUB_TOKEN", "GH_TOKEN", "INPUT_GITHUB-TOKEN")


class OpenAITarget:
    def __init__(self, spec: ProviderSpec, *, env: Mapping[str, str], http: HttpPool,
                 timeout_s: float, github_token: str | None = None) -> None:
        self.spec = spec
        self.model = spec.model or "gpt-4o-mini"
        if spec.type == "github":
            self.base_url, self._url_origin = (base_url(spec.base_url, {}, "", GITHUB_MODELS_URL) if spec.base_url
                                               else (GITHUB_MODELS_URL, "GitHub Models' endpoint"))
            key_env = spec.api_key_env or next((v for v in GITHUB_TOKEN_VARS if env.get(v)), GITHUB_TOKEN_VARS[0])
            if github_token and not spec.api_key_env:
                env = {**env, key_env: github_token}
        else:
            self.base_url, self._url_origin = base_url(spec.base_url, env, "OPENAI_BASE_URL", DEFAULT_BASE_URL)
            key_env = spec.key_variable or ""
        self._key = api_key(env, key_env, self.base_url, spec.label())
        self._extra_headers, self._header_secrets = header_values(spec.headers, env, spec.label())
        self._query = f"?api-version={quote(spec.api_version, safe='')}" if spec.api_version else ""
        self._http = http
        self._timeout_s = timeout_s

    def cache_identity(self) -> dict[str, Any] | None:
        identity: dict[str, Any] = {"type": self.spec.type, "model": self.model, "base_url": self.base_url,
                                    "params": self.spec.params}
        if self.spec.api_version:
            identity["api_version"] = self.spec.api_version
        if self.spec.headers:  # as written (`${env:NAME}`), never the secrets they read
            identity["headers"] = self.spec.headers
        return identity

    async def complete(self, request: TargetRequest) -> Answer:
        payload = {**self.spec.params, **request.params, "model": self.model,
                   "messages": [m.as_dict() for m in request.messages],
                   **tools_payload(request.tools, request.tool_choice)}
        return await self._http.post_json(f"{self.base_url}/chat/completions{self._query}", payload,
                                          headers=self._headers(), timeout_s=request.time_limit(self._timeout_s),
                                          parse=parse_completion,
                                          secrets=self._secrets(), origin=self._url_origin)

    async def embed(self, texts: list[str], model: str | None = None) -> list[list[float]]:
        payload = {"model": model or self.model, "input": texts}
        return await self._http.post_json(f"{self.base_url}/embeddings{self._query}", payload,
                                          headers=self._headers(),
                                          timeout_s=self._timeout_s,
                                          parse=lambda body: _parse_embeddings(body, len(texts)),
                                          secrets=self._secrets(), origin=self._url_origin)

    async def moderate(self, text: str, model: str) -> list[str]:
        """The categories `/moderations` flags in `text`."""
        return await self._http.post_json(f"{self.base_url}/moderations{self._query}", {"model": model, "input": text},
                                          headers=self._headers(), timeout_s=self._timeout_s,
                                          parse=_parse_moderation, secrets=self._secrets(),
                                          origin=self._url_origin)

    def _headers(self) -> dict[str, str]:
        headers = dict(self._extra_headers)
        if self._key:
            if self.spec.api_key_header:
                headers[self.spec.api_key_header] = self._key
            else:
                headers["Authorization"] = f"Bearer {self._key}"
        return headers

    def _secrets(self) -> list[str]:
        return [self._key, *self._header_secrets] if self._key else list(self._header_secrets)


def _parse_embeddings(body: Any, count: int) -> list[list[float]]:
    rows = sorted(body["data"], key=lambda row: row["index"])
    if len(rows) != count:
        raise ValueError("wrong number of vectors")
    return [[float(v) for v in row["embedding"]] for row in rows]


def _parse_moderation(body: Any) -> list[str]:
    """Categories set true in any flagged result, in the order the API lists them."""
    flagged: list[str] = []
    for result in body["results"]:
        if result["flagged"]:
            flagged += [name for name, hit in result["categories"].items() if hit is True and name not in flagged]
    return flagged
