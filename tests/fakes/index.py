"""A loopback package index (PEP 503 simple API) serving the wheels of one folder, logging every request.

    with FakeIndex(wheel_dir) as index:
        env["PIP_INDEX_URL"] = index.url   # .../simple/
        index.requests                     # every path asked for, in order

It holds every file pip could want, so an installer that reaches for an index finds one and shows up in
`requests`: an empty log proves nothing was fetched from an index.
"""

from __future__ import annotations

import html
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any


def _project(wheel: str) -> str:
    return re.sub(r"[-_.]+", "-", wheel.split("-", 1)[0]).lower()


class FakeIndex:
    def __init__(self, wheels: Path) -> None:
        self.requests: list[str] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.index = self  # type: ignore[attr-defined]
        self.wheels = wheels
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/simple/"

    def __enter__(self) -> FakeIndex:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self._server.shutdown()
        self._server.server_close()


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        index: FakeIndex = self.server.index  # type: ignore[attr-defined]
        index.requests.append(self.path)
        wheels = sorted(p.name for p in index.wheels.glob("*.whl"))
        if m := re.fullmatch(r"/simple/([^/]+)/?", self.path):
            links = "".join(f'<a href="/files/{html.escape(w)}">{html.escape(w)}</a>\n'
                            for w in wheels if _project(w) == m[1])
            self._send(200, "text/html", f"<!DOCTYPE html><html><body>\n{links}</body></html>".encode())
        elif (m := re.fullmatch(r"/files/([^/]+\.whl)", self.path)) and m[1] in wheels:
            self._send(200, "application/octet-stream", (index.wheels / m[1]).read_bytes())
        else:
            self._send(404, "text/plain", b"not found")

    def _send(self, status: int, kind: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
