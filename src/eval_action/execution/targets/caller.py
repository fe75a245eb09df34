"""Every target and grader call goes through here: the response cache, then the shared limiter."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from eval_action.execution.cache import ResponseCache, cache_key
from eval_action.execution.ratelimit import Limiter
from eval_action.execution.redaction import redact_text
from eval_action.execution.targets.base import Target, TargetRequest, TargetResponse
from eval_action.execution.targets.openai import OpenAITarget


@dataclass(frozen=True)
class Caller:
    limiter: Limiter
    cache: ResponseCache
    secrets: tuple[str, ...] = ()  # redacted from answers before they are cached or scored
    # Identical cacheable requests in flight at once (graders judging equal outputs) share one call.
    _pending: dict[str, asyncio.Future[TargetResponse]] = field(default_factory=dict)

    async def complete(self, target: Target, request: TargetRequest, repeat: int = 0) -> TargetResponse:
        key = self._key(target, request, repeat)
        if key is None:
            return await self._call(target, request, None)
        if (hit := await self._cached(key)) is not None:
            return hit
        if key in self._pending:
            response = await asyncio.shield(self._pending[key])
            return response.model_copy(update={"latency_ms": 0, "cached": True})
        future = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        try:
            response = await self._call(target, request, key)
            future.set_result(response)
            return response
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as e:
            future.set_exception(e)
            future.exception()  # mark it retrieved: nobody may be waiting
            raise
        finally:
            del self._pending[key]

    async def _cached(self, key: str) -> TargetResponse | None:
        hit = await self.cache.load(key)
        if hit is None:
            return None
        try:
            return TargetResponse(output=hit["output"], input_tokens=hit.get("input_tokens"),
                                  output_tokens=hit.get("output_tokens"), latency_ms=0, cached=True)
        except (KeyError, ValueError):
            return None  # an entry from an incompatible layout: call again and overwrite it

    async def _call(self, target: Target, request: TargetRequest, key: str | None) -> TargetResponse:
        async with self.limiter.slot():
            start = time.perf_counter()
            response = await target.complete(request)
            self.limiter.succeeded()
        response = response.model_copy(update={"latency_ms": (time.perf_counter() - start) * 1000,
                                                "output": redact_text(response.output, self.secrets)})
        if key is not None:
            self.cache.store(key, {"output": response.output, "input_tokens": response.input_tokens,
                                         "output_tokens": response.output_tokens})
        return response

    async def embed(self, target: OpenAITarget, texts: list[str], model: str) -> list[list[float]]:
        identity = target.cache_identity()
        key = None
        if identity is not None and self.cache.enabled:
            key = cache_key(identity, {"embed": texts, "model": model})
        if key is not None and (hit := await self.cache.load(key)) is not None:
            vectors = hit.get("embeddings")
            if isinstance(vectors, list) and len(vectors) == len(texts):
                return vectors
        async with self.limiter.slot():
            vectors = await target.embed(texts, model)
            self.limiter.succeeded()
        if key is not None:
            self.cache.store(key, {"embeddings": vectors})
        return vectors

    def _key(self, target: Target, request: TargetRequest, repeat: int) -> str | None:
        identity = target.cache_identity()
        if identity is None or not self.cache.enabled:
            return None
        shaped: dict[str, Any] = {"messages": [m.model_dump() for m in request.messages],
                                  "params": request.params}
        if repeat:  # repeats exist to sample again; repeat 0 shares the entry of a single run
            shaped["repeat"] = repeat
        return cache_key(identity, shaped)
