"""A content-addressed on-disk response cache, safe to persist between CI runs.

The key covers everything that shapes an answer (target identity, params, rendered messages,
tools); values hold only the answer and token counts — never keys or headers.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from eval_action.model.files import atomic_write

_VERSION = 1  # bump when the key or value layout changes


def cache_key(identity: dict[str, Any], request: dict[str, Any]) -> str:
    canonical = json.dumps({"v": _VERSION, "target": identity, "request": request},
                           sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class ResponseCache:
    """`enabled=False` (--no-cache) neither reads nor writes.

    Per-case file I/O stays off the event loop without a thread hop per case: the directory is
    listed once, so a miss costs no I/O; writes go to one background thread and are not awaited
    (`aclose` waits for them); only a hit reads its file in a thread.
    """

    def __init__(self, directory: Path, *, enabled: bool = True) -> None:
        self.directory = directory
        self.enabled = enabled
        self._index: asyncio.Future[frozenset[str]] | None = None
        self._fresh: dict[str, dict[str, Any]] = {}  # stored by this run: served without a read
        self._writer: ThreadPoolExecutor | None = None
        self._made_dirs: set[Path] = set()  # touched by the writer thread only

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    async def load(self, key: str) -> dict[str, Any] | None:
        if not self.enabled:
            return None
        if key in self._fresh:
            return self._fresh[key]
        if key not in await self._keys():
            return None
        return await asyncio.to_thread(self._read, self._path(key))

    def store(self, key: str, value: dict[str, Any]) -> None:
        """Queue the write and return at once; `value` must not be changed afterwards."""
        if not self.enabled:
            return
        self._fresh[key] = value
        if self._writer is None:
            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="eval-cache")
        self._writer.submit(self._write_quietly, self._path(key), value)

    async def aclose(self) -> None:
        """Wait for the queued writes."""
        if self._writer is not None:
            writer, self._writer = self._writer, None
            await asyncio.to_thread(writer.shutdown)

    async def _keys(self) -> frozenset[str]:
        if self._index is None:
            self._index = asyncio.ensure_future(asyncio.to_thread(self._scan))
        return await asyncio.shield(self._index)  # one waiter's cancellation must not cancel the scan

    def _scan(self) -> frozenset[str]:
        try:
            return frozenset(p.stem for p in self.directory.glob("??/*.json"))
        except OSError:
            return frozenset()

    @staticmethod
    def _read(path: Path) -> dict[str, Any] | None:
        try:
            value = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None  # a missing or torn file is a miss; the next store replaces it
        return value if isinstance(value, dict) else None

    def _write_quietly(self, path: Path, value: dict[str, Any]) -> None:
        # An unwritable cache only costs future hits; the answer itself is fine.
        with contextlib.suppress(OSError):
            if path.parent not in self._made_dirs:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._made_dirs.add(path.parent)
            self._write(path, value)

    @staticmethod
    def _write(path: Path, value: dict[str, Any]) -> None:
        atomic_write(path, json.dumps(value, ensure_ascii=False).encode())
