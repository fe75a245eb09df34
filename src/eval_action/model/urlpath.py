"""A model or deployment name as URL path segments.

Some APIs put the model in the path (HuggingFace's `/models/{owner}/{name}`, Azure's
`/openai/deployments/{deployment}`), and a name is something a PR may change while the host and key
stay the base's: a `..` segment, or a quoted `/`, would send that key to another path on the host.
"""

from __future__ import annotations

from urllib.parse import quote


def path_segments(name: str) -> str:
    """`name`'s `/`-separated parts, each quoted whole; ValueError for an empty, `.` or `..` part."""
    parts = name.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise ValueError("must be `/`-separated names (e.g. owner/model), with no empty, `.` or `..` part")
    return "/".join(quote(part, safe="") for part in parts)
