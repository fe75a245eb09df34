"""A loopback server that answers every POST with one fixed response: a redirect, a huge body.

    with RawServer(307, {"Location": other.url + "/v1/messages"}) as server: ...
    with RawServer(200, body_bytes=40 * 2**20) as server: ...   # streamed, never held in memory
    server.requests   # the headers of each request received
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_CHUNK = b"x" * 65536


class RawServer:
    def __init__(self, status: int, headers: dict[str, str] | None = None, body_bytes: int = 0) -> None:
        self.status, self.headers, self.body_bytes = status, headers or {}, body_bytes
        self.requests: list[dict[str, str]] = []
        self.sent = 0  # body bytes written before the client stopped reading
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.raw = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> RawServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        raw: RawServer = self.server.raw  # type: ignore[attr-defined]
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        raw.requests.append({k.lower(): v for k, v in self.headers.items()})
        self.send_response(raw.status)
        for name, value in raw.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(raw.body_bytes))
        self.end_headers()
        try:
            while raw.sent < raw.body_bytes:
                chunk = _CHUNK[: raw.body_bytes - raw.sent]
                self.wfile.write(chunk)
                raw.sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
