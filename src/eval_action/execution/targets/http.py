"""The one HTTP client every model API call goes through, and its retry policy.

aiohttp rather than httpx: at 64-128 requests in flight httpx spent ~1.2 ms of CPU per request in
its connection pool (encode/httpx#3215) against ~0.27 ms for aiohttp, which decided whether a
2-core runner keeps C requests in flight at all (see BENCHMARKS.md).
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import random
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from eval_action.model.errors import TargetError

if TYPE_CHECKING:
    import aiohttp

T = TypeVar("T")

_CONNECT_TIMEOUT_S = 10.0
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
    """One keep-alive session of up to `concurrency` connections; `post_json` retries with full-jitter backoff."""

    def __init__(self, concurrency: int, *, retries: int = 4, backoff_s: float = 0.5,
                 on_throttle: Callable[[], None] | None = None) -> None:
        self._connections = max(1, concurrency)
        self._session: aiohttp.ClientSession | None = None
        self.retries = retries
        self.backoff_s = backoff_s
        self._on_throttle = on_throttle

    def _client(self) -> aiohttp.ClientSession:
        import aiohttp  # ~0.1 s at import: paid only by runs that call a model API

        if self._session is None:  # aiohttp wants its session made inside the running loop
            connector = aiohttp.TCPConnector(limit=self._connections, limit_per_host=0)
            # trust_env: HTTP(S)_PROXY / NO_PROXY apply, as users behind a corporate proxy expect
            self._session = aiohttp.ClientSession(connector=connector, trust_env=True)
        return self._session

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

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
        body = json.dumps(payload).encode()
        sent_headers = {**headers, "Content-Type": "application/json"}
        attempt = 0
        while True:
            try:
                return await self._attempt(url, body, sent_headers, timeout_s, parse, secrets)
            except _Retryable as e:
                attempt += 1
                if attempt == attempts:
                    raise TargetError(e.final(attempts)) from None
                await asyncio.sleep(self._pause(attempt - 1, e.retry_after))

    async def _attempt(self, url: str, body: bytes, headers: dict[str, str], timeout_s: float,
                       parse: Callable[[Any], T], secrets: Sequence[str]) -> T:
        import aiohttp

        timeout = aiohttp.ClientTimeout(total=timeout_s, sock_connect=min(timeout_s, _CONNECT_TIMEOUT_S))
        try:
            async with self._client().post(url, data=body, headers=headers, timeout=timeout) as response:
                status, retry_after = response.status, response.headers.get("Retry-After")
                data = await response.read()
        except TimeoutError:
            raise _Retryable(f"timed out after {timeout_s:g}s") from None
        except aiohttp.ClientConnectorError:
            raise _Retryable("connection failed: could not connect") from None
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError):
            raise _Retryable("connection failed: closed mid-answer") from None
        except aiohttp.ClientError as e:  # reset, closed mid-answer, bad framing
            raise _Retryable(f"connection failed: {type(e).__name__}") from None
        if status == 429 or status >= 500:
            if status == 429 and self._on_throttle is not None:
                self._on_throttle()
            raise _Retryable(f"HTTP {status}", short_message(_text(data), secrets), _retry_after(retry_after))
        if status >= 400:  # retrying can't fix a bad key or a bad request
            detail = short_message(_text(data), secrets)
            raise TargetError(f"HTTP {status}: {detail}".removesuffix(": "))
        try:
            return parse(json.loads(data))
        except (ValueError, KeyError, IndexError, TypeError):
            raise _Retryable("malformed response body") from None

    def _pause(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, _RETRY_AFTER_CAP_S)
        return random.uniform(0, min(_BACKOFF_CAP_S, self.backoff_s * 2**attempt))


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


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
