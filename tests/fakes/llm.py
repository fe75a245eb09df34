"""A loopback fake LLM server speaking OpenAI Chat Completions, embeddings, moderations, Anthropic Messages
and HuggingFace Inference text classification (`/models/<model>`).

    with FakeLLM(latency=0.0) as llm:
        llm.url                      # "http://127.0.0.1:PORT" (OpenAI base_url is llm.url + "/v1")
        llm.respond_with(lambda body: "Paris")
        llm.answer_with(lambda body: shape("openai/refusal"))   # a whole documented body
        llm.fail_next(2, status=429, retry_after=1)
        llm.fail_next(1, status=429, headers={"x-ratelimit-remaining-requests": "0"})
        llm.answer_headers(lambda: {"x-ratelimit-remaining-requests": "3"})   # on every 200
        llm.inject("malformed")      # or "empty_choices", "close", "hang"
        llm.inject("close", 3, match="question 0")   # only for requests whose last user message has it
        llm.moderate_with(lambda text: {"violence"})   # the categories /v1/moderations flags (or a body)
        llm.logprobs_with(lambda text: [-0.5, -0.1])   # per token, when a request asks `logprobs: true`
        llm.classify_with(lambda text: {"POSITIVE": 0.9})   # label scores /models/<model> answers
        llm.requests                 # every request received: FakeRequest(path, body, headers, at)
        llm.max_in_flight
        llm.connections              # TCP connections accepted (keep-alive reuses them)

Faults are consumed one per request, in the order queued (a `match` fault only by a request it
matches). The default answer is deterministic: "echo: " + the last user message.
"""

from __future__ import annotations

import hashlib
import json
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

Responder = Callable[[dict[str, Any]], str]
BodyResponder = Callable[[dict[str, Any]], dict[str, Any]]
SHAPES = Path(__file__).parent / "shapes"  # provider response bodies as documented; see its README
Embedder = Callable[[str], list[float]]
Moderator = Callable[[str], "set[str] | dict[str, Any]"]  # flagged categories, or a whole body
LogProber = Callable[[str], list[float]]
Classifier = Callable[[str], Any]  # label scores ({label: score}), or a whole body
# OpenAI's moderation categories (omni-moderation-latest), as its API reference lists them
MODERATION_CATEGORIES = ("harassment", "harassment/threatening", "sexual", "hate", "hate/threatening", "illicit",
                         "illicit/violent", "self-harm/intent", "self-harm/instructions", "self-harm",
                         "sexual/minors", "violence", "violence/graphic")
FAULT_KINDS = ("status", "malformed", "empty_choices", "close", "hang")


@dataclass(frozen=True)
class FakeRequest:
    path: str
    body: dict[str, Any]
    headers: dict[str, str]
    at: float = 0.0  # time.monotonic() when it arrived


@dataclass(frozen=True)
class _Fault:
    kind: str
    status: int = 500
    retry_after: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    match: str | None = None


def last_user_text(body: dict[str, Any]) -> str:
    """The last user message's text, for OpenAI and Anthropic bodies alike."""
    for message in reversed(body.get("messages", [])):
        if message.get("role") == "user":
            content = message.get("content", "")
            if isinstance(content, list):
                return "".join(block.get("text", "") for block in content)
            return str(content)
    return ""


def echo(body: dict[str, Any]) -> str:
    return "echo: " + last_user_text(body)


def shape(name: str) -> dict[str, Any]:
    """A documented response body, e.g. shape("anthropic/tool_use")."""
    data: dict[str, Any] = json.loads((SHAPES / f"{name}.json").read_text(encoding="utf-8"))
    return data


def letter_vector(text: str) -> list[float]:
    """A deterministic embedding: normalised letter counts, so similar texts land close together."""
    counts = [float(text.lower().count(chr(c))) for c in range(ord("a"), ord("z") + 1)]
    norm = sum(v * v for v in counts) ** 0.5
    if norm == 0:
        digest = hashlib.sha256(text.encode()).digest()
        return [b / 255 for b in digest[:26]]
    return [v / norm for v in counts]


