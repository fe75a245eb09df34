"""Every target and grader call goes through here: the response cache, then the shared limiter."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from eval_action.execution.cache import ResponseCache, cache_key
from eval_action.execution.ratelimit import Limiter
from eval_action.execution.redaction import redact_text
from eval_action.execution.targets.base import Target, TargetRequest
from eval_action.execution.targets.huggingface import HuggingFaceClassifier
from eval_action.execution.targets.openai import OpenAITarget
from eval_action.model.answer import Answer
from eval_action.model.text import well_formed

_CACHED = {"output", "tool_calls", "trace", "metadata", "input_tokens", "output_tokens", "logprobs"}


@dataclass(frozen=True)
class Caller:
    limiter: Limiter
    cache: ResponseCache
    secrets: tuple[str, ...] = ()  # redacted from answers before they are cached or scored
    # Identical cacheable requests in flight at once (graders judging equal outputs) share one call.
    _pending: dict[str, asyncio.Future[Answer]] = field(default_factory=dict)

    async def complete(self, target: Target, request: TargetRequest, repeat: int = 0) -> Answer:
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

    async def _cached(self, key: str) -> Answer | None:
        hit = await self.cache.load(key)
        if hit is None:
            return None
        try:
            return Answer.model_validate({**hit, "latency_ms": 0, "cached": True})
        except ValueError:
            return None  # an entry from an incompatible layout: call again and overwrite it

    async def _call(self, target: Target, request: TargetRequest, key: str | None) -> Answer:
        async with self.limiter.slot():
            start = time.perf_counter()
            response = await target.complete(request)
            self.limiter.succeeded()
        response = self._redacted(response).model_copy(
            update={"latency_ms": (time.perf_counter() - start) * 1000})
        if key is not None:
            self.cache.store(key, response.model_dump(include=_CACHED))
        return response

    def _redacted(self, answer: Answer) -> Answer:
        """A key the model echoes back must not reach a score, a report or the cache; nor may a lone
        surrogate (JSON can spell one, no UTF-8 writer takes it) reach a file."""
        dumped = json.dumps(answer.model_dump(include=_CACHED), ensure_ascii=False)
        cleaned = redact_text(well_formed(dumped), self.secrets)
        return answer if cleaned == dumped else Answer.model_validate({**json.loads(cleaned),
                                                                       "cost_usd": answer.cost_usd})

    async def embed(self, target: OpenAITarget, texts: list[str], model: str) -> tuple[list[list[float]], bool]:
        """The vectors, and whether the cache gave them."""
        found, cached = await self._side_call(target, {"embed": texts, "model": model}, "embeddings",
                                              lambda: target.embed(texts, model), len(texts))
        return found, cached

    async def moderate(self, target: OpenAITarget, text: str, model: str) -> tuple[list[str], bool]:
        """The categories the moderation endpoint flags in `text`, and whether the cache gave them."""
        found, cached = await self._side_call(target, {"moderate": text, "model": model}, "flagged",
                                              lambda: target.moderate(text, model))
        return [str(c) for c in found], cached

    async def classify(self, target: HuggingFaceClassifier, text: str) -> tuple[dict[str, float], bool]:
        """Each label's score for `text`, and whether the cache gave them."""
        found, cached = await self._side_call(target, {"classify": text}, "labels", lambda: target.classify(text))
        return {str(k): float(v) for k, v in found.items()}, cached

    async def _side_call(self, target: OpenAITarget | HuggingFaceClassifier, shaped: dict[str, Any], kind: str,
                         call: Callable[[], Awaitable[Any]], length: int | None = None) -> tuple[Any, bool]:
        """An embeddings, moderation or classification request, through the cache and the limiter; a cached list of
        the wrong `length` (an entry of another layout) is asked again."""
        identity = target.cache_identity()
        key = cache_key(identity, shaped) if identity is not None and self.cache.enabled else None
        if key is not None and (hit := await self.cache.load(key)) is not None:
            found = hit.get(kind)
            if isinstance(found, list | dict) and (length is None or len(found) == length):
                return found, True
        async with self.limiter.slot():
            found = await call()
            self.limiter.succeeded()
        if key is not None:
            self.cache.store(key, {kind: found})
        return found, False

    def _key(self, target: Target, request: TargetRequest, repeat: int) -> str | None:
        identity = target.cache_identity()
        if identity is None or not self.cache.enabled:
            return None
        shaped: dict[str, Any] = {"messages": [m.as_dict() for m in request.messages],
                                  "params": request.params}
        if request.tools or request.tool_choice:  # absent otherwise, so tool-less entries keep their keys
            shaped["tools"] = [t.model_dump() for t in request.tools]
            shaped["tool_choice"] = request.tool_choice.model_dump() if request.tool_choice else None
        if repeat:  # repeats exist to sample again; repeat 0 shares the entry of a single run
            shaped["repeat"] = repeat
        return cache_key(identity, shaped)
