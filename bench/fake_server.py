"""A fast loopback fake OpenAI-compatible server for benchmarks, meant to run in its own process.

    python bench/fake_server.py --latency 0.2 --jitter 0.02 --fail-rate 0.05 --fail-status 429
    python bench/fake_server.py --fail-rate 0.3 --fail-status 429,500   # random faults, no load behind them
    python bench/fake_server.py --rate 20 --headers openai              # a provider's limit: 20 requests/s

Prints `PORT <n>` on its first stdout line. Serves POST .../chat/completions and .../embeddings
(HTTP/1.1 keep-alive), answers "echo: <last user message>" after `latency` (+ uniform jitter)
seconds, and `GET /stats` returns {"requests", "in_flight", "max_in_flight", "failures",
"connections", "first_at", "rejected", "last_at"}; `POST /stats/reset` zeroes the counters.

`--rate R` puts a token bucket of R requests/s (holding R) in front, as providers do: a request
finding it empty is answered 429 at once, and every answer carries the limit headers of
`--headers` (OpenAI's `x-ratelimit-*` with Go durations and `retry-after-ms`, Anthropic's
`anthropic-ratelimit-*` with RFC 3339 times and `retry-after`, or `none`: a bare 429).

asyncio rather than threads: one event loop keeps up with hundreds of concurrent connections on
two cores, where a thread per connection would compete with the client for the CPU and skew the numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


@dataclass
class Stats:
    requests: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    failures: int = 0
    connections: int = 0
    rejected: int = 0  # 429s of the rate limit (not the injected faults)
    first_at: float | None = None  # wall-clock time of the first request since the last reset
    last_at: float | None = None  # wall-clock time the last answer left


@dataclass(frozen=True)
class Behaviour:
    latency: float
    jitter: float
    fail_rate: float
    fail_statuses: tuple[int, ...]
    retry_after: str | None
    rate: float | None
    headers: str


class Bucket:
    """The provider's limit: `rate` requests/s, holding `rate` at most."""

    def __init__(self, rate: float) -> None:
        self.rate = self.capacity = rate
        self.tokens = rate
        self.stamp = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True

    def headers(self, style: str, rejected: bool) -> str:
        full_in = (self.capacity - self.tokens) / self.rate  # seconds until it holds `capacity` again
        next_in = max(0.0, (1 - self.tokens) / self.rate)
        remaining = int(self.tokens)
        if style == "openai":
            lines = [f"x-ratelimit-limit-requests: {self.capacity:g}", f"x-ratelimit-remaining-requests: {remaining}",
                     f"x-ratelimit-reset-requests: {_go_duration(full_in)}"]
            if rejected:
                lines.append(f"retry-after-ms: {next_in * 1000:.0f}")
        elif style == "anthropic":
            reset = datetime.fromtimestamp(time.time() + full_in, UTC).isoformat(timespec="milliseconds")
            lines = [f"anthropic-ratelimit-requests-limit: {self.capacity:g}",
                     f"anthropic-ratelimit-requests-remaining: {remaining}",
                     f"anthropic-ratelimit-requests-reset: {reset.replace('+00:00', 'Z')}"]
            if rejected:
                lines.append(f"retry-after: {math.ceil(next_in)}")
        else:
            lines = []
        return "".join(line + "\r\n" for line in lines)


def _go_duration(seconds: float) -> str:
    """OpenAI's reset format: `20ms` under a second, else `1m2.5s`-style."""
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    minutes, rest = divmod(seconds, 60)
    return f"{minutes:.0f}m{rest:.3g}s" if minutes else f"{rest:.3g}s"


def _answer(body: dict[str, Any], path: str) -> dict[str, Any]:
    if path.endswith("/embeddings"):
        texts = body.get("input", [])
        texts = [texts] if isinstance(texts, str) else texts
        return {"object": "list", "data": [{"index": i, "embedding": [1.0, 0.0]} for i in range(len(texts))]}
    text = ""
    for message in reversed(body.get("messages", [])):
        if message.get("role") == "user":
            text = str(message.get("content", ""))
            break
    out = "echo: " + text
    return {"id": "chatcmpl-bench", "object": "chat.completion", "model": body.get("model"),
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": out}}],
            "usage": {"prompt_tokens": len(text.split()), "completion_tokens": len(out.split()),
                      "total_tokens": len(text.split()) + len(out.split())}}


def _response(status: int, payload: dict[str, Any], extra: str = "") -> bytes:
    data = json.dumps(payload).encode()
    head = (f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {len(data)}\r\n"
            f"{extra}\r\n")
    return head.encode() + data


class Server:
    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour
        self.stats = Stats()
        self.bucket = Bucket(behaviour.rate) if behaviour.rate else None

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.stats.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                method, path, headers = _parse_head(head)
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                writer.write(await self._route(method, path, body))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    async def _route(self, method: str, path: str, body: bytes) -> bytes:
        if path == "/stats" and method == "GET":
            return _response(200, self.stats.__dict__)
        if path == "/stats/reset":
            self.stats = Stats(connections=self.stats.connections)
            if self.bucket is not None:
                self.bucket = Bucket(self.bucket.rate)
            return _response(200, {})
        stats = self.stats
        if stats.first_at is None:
            stats.first_at = time.time()
        stats.requests += 1
        limit = ""
        if self.bucket is not None:
            admitted = self.bucket.take()
            limit = self.bucket.headers(self.behaviour.headers, rejected=not admitted)
            if not admitted:
                stats.rejected += 1
                return _response(429, {"error": {"message": "rate limit reached", "type": "requests"}}, limit)
        stats.in_flight += 1
        stats.max_in_flight = max(stats.max_in_flight, stats.in_flight)
        try:
            b = self.behaviour
            await asyncio.sleep(b.latency + (random.uniform(0, b.jitter) if b.jitter else 0.0))
            if b.fail_rate and random.random() < b.fail_rate:
                stats.failures += 1
                extra = f"Retry-After: {b.retry_after}\r\n" if b.retry_after is not None else ""
                return _response(random.choice(b.fail_statuses), {"error": {"message": "injected"}}, extra)
            return _response(200, _answer(json.loads(body or b"{}"), path), limit)
        finally:
            stats.in_flight -= 1
            stats.last_at = time.time()


def _parse_head(head: bytes) -> tuple[str, str, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    method, path, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    return method, path, headers


async def serve(behaviour: Behaviour, port: int) -> None:
    server = Server(behaviour)
    listener = await asyncio.start_server(server.handle, "127.0.0.1", port, backlog=1024)
    print(f"PORT {listener.sockets[0].getsockname()[1]}", flush=True)
    async with listener:
        await listener.serve_forever()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--latency", type=float, default=0.2, help="seconds per answer")
    p.add_argument("--jitter", type=float, default=0.0, help="extra uniform [0, jitter] seconds")
    p.add_argument("--fail-rate", type=float, default=0.0, help="fraction of requests that fail")
    p.add_argument("--fail-status", default="429", help="status of the failures; several, comma-separated, "
                   "are drawn at random")
    p.add_argument("--retry-after", default=None, help="Retry-After header on failures")
    p.add_argument("--rate", type=float, default=None, help="a provider's limit in requests/s")
    p.add_argument("--headers", choices=("openai", "anthropic", "none"), default="openai",
                   help="the limit headers --rate sends")
    a = p.parse_args(argv)
    statuses = tuple(int(s) for s in a.fail_status.split(","))
    behaviour = Behaviour(a.latency, a.jitter, a.fail_rate, statuses, a.retry_after, a.rate, a.headers)
    try:
        asyncio.run(serve(behaviour, a.port))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