class FakeLLM:
    def __init__(self, latency: float = 0.0, jitter: float = 0.0,
                 responder: Responder | None = None) -> None:
        self.latency = latency
        self.jitter = jitter
        self.responder: Responder = responder or echo
        self.body_responder: BodyResponder | None = None
        self.embedder: Embedder = letter_vector
        self.moderator: Moderator = lambda text: set()
        self.logprober: LogProber = lambda text: [-0.25 for _ in text.split()]
        self.classifier: Classifier = lambda text: {"POSITIVE": 0.9, "NEGATIVE": 0.1}
        self.headers_for_answers: Callable[[], dict[str, str]] = dict
        self.requests: list[FakeRequest] = []
        self.max_in_flight = 0
        self.connections = 0  # TCP connections accepted: keep-alive shows as fewer than requests
        self._in_flight = 0
        self._faults: deque[_Fault] = deque()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def respond_with(self, fn: Responder) -> None:
        self.responder = fn

    def answer_with(self, fn: BodyResponder) -> None:
        """Answer chat and messages requests with the whole body `fn` returns."""
        self.body_responder = fn

    def embed_with(self, fn: Embedder) -> None:
        self.embedder = fn

    def moderate_with(self, fn: Moderator) -> None:
        self.moderator = fn

    def classify_with(self, fn: Classifier) -> None:
        self.classifier = fn

    def logprobs_with(self, fn: LogProber) -> None:
        """Token logprobs of an answer (one per whitespace-separated token of the text by default)."""
        self.logprober = fn

    def fail_next(self, n: int = 1, status: int = 500, retry_after: str | float | None = None,
                  headers: dict[str, str] | None = None, match: str | None = None) -> None:
        ra = None if retry_after is None else str(retry_after)
        extra = tuple((headers or {}).items())
        with self._lock:
            self._faults.extend(_Fault("status", status, ra, extra, match) for _ in range(n))

    def answer_headers(self, fn: Callable[[], dict[str, str]]) -> None:
        """Headers for every successful answer (a provider's rate-limit headers), made per answer."""
        self.headers_for_answers = fn

    def inject(self, kind: str, n: int = 1, match: str | None = None) -> None:
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; one of {FAULT_KINDS}")
        with self._lock:
            self._faults.extend(_Fault(kind, match=match) for _ in range(n))

    def paths(self) -> list[str]:
        return [r.path for r in self.requests]

    def __enter__(self) -> FakeLLM:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()  # releases "hang" handlers
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # ------------------------------------------------------------ used by the handler
    def _enter(self, request: FakeRequest) -> _Fault | None:
        with self._lock:
            self.requests.append(request)
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
            text = last_user_text(request.body)
            for fault in self._faults:
                if fault.match is None or fault.match in text:
                    self._faults.remove(fault)
                    return fault
            return None

    def _leave(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def _delay(self) -> None:
        pause = self.latency + (random.uniform(0, self.jitter) if self.jitter else 0.0)
        if pause > 0:
            time.sleep(pause)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    fake: FakeLLM


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass

    def setup(self) -> None:
        super().setup()
        with self.server.fake._lock:
            self.server.fake.connections += 1

    def do_POST(self) -> None:
        fake = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {}
        fault = fake._enter(FakeRequest(self.path, body, {k.lower(): v for k, v in self.headers.items()},
                                        time.monotonic()))
        try:
            fake._delay()
            if fault is not None:
                self._fault(fault)
                return
            self._answer(body)
        finally:
            fake._leave()

    def _answer(self, body: dict[str, Any]) -> None:
        fake = self.server.fake
        route = urlsplit(self.path).path  # Azure adds `?api-version=…`
        if route.endswith("/embeddings"):
            texts = body.get("input", [])
            texts = [texts] if isinstance(texts, str) else texts
            data = [{"object": "embedding", "index": i, "embedding": fake.embedder(t)}
                    for i, t in enumerate(texts)]
            self._json(200, {"object": "list", "data": data, "model": body.get("model"),
                             "usage": {"prompt_tokens": 1, "total_tokens": 1}})
            return
        if route.startswith("/models/"):  # HuggingFace Inference: [[{label, score}, …]], best first
            labels = fake.classifier(str(body.get("inputs", "")))
            if isinstance(labels, dict) and all(isinstance(v, int | float) for v in labels.values()):
                labels = [[{"label": k, "score": v} for k, v in sorted(labels.items(), key=lambda kv: -kv[1])]]
            self._send(200, json.dumps(labels).encode(), "application/json")
            return
        if route.endswith("/moderations"):
            flagged = fake.moderator(str(body.get("input", "")))
            self._json(200, flagged if isinstance(flagged, dict) else moderation_body(body.get("model"), flagged))
            return
        if fake.body_responder is not None and route.endswith(("/chat/completions", "/messages")):
            self._json(200, fake.body_responder(body))
            return
        if route.endswith("/chat/completions"):
            answer = _openai_answer(body, fake.responder(body))
            if body.get("logprobs"):
                answer["choices"][0]["logprobs"] = logprobs_of(answer["choices"][0]["message"]["content"],
                                                               fake.logprober)
            self._json(200, answer, fake.headers_for_answers())
            return
        if route.endswith("/messages"):
            self._json(200, _anthropic_answer(body, fake.responder(body)), fake.headers_for_answers())
            return
        self._json(404, {"error": {"message": f"no route {self.path}"}})

    def _fault(self, fault: _Fault) -> None:
        if fault.kind == "status":
            headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
            headers.update(fault.headers)
            self._json(fault.status, {"error": {"message": f"injected {fault.status}"}}, headers)
        elif fault.kind == "malformed":
            self._send(200, b'{"choices": [', "application/json")
        elif fault.kind == "empty_choices":
            self._json(200, {"id": "x", "choices": [], "content": []})
        elif fault.kind == "close":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b'{"choices": [{"mess')
            self.wfile.flush()
            self.close_connection = True
        elif fault.kind == "hang":
            self.server.fake._stop.wait(60)
            self.close_connection = True

    def _json(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(payload).encode(), "application/json", headers)

    def _send(self, status: int, data: bytes, ctype: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def _words(text: str) -> int:
    return len(text.split())


def _prompt_words(body: dict[str, Any]) -> int:
    total = _words(str(body.get("system", "")))
    for message in body.get("messages", []):
        content = message.get("content", "")
        total += _words(content if isinstance(content, str) else json.dumps(content))
    return total


def _openai_answer(body: dict[str, Any], text: str) -> dict[str, Any]:
    prompt, completion = _prompt_words(body), _words(text)
    return {
        "id": "chatcmpl-fake", "object": "chat.completion", "model": body.get("model"),
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": text}}],
        "usage": {"prompt_tokens": prompt, "completion_tokens": completion,
                  "total_tokens": prompt + completion},
    }


def _anthropic_answer(body: dict[str, Any], text: str) -> dict[str, Any]:
    return {
        "id": "msg_fake", "type": "message", "role": "assistant", "model": body.get("model"),
        "content": [{"type": "text", "text": text}], "stop_reason": "end_turn",
        "usage": {"input_tokens": _prompt_words(body), "output_tokens": _words(text)},
    }


def logprobs_of(text: str, logprober: LogProber) -> dict[str, Any]:
    """`choices[].logprobs` as Chat Completions documents it: one entry per token."""
    tokens = text.split() or [text]
    values = logprober(text)
    content = [{"token": tok, "logprob": lp, "bytes": list(tok.encode()), "top_logprobs": []}
               for tok, lp in zip(tokens + [""] * max(0, len(values) - len(tokens)), values, strict=False)]
    return {"content": content, "refusal": None}


def moderation_body(model: Any, flagged: set[str]) -> dict[str, Any]:
    """A /v1/moderations answer as documented: every category with its boolean and score."""
    return {"id": "modr-fake", "model": model or "omni-moderation-latest", "results": [{
        "flagged": bool(flagged),
        "categories": {c: c in flagged for c in MODERATION_CATEGORIES} | {c: True for c in flagged},
        "category_scores": {c: 0.9 if c in flagged else 0.0001 for c in MODERATION_CATEGORIES},
        "category_applied_input_types": {c: ["text"] for c in MODERATION_CATEGORIES},
    }]}
