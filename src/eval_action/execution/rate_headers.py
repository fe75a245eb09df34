"""What a provider's response headers say about its rate limits.

Read from every answer, 2xx and 429 alike: `retry-after-ms`, `Retry-After` (seconds or an HTTP
date), OpenAI's `x-ratelimit-{limit,remaining,reset}-{requests,tokens}` (resets as Go durations,
`6m0s`, `1s`, `20ms`) and Anthropic's `anthropic-ratelimit-{requests,tokens,input-tokens,
output-tokens}-{limit,remaining,reset}` (resets as RFC 3339 times).
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

_DURATION = re.compile(r"(\d+(?:\.\d*)?)(ms|h|m|s)")
_UNIT_S = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
# Anthropic reports input and output tokens apart; the scarcest of them is the one that binds.
_TOKEN_KINDS = ("tokens", "input-tokens", "output-tokens")


@dataclass(frozen=True)
class Budget:
    """One limit (requests or tokens) as the provider counts it."""

    remaining: float
    limit: float | None = None
    reset_s: float | None = None  # seconds until it is full again

    @property
    def exhausted(self) -> bool:
        return self.remaining <= 0

    def refill_per_s(self) -> float | None:
        """The refill rate the reset implies (what was used comes back by the reset)."""
        if self.limit is None or not self.reset_s or self.remaining >= self.limit:
            return None
        return (self.limit - self.remaining) / self.reset_s


@dataclass(frozen=True)
class RateInfo:
    retry_after_s: float | None = None
    requests: Budget | None = None
    tokens: Budget | None = None

    @property
    def exhausted(self) -> bool:
        """The provider says a limit is used up: a 429 carrying this is the limit, not a fault."""
        return any(b is not None and b.exhausted for b in (self.requests, self.tokens))

    def wait_s(self) -> float | None:
        """How long until a request may succeed: the provider's own answer, else the latest reset of
        what is used up (as Anthropic's SDK derives it)."""
        if self.retry_after_s is not None:
            return self.retry_after_s
        resets = [b.reset_s for b in (self.requests, self.tokens)
                  if b is not None and b.exhausted and b.reset_s is not None]
        return max(resets) if resets else None


def parse_rate_headers(headers: Mapping[str, str]) -> RateInfo | None:
    """None when the answer says nothing about limits. `headers` looks names up case-insensitively
    (aiohttp's headers do) or holds them in lower case."""
    retry_after = _retry_after(headers)
    requests = _openai(headers, "requests") or _anthropic(headers, "requests")
    tokens = _scarcest([_openai(headers, "tokens"), *(_anthropic(headers, k) for k in _TOKEN_KINDS)])
    if retry_after is None and requests is None and tokens is None:
        return None
    return RateInfo(retry_after, requests, tokens)


def _retry_after(headers: Mapping[str, str]) -> float | None:
    ms = _number(headers.get("retry-after-ms"))
    if ms is not None:
        return max(0.0, ms / 1000)
    value = headers.get("retry-after")
    if not value:
        return None
    seconds = _number(value)
    if seconds is not None:
        return max(0.0, seconds)
    import email.utils  # ~30 ms to import, for the rare HTTP-date form

    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _openai(headers: Mapping[str, str], kind: str) -> Budget | None:
    remaining = _number(headers.get(f"x-ratelimit-remaining-{kind}"))
    if remaining is None:
        return None
    return Budget(remaining, _number(headers.get(f"x-ratelimit-limit-{kind}")),
                  duration_s(headers.get(f"x-ratelimit-reset-{kind}")))


def _anthropic(headers: Mapping[str, str], kind: str) -> Budget | None:
    remaining = _number(headers.get(f"anthropic-ratelimit-{kind}-remaining"))
    if remaining is None:
        return None
    return Budget(remaining, _number(headers.get(f"anthropic-ratelimit-{kind}-limit")),
                  _until(headers.get(f"anthropic-ratelimit-{kind}-reset")))


def _scarcest(budgets: list[Budget | None]) -> Budget | None:
    known = [b for b in budgets if b is not None]
    if not known:
        return None
    return min(known, key=lambda b: (not b.exhausted, b.remaining / b.limit if b.limit else 1.0))


def duration_s(value: str | None) -> float | None:
    """OpenAI's reset durations: `1s`, `20ms`, `6m0s`, `1h2m3.5s`; a bare number is seconds."""
    if not value:
        return None
    value = value.strip()
    plain = _number(value)
    if plain is not None:
        return max(0.0, plain)
    parts = _DURATION.findall(value)
    if not parts or "".join(n + u for n, u in parts) != value:
        return None
    return sum(float(n) * _UNIT_S[u] for n, u in parts)


def _until(value: str | None) -> float | None:
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if when.tzinfo is None:
        return None  # RFC 3339 always carries an offset; a time without one can't be placed
    return max(0.0, when.timestamp() - time.time())


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None
