"""A content-addressed on-disk response cache, safe to persist between CI runs.

The key covers everything that shapes an answer (target identity, params, rendered messages,
tools); values hold only the answer and token counts — never keys or headers.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

_VERSION = 1  # bump when the key or value layout changes


def cache_key(identity: dict[str, Any], request: dict[str, Any]) -> str:
    canonical = json.dumps({"v": _VERSION, "target": identity, "request": request},
                           sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class ResponseCache:
    """`enabled=False` (--no-cache) neither reads nor writes."""

    def __init__(self, directory: Path, *, enabled: bool = True) -> None:
        self.directory = directory
        self.enabled = enabled

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    async def load(self, key: str) -> dict[str, Any] | None:
        if not self.enabled:
            return None
        return await asyncio.to_thread(self._read, self._path(key))

    async def store(self, key: str, value: dict[str, Any]) -> None:
        if not self.enabled:
            return
        # An unwritable cache only costs future hits; the answer itself is fine.
        with contextlib.suppress(OSError):
            await asyncio.to_thread(self._write, self._path(key), value)

    @staticmethod
    def _read(path: Path) -> dict[str, Any] | None:
        try:
            value = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None  # a missing or torn file is a miss; the next store replaces it
        return value if isinstance(value, dict) else None

    @staticmethod
    def _write(path: Path, value: dict[str, Any]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(value, f, ensure_ascii=False)
            os.replace(tmp, path)  # atomic: readers see the old file or the new one, never half
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
