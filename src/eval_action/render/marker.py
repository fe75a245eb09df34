"""The hidden first line that makes the comment sticky: `<!-- eval-action:KEY sha=abc1234 run=42 -->`.

The key comes from user input, so it is reduced to a safe alphabet and can never end the HTML
comment. Only the first line of a body is read back: a marker quoted later in the body (say, in
model output) cannot make another comment look like ours.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_UNSAFE_KEY = re.compile(r"[^A-Za-z0-9._/-]+")
_MARKER = re.compile(r"<!-- eval-action:([A-Za-z0-9._/-]+)(?: sha=([0-9a-f]+))?(?: run=([0-9]+))? -->")
_MAX_KEY = 100


@dataclass(frozen=True)
class Marker:
    key: str
    head: str | None
    run_id: int | None


def clean_key(key: str) -> str:
    return _UNSAFE_KEY.sub("-", key).strip("-")[:_MAX_KEY] or "default"


def make_marker(key: str, head: str | None, run_id: int | None) -> str:
    parts = [f"<!-- eval-action:{clean_key(key)}"]
    sha = (head or "").lower()
    if re.fullmatch(r"[0-9a-f]{4,64}", sha):
        parts.append(f"sha={sha}")
    if run_id is not None and run_id >= 0:
        parts.append(f"run={run_id}")
    return " ".join(parts) + " -->"


def parse_marker(body: str) -> Marker | None:
    first = body.split("\n", 1)[0].rstrip("\r")
    match = _MARKER.fullmatch(first)
    if match is None:
        return None
    key, sha, run = match.groups()
    return Marker(key=key, head=sha, run_id=int(run) if run else None)
