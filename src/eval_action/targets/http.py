"""Shared HTTP clients and the one retry policy every model API call goes through."""

from __future__ import annotations

import asyncio
import email.utils
import itertools
import json
import math
import random
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import httpx

from eval_action.errors import TargetError

T = TypeVar("T")

# httpx's pool slows down with large pool sizes (encode/httpx#3215): many small clients beat one big one.
_CONNECTIONS_PER_CLIENT = 16
_RETRY_AFTER_CAP_S = 60.0
_BACKOFF_CAP_S = 30.0
_MESSAGE_CHARS = 200


class _Retryable(Exception):
    def __init__(self, head: str, detail: str = "", retry_after: float | None = None) -> None:
        super().__init__(head)
        self.head = head  # "HTTP 503", "timed out after 60s"...
        self.detail = detail  # the server's short message
        self.retry_after = retry_after

    def final(self, attempts: int) -> str:
        tail = f": {self.detail}" if self.detail else ""
        return f"{self.head} after {attempts} attempts{tail}"


class HttpPool:
    """Round-robin over ceil(C/16) keep-alive clients; `post_json` retries with full-jitter backoff."""

    def __init__(self, concurrency: int, *, retries: int = 4, backoff_s: float = 0.5,
                 on_throttle: Callable[[], None] | None = None) -> None:
        count = max(1, math.ceil(concurrency / _CONNECTIONS_PER_CLIENT))
        limits = httpx.Limits(max_connections=_CONNECTIONS_PER_CLIENT,
                              max_keepalive_connections=_CONNECTIONS_PER_CLIENT)
        self._clients = [httpx.AsyncClient(limits=limits, trust_env=False) for _ in range(count)]
        self._next = itertools.cycle(self._clients)
        self.retries = retries
        self.backoff_s = backoff_s
        self._on_throttle = on_throttle

    async def aclose(self) -> None:
        for client in self._clients:
            await client.aclose()

    async def __aenter__(self) -> HttpPool:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def post_json(self, url: str, payload: dict[str, Any], *, headers: dict[str, str],
                        timeout_s: float, parse: Callable[[Any], T], secrets: Sequence[str] = ()) -> T:
        """POST JSON and parse the answer; 429/5xx/transport errors/malformed bodies are retried.

        `parse` raises KeyError/IndexError/TypeError/ValueError on a body it can't use. `secrets` are
        redacted from any server message that reaches an error.
        """
        attempts = self.retries + 1
        timeout = httpx.Timeout(timeout_s, connect=min(timeout_s, 10.0))
        attempt = 0
        while True:
            try:
                return await self._attempt(url, payload, headers, timeout, parse, secrets)
            except _Retryable as e:
                attempt += 1
                if attempt == attempts:
                    raise TargetError(e.final(attempts)) from None
                await asyncio.sleep(self._pause(attempt - 1, e.retry_after))

    async def _attempt(self, url: str, payload: dict[str, Any], headers: dict[str, str],
                       timeout: httpx.Timeout, parse: Callable[[Any], T], secrets: Sequence[str]) -> T:
        try:
            response = await next(self._next).post(url, json=payload, headers=headers, timeout=timeout)
        except httpx.TimeoutException:
            raise _Retryable(f"timed out after {timeout.read}s") from None
        except httpx.TransportError as e:
            raise _Retryable(f"connection failed: {type(e).__name__}") from None
        if response.status_code == 429 or response.status_code >= 500:
            if response.status_code == 429 and self._on_throttle is not None:
                self._on_throttle()
            raise _Retryable(f"HTTP {response.status_code}", short_message(response.text, secrets),
                             _retry_after(response.headers.get("retry-after")))
        if response.status_code >= 400:  # retrying can't fix a bad key or a bad request
            detail = short_message(response.text, secrets)
            raise TargetError(f"HTTP {response.status_code}: {detail}".removesuffix(": "))
        try:
            return parse(response.json())
        except (ValueError, KeyError, IndexError, TypeError):
            raise _Retryable("malformed response body") from None

    def _pause(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, _RETRY_AFTER_CAP_S)
        return random.uniform(0, min(_BACKOFF_CAP_S, self.backoff_s * 2**attempt))


def _retry_after(value: str | None) -> float | None:
    """Retry-After is delay-seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def short_message(text: str, secrets: Sequence[str] = ()) -> str:
    """The server's error message on one short line, with secrets blanked out."""
    try:
        body = json.loads(text)
    except ValueError:
        body = text
    if isinstance(body, dict):
        err = body.get("error", body)
        body = err.get("message", err) if isinstance(err, dict) else err
    message = " ".join(str(body).split())
    for secret in secrets:
        if secret:
            message = message.replace(secret, "***")
    return message[:_MESSAGE_CHARS]
