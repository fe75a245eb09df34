"""A loopback fake of the GitHub REST v3 and GitLab v4 endpoints a PR/MR commenter uses.

    with FakeForge(token="t0ken") as forge:
        forge.url                          # GitHub base_url; GitLab server URL (API under /api/v4)
        forge.comments[("gh", "acme/app", 7)]  # list of {"id", "body"} dicts, oldest first
        forge.files[("gh", "acme/app", 7)] = [{"filename": ..., "previous_filename": ...}]
        forge.read_only = True             # every write answers 403, as for a fork PR's token
        forge.fail_next(2, status=502)     # faults consumed one per request, in order
        forge.log                          # (method, path, status) for every request
        forge.race("<body>")               # another run posts this just before our next comment

Lists paginate like the real APIs: `page`/`per_page` query, a `Link` header (rel="next"),
and GitLab's `X-Next-Page`/`X-Page`/`X-Per-Page`/`X-Total` headers.
"""

from __future__ import annotations

import json
import re
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

Key = tuple[str, str, int]
# who posts through the token: GitHub's job token is the Actions bot, GitLab's a project bot user
BOTS = {"gh": "github-actions[bot]", "gl": "project_42_bot_eval"}
Reply = tuple[int, Any, dict[str, str]]


@dataclass
class Fault:
    status: int
    body: Any
    headers: dict[str, str]


@dataclass
class ForgeState:
    token: str
    read_only: bool = False
    comments: dict[Key, list[dict[str, Any]]] = field(default_factory=dict)
    files: dict[Key, list[dict[str, Any]]] = field(default_factory=dict)
    faults: deque[Fault] = field(default_factory=deque)
    log: list[tuple[str, str, int]] = field(default_factory=list)
    next_id: int = 1000
    racing: list[str] = field(default_factory=list)  # bodies another run posts before our next create
    whoami_hidden: bool = False  # GitLab's /user answers 404, as a gateway or an older fake might
    lock: threading.Lock = field(default_factory=threading.Lock)


