"""Reading providers' rate-limit headers, in each form OpenAI and Anthropic document."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from eval_action.execution.rate_headers import Budget, duration_s, parse_rate_headers


@pytest.mark.parametrize(("text", "seconds"), [
    ("1s", 1.0), ("20ms", 0.02), ("6m0s", 360.0), ("1h2m3.5s", 3723.5), ("59.86s", 59.86),
    ("2m59.56s", 179.56), ("0", 0.0), ("1.5", 1.5),
])
def test_openai_reset_durations(text: str, seconds: float) -> None:
    assert duration_s(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "soon", "1x", "s", "1s garbage", None])
def test_unreadable_durations_are_none(text: str | None) -> None:
    assert duration_s(text) is None


def test_openai_headers_give_requests_and_tokens() -> None:
    info = parse_rate_headers({"x-ratelimit-limit-requests": "60", "x-ratelimit-remaining-requests": "0",
                               "x-ratelimit-reset-requests": "1s", "x-ratelimit-limit-tokens": "150000",
                               "x-ratelimit-remaining-tokens": "149984", "x-ratelimit-reset-tokens": "6m0s"})
    assert info is not None and info.exhausted
    assert info.requests == Budget(remaining=0, limit=60, reset_s=1.0)
    assert info.tokens == Budget(remaining=149984, limit=150000, reset_s=360.0)
    assert info.requests.refill_per_s() == 60.0
    assert info.wait_s() == 1.0  # no Retry-After: the reset of what is used up


def test_retry_after_ms_wins_over_retry_after() -> None:
    info = parse_rate_headers({"retry-after-ms": "250", "retry-after": "3"})
    assert info is not None and info.retry_after_s == 0.25 and not info.exhausted


def test_retry_after_seconds_and_http_dates() -> None:
    def after(value: str) -> float | None:
        info = parse_rate_headers({"retry-after": value})
        return info.retry_after_s if info else None
    assert after("2") == 2.0
    assert after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past: retry now
    soon = datetime.now(UTC) + timedelta(seconds=30)
    assert 28 < (after(soon.strftime("%a, %d %b %Y %H:%M:%S GMT")) or 0) <= 30
    assert after("soon") is None


def test_anthropic_headers_with_rfc3339_resets() -> None:
    reset = (datetime.now(UTC) + timedelta(seconds=20)).isoformat().replace("+00:00", "Z")
    info = parse_rate_headers({
        "anthropic-ratelimit-requests-limit": "50", "anthropic-ratelimit-requests-remaining": "49",
        "anthropic-ratelimit-requests-reset": reset,
        "anthropic-ratelimit-tokens-limit": "40000", "anthropic-ratelimit-tokens-remaining": "30000",
        "anthropic-ratelimit-tokens-reset": reset,
        "anthropic-ratelimit-input-tokens-limit": "20000", "anthropic-ratelimit-input-tokens-remaining": "0",
        "anthropic-ratelimit-input-tokens-reset": reset,
        "anthropic-ratelimit-output-tokens-limit": "8000", "anthropic-ratelimit-output-tokens-remaining": "8000",
        "anthropic-ratelimit-output-tokens-reset": reset,
        "retry-after": "7"})
    assert info is not None and info.exhausted and info.retry_after_s == 7.0
    assert info.requests is not None and info.requests.remaining == 49
    assert info.tokens is not None and info.tokens.limit == 20000  # the used-up input tokens bind
    assert 18 < (info.tokens.reset_s or 0) <= 20


def test_a_reset_time_without_an_offset_is_ignored() -> None:
    info = parse_rate_headers({"anthropic-ratelimit-requests-remaining": "0",
                               "anthropic-ratelimit-requests-reset": "2030-01-01T00:00:00"})
    assert info is not None and info.requests is not None and info.requests.reset_s is None


def test_answers_without_limit_headers_say_nothing() -> None:
    assert parse_rate_headers({"content-type": "application/json"}) is None
    assert parse_rate_headers({"x-ratelimit-remaining-requests": "many"}) is None


def test_a_past_reset_is_now() -> None:
    past = datetime.fromtimestamp(time.time() - 5, UTC).isoformat()
    info = parse_rate_headers({"anthropic-ratelimit-tokens-remaining": "0",
                               "anthropic-ratelimit-tokens-reset": past})
    assert info is not None and info.wait_s() == 0.0
