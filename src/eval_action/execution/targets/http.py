"""The one HTTP client every model API call goes through, and its retry policy.

aiohttp rather than httpx: at 64-128 requests in flight httpx spent ~1.2 ms of CPU per request in
its connection pool (encode/httpx#3215) against ~0.27 ms for aiohttp, which decided whether a
2-core runner keeps C requests in flight at all (see BENCHMARKS.md).
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from eval_action.execution.rate_headers import RateInfo, parse_rate_headers
from eval_action.execution.ratelimit import Limiter
from eval_action.model.errors import TargetError

if TYPE_CHECKING:
    import aiohttp

T = TypeVar("T")

_CONNECT_TIMEOUT_S = 10.0
_RETRY_AFTER_CAP_S = 60.0
_BACKOFF_CAP_S = 8.0  # the OpenAI and Anthropic SDKs' cap: a longer wait mostly leaves slots idle
# A call may go on retrying past its own `retries` while the run's shared budget lasts, up to this
# many times its own: at 30% random faults, 4 retries each lost ~1 case in 400; a budget loses none.
_BUDGET_REACH = 3
_MESSAGE_CHARS = 200
MAX_BODY_BYTES = 32 * 2**20  # a chat answer is kilobytes; embeddings of a large batch a few MB
_READ_CHUNK = 2**16


class _Retryable(Exception):
    def __init__(self, head: str, detail: str = "", retry_after: float | None = None,
                 unreachable: bool = False) -> None:
        super().__init__(head)
        self.head = head  # "HTTP 503", "timed out after 60s"...
        self.detail = detail  # the server's short message
        self.retry_after = retry_after
        self.unreachable = unreachable  # nothing answered at the URL: say where the URL came from

    def final(self, attempts: int, origin: str = "") -> str:
        tail = f": {self.detail}" if self.detail else ""
        where = f" — the URL comes from {origin}" if origin and self.unreachable else ""
        return f"{self.head} after {attempts} attempts{tail}{where}"


class RetryBudget:
    """Retries shared by one run: each call may retry `retries` times, and a call that keeps failing
    may go on with the retries that calls which succeeded left unspent, up to `_BUDGET_REACH` times
    its own. When every call fails (the provider is down) no more is spent than `retries` each."""

    def __init__(self, retries: int) -> None:
        self.per_call = max(0, retries)
        self.spare = 0

    def succeeded(self, retried: int) -> None:
        self.spare += max(0, self.per_call - retried)

    def allows(self, retried: int) -> bool:
        """May a call that has retried `retried` times retry once more?"""
        if retried < self.per_call:
            return True
        if self.spare <= 0 or retried >= self.per_call * _BUDGET_REACH:
            return False
        self.spare -= 1
        return True


class HttpPool:
    """One keep-alive session of up to `concurrency` connections; `post_json` retries with full-jitter
    backoff, the slot handed back while it waits, and tells the limiter what each answer's headers say."""

    def __init__(self, concurrency: int, *, retries: int = 4, backoff_s: float = 0.25,
                 limiter: Limiter | None = None) -> None:
        self._connections = max(1, concurrency)
        self._session: aiohttp.ClientSession | None = None
        self.budget = RetryBudget(retries)
        self._proxies: dict[str, tuple[Any, Any]] = {}
        self.backoff_s = backoff_s
        self.limiter = limiter or Limiter(concurrency)

    def _client(self) -> aiohttp.ClientSession:
        import aiohttp  # ~0.1 s at import: paid only by runs that call a model API

        if self._session is None:  # aiohttp wants its session made inside the running loop
            connector = aiohttp.TCPConnector(limit=self._connections, limit_per_host=0)
            # not trust_env: it looks up the proxy and ~/.netrc in a thread for every request (two thread
            # hops per call; a netrc entry for the host even made aiohttp refuse our Authorization
            # header); _proxy reads the same variables once per origin
            self._session = aiohttp.ClientSession(connector=connector)
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
                        timeout_s: float, parse: Callable[[Any], T], secrets: Sequence[str] = (),
                        origin: str = "") -> T:
        """POST JSON and parse the answer; 429/5xx/transport errors/malformed bodies are retried.

        `parse` raises KeyError/IndexError/TypeError/ValueError on a body it can't use. `secrets` are
        redacted from any server message that reaches an error. `origin` says what set the URL (a
        variable, the config), for the error when nothing answers there.
        """
        body = json.dumps(payload).encode()
        sent_headers = {**headers, "Content-Type": "application/json"}
        host = _host(url)
        retried = 0
        while True:
            await self.limiter.pace(host)
            try:
                result = await self._attempt(url, host, body, sent_headers, timeout_s, parse, secrets)
                self.budget.succeeded(retried)
                return result
            except _Retryable as e:
                if not self.budget.allows(retried):
                    raise TargetError(e.final(retried + 1, origin)) from None
                async with self.limiter.released():
                    await asyncio.sleep(self._pause(retried, e.retry_after))
                retried += 1

    async def _attempt(self, url: str, host: str, body: bytes, headers: dict[str, str], timeout_s: float,
                       parse: Callable[[Any], T], secrets: Sequence[str]) -> T:
        import aiohttp

        timeout = aiohttp.ClientTimeout(total=timeout_s, sock_connect=min(timeout_s, _CONNECT_TIMEOUT_S))
        proxy, proxy_auth = self._proxy(url, host)
        try:
            # a redirect would carry the key (Authorization, x-api-key) to wherever it points
            async with self._client().post(url, data=body, headers=headers, timeout=timeout, allow_redirects=False,
                                           proxy=proxy, proxy_auth=proxy_auth) as response:
                status, info = response.status, parse_rate_headers(response.headers)
                data = await _read_capped(response)
        except TimeoutError:
            raise _Retryable(f"timed out after {timeout_s:g}s") from None
        except aiohttp.ClientConnectorError:
            raise _Retryable(f"connection failed: could not connect to {shown_url(url)}", unreachable=True) from None
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError):
            raise _Retryable("connection failed: closed mid-answer") from None
        except aiohttp.ClientError as e:  # reset, closed mid-answer, bad framing
            raise _Retryable(f"connection failed: {type(e).__name__}") from None
        self.limiter.observe(host, info, status)
        if 300 <= status < 400:
            raise TargetError(f"HTTP {status}: the server redirected the request; keys are never sent on to "
                              "another address — set `base_url` to the final one")
        if status == 429 or status >= 500:
            raise _Retryable(f"HTTP {status}", short_message(_text(data), secrets), _retry_wait(info))
        if status >= 400:  # retrying can't fix a bad key or a bad request
            detail = short_message(_text(data), secrets)
            raise TargetError(f"HTTP {status}: {detail}".removesuffix(": "))
        try:
            return parse(json.loads(data))
        except (ValueError, KeyError, IndexError, TypeError):
            raise _Retryable("malformed response body") from None

    def _proxy(self, url: str, host: str) -> tuple[Any, Any]:
        """HTTP(S)_PROXY / NO_PROXY, as users behind a corporate proxy expect."""
        key = url.partition(":")[0] + "://" + host
        if key not in self._proxies:
            from aiohttp.helpers import get_env_proxy_for_url
            from yarl import URL

            try:
                self._proxies[key] = get_env_proxy_for_url(URL(url))
            except LookupError:
                self._proxies[key] = (None, None)
        return self._proxies[key]

    def _pause(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, _RETRY_AFTER_CAP_S)
        return random.uniform(0, min(_BACKOFF_CAP_S, self.backoff_s * 2**attempt))


async def _read_capped(response: aiohttp.ClientResponse) -> bytes:
    """The body, refused past MAX_BODY_BYTES: a hostile server could otherwise fill our memory."""
    data = bytearray()
    async for chunk in response.content.iter_chunked(_READ_CHUNK):
        data += chunk
        if len(data) > MAX_BODY_BYTES:
            raise TargetError(f"response body over {MAX_BODY_BYTES // 2**20} MB: not read further — "
                              "a model answer is far smaller; check `base_url`")
    return bytes(data)


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def _retry_wait(info: RateInfo | None) -> float | None:
    """The provider's Retry-After; none needed when a used-up limit holds every request (the limiter)."""
    if info is None:
        return None
    if info.retry_after_s is None and info.exhausted:
        return 0.0
    return info.retry_after_s


@lru_cache(maxsize=64)
def _host(url: str) -> str:
    return urlsplit(url).netloc


def shown_url(url: str) -> str:
    """The URL for an error message: without user:password@ or a query (either may hold a key)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{netloc}{f':{parts.port}' if parts.port else ''}{parts.path}"


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