class FakeForge:
    def __init__(self, token: str = "t0ken") -> None:
        self.state = ForgeState(token=token)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.state = self.state  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FakeForge:
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def comments(self) -> dict[Key, list[dict[str, Any]]]:
        return self.state.comments

    @property
    def files(self) -> dict[Key, list[dict[str, Any]]]:
        return self.state.files

    @property
    def log(self) -> list[tuple[str, str, int]]:
        return self.state.log

    @property
    def read_only(self) -> bool:
        return self.state.read_only

    @read_only.setter
    def read_only(self, value: bool) -> None:
        self.state.read_only = value

    def fail_next(self, n: int, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        for _ in range(n):
            self.state.faults.append(Fault(status, body or {"message": "injected"}, headers or {}))

    def seed(self, key: Key, bodies: list[str], author: str | None = None) -> list[int]:
        """Pre-existing comments (oldest first), by our bot unless `author` names someone; their ids."""
        with self.state.lock:
            items = self.state.comments.setdefault(key, [])
            for body in bodies:
                self.state.next_id += 1
                items.append({"id": self.state.next_id, "body": body, "author": author or BOTS[key[0]]})
            return [c["id"] for c in items[-len(bodies) :]] if bodies else []

    def race(self, body: str) -> None:
        """Two runs of one PR: the other one's comment lands between our list and our create."""
        self.state.racing.append(body)

    def writes(self) -> list[tuple[str, str, int]]:
        return [entry for entry in self.log if entry[0] in ("POST", "PATCH", "PUT", "DELETE")]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_PATCH(self) -> None:
        self._route("PATCH")

    def do_PUT(self) -> None:
        self._route("PUT")

    def do_DELETE(self) -> None:
        self._route("DELETE")

    def _route(self, method: str) -> None:
        st: ForgeState = self.server.state  # type: ignore[attr-defined]
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        body = json.loads(raw) if raw.strip() else {}
        with st.lock:
            fault = st.faults.popleft() if st.faults else None
        if fault:
            status, out, headers = fault.status, fault.body, fault.headers
        else:
            status, out, headers = self._dispatch(st, method, body)
        with st.lock:
            st.log.append((method, self.path, status))
        data = b"" if status == 204 else json.dumps(out).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _authorised(self, st: ForgeState) -> bool:
        given = [self.headers.get("Authorization", ""), self.headers.get("PRIVATE-TOKEN", "")]
        return any(g.split()[-1] == st.token for g in given if g.strip())

    def _dispatch(self, st: ForgeState, method: str, body: dict[str, Any]) -> Reply:
        if not self._authorised(st):
            return 401, {"message": "Bad credentials"}, {}
        if method != "GET" and st.read_only:
            return 403, {"message": "Resource not accessible by integration"}, {}
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        for pattern, handler in _ROUTES:
            m = re.fullmatch(pattern, url.path)
            if m:
                return handler(self, st, method, m, query, body)
        return 404, {"message": "Not Found"}, {}

    @property
    def base(self) -> str:
        return f"http://{self.headers['Host']}"  # the address the client used, so its URL checks agree

    def page(self, items: list[dict[str, Any]], query: dict[str, str], default_per: int) -> Reply:
        per = int(query.get("per_page", default_per))
        page = int(query.get("page", 1))
        chunk = items[(page - 1) * per : page * per]
        headers = {"X-Page": str(page), "X-Per-Page": str(per), "X-Total": str(len(items))}
        if page * per < len(items):
            nxt = urlencode({**query, "page": page + 1, "per_page": per})
            headers["Link"] = f'<{self.base}{urlparse(self.path).path}?{nxt}>; rel="next"'
            headers["X-Next-Page"] = str(page + 1)
        else:
            headers["X-Next-Page"] = ""
        return 200, chunk, headers

    # ------------------------------------------------------------ GitHub
    def gh_repo(self, st: ForgeState, method: str, m: re.Match[str], q: dict[str, str], b: Any) -> Reply:
        full = f"{m[1]}/{m[2]}"
        return 200, {"id": 1, "name": m[2], "full_name": full, "url": f"{self.base}/repos/{full}"}, {}

    def gh_issue(self, st: ForgeState, method: str, m: re.Match[str], q: dict[str, str], b: Any) -> Reply:
        full, n = f"{m[1]}/{m[2]}", int(m[4])
        return 200, {"id": n, "number": n, "url": f"{self.base}/repos/{full}/{m[3]}/{n}"}, {}

    def gh_comments(self, st: ForgeState, method: str, m: re.Match[str], q: dict[str, str], b: Any) -> Reply:
        key = ("gh", f"{m[1]}/{m[2]}", int(m[3]))
        with st.lock:
            items = st.comments.setdefault(key, [])
            if method == "GET":
                return self.page([self.gh_comment_json(key, c) for c in items], q, 30)
            if len(b.get("body", "")) > 65_536:
                return 422, {"message": "Validation Failed", "errors": [{"message": "Body is too long"}]}, {}
            _race(st, items, BOTS["gh"])
            st.next_id += 1
            items.append({"id": st.next_id, "body": b.get("body", ""), "author": BOTS["gh"]})
            return 201, self.gh_comment_json(key, items[-1]), {}

    def gh_comment(self, st: ForgeState, method: str, m: re.Match[str], q: dict[str, str], b: Any) -> Reply:
        with st.lock:
            return self._gh_comment(st, method, int(m[3]), b)

    def _gh_comment(self, st: ForgeState, method: str, cid: int, b: Any) -> Reply:
        for key, items in st.comments.items():
            for c in items:
                if key[0] == "gh" and c["id"] == cid:
                    if method == "DELETE":
                        items.remove(c)
                        return 204, None, {}
                    if method == "PATCH":
                        c["body"] = b.get("body", c["body"])
                    return 200, self.gh_comment_json(key, c), {}
        return 404, {"message": "Not Found"}, {}

    def gh_comment_json(self, key: Key, c: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": c["id"],
            "body": c["body"],
            "url": f"{self.base}/repos/{key[1]}/issues/comments/{c['id']}",
            "html_url": f"https://github.test/{key[1]}/pull/{key[2]}#issuecomment-{c['id']}",
            "user": {"login": c["author"], "id": 41898282 if c["author"] == BOTS["gh"] else 5,
                     "type": "Bot" if c["author"].endswith("[bot]") else "User"},
        }

    def gh_files(self, st: ForgeState, method: str, m: re.Match[str], q: dict[str, str], b: Any) -> Reply:
        return self.page(st.files.get(("gh", f"{m[1]}/{m[2]}", int(m[3])), []), q, 30)

    # ------------------------------------------------------------ GitLab
    def gl_project(self, st: ForgeState, method: str, m: re.Match[str], q: dict[str, str], b: Any) -> Reply:
        return 200, {"id": 42, "path_with_namespace": "acme/app"}, {}

    def gl_mr(self, st: ForgeState, method: str, m: re.Match[str], q: dict[str, str], b: Any) -> Reply:
        return 200, {"id": 900, "iid": int(m[2]), "project_id": 42}, {}

    def gl_notes(self, st: ForgeState, method: str, m: re.Match[str], q: dict[str, str], b: Any) -> Reply:
        key = ("gl", m[1], int(m[2]))
        with st.lock:
            items = st.comments.setdefault(key, [])
            if method == "GET" and m[3] is None:
                return self.page([self.gl_note_json(n) for n in items], q, 20)
            if method == "POST" and m[3] is None:
                _race(st, items, BOTS["gl"])
                st.next_id += 1
                items.append({"id": st.next_id, "body": b.get("body", ""), "author": BOTS["gl"]})
                return 201, self.gl_note_json(items[-1]), {}
            for n in items:
                if m[3] is not None and n["id"] == int(m[3]):
                    if method == "DELETE":
                        items.remove(n)
                        return 204, None, {}
                    if method == "PUT":
                        n["body"] = b.get("body", n["body"])
                    return 200, self.gl_note_json(n), {}
        return 404, {"message": "404 Not found"}, {}

    @staticmethod
    def gl_note_json(n: dict[str, Any]) -> dict[str, Any]:
        return {"id": n["id"], "body": n["body"], "system": False, "author": {"username": n["author"]}}

    def gl_user(self, st: ForgeState, method: str, m: re.Match[str], q: dict[str, str], b: Any) -> Reply:
        if st.whoami_hidden:
            return 404, {"message": "404 Not Found"}, {}
        return 200, {"id": 77, "username": BOTS["gl"], "bot": True}, {}

    def gh_user(self, st: ForgeState, method: str, m: re.Match[str], q: dict[str, str], b: Any) -> Reply:
        # an installation token (GITHUB_TOKEN) may not read /user
        return 403, {"message": "Resource not accessible by integration"}, {}

    def gl_diffs(self, st: ForgeState, method: str, m: re.Match[str], q: dict[str, str], b: Any) -> Reply:
        return self.page(st.files.get(("gl", m[1], int(m[2])), []), q, 20)


def _race(st: ForgeState, items: list[dict[str, Any]], author: str) -> None:
    while st.racing:
        st.next_id += 1
        items.append({"id": st.next_id, "body": st.racing.pop(0), "author": author})


_ROUTES = [
    (r"/user", _Handler.gh_user),
    (r"/api/v4/user", _Handler.gl_user),
    (r"/repos/([^/]+)/([^/]+)", _Handler.gh_repo),
    (r"/repos/([^/]+)/([^/]+)/(pulls|issues)/(\d+)", _Handler.gh_issue),
    (r"/repos/([^/]+)/([^/]+)/issues/(\d+)/comments", _Handler.gh_comments),
    (r"/repos/([^/]+)/([^/]+)/issues/comments/(\d+)", _Handler.gh_comment),
    (r"/repos/([^/]+)/([^/]+)/pulls/(\d+)/files", _Handler.gh_files),
    (r"/api/v4/projects/([^/]+)", _Handler.gl_project),
    (r"/api/v4/projects/([^/]+)/merge_requests/(\d+)", _Handler.gl_mr),
    (r"/api/v4/projects/([^/]+)/merge_requests/(\d+)/notes(?:/(\d+))?", _Handler.gl_notes),
    (r"/api/v4/projects/([^/]+)/merge_requests/(\d+)/diffs", _Handler.gl_diffs),
]
