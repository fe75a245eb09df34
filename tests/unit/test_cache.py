"""The content-addressed response cache."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from eval_action.execution.cache import ResponseCache, cache_key

IDENTITY = {"type": "openai", "model": "m", "base_url": "http://x/v1", "params": {}}
REQUEST = {"messages": [{"role": "user", "content": "hi"}], "params": {"temperature": 0}}


def test_key_is_stable_and_covers_what_shapes_the_answer() -> None:
    key = cache_key(IDENTITY, REQUEST)
    assert key == cache_key(dict(reversed(IDENTITY.items())), REQUEST)  # canonical: key order irrelevant
    assert len(key) == 64
    changed = [
        cache_key({**IDENTITY, "model": "other"}, REQUEST),
        cache_key({**IDENTITY, "base_url": "http://y/v1"}, REQUEST),
        cache_key(IDENTITY, {**REQUEST, "params": {"temperature": 1}}),
        cache_key(IDENTITY, {**REQUEST, "params": {"temperature": 0, "tools": [{"name": "f"}]}}),
        cache_key(IDENTITY, {**REQUEST, "messages": [{"role": "user", "content": "hi!"}]}),
    ]
    assert len({key, *changed}) == 6


async def _store_and_close(cache: ResponseCache, key: str, value: dict[str, Any]) -> None:
    cache.store(key, value)
    await cache.aclose()


def test_round_trip_layout_and_atomic_files(tmp_path: Path) -> None:
    key = cache_key(IDENTITY, REQUEST)
    value = {"output": "Paris", "input_tokens": 3, "output_tokens": 1}
    assert asyncio.run(ResponseCache(tmp_path).load(key)) is None
    asyncio.run(_store_and_close(ResponseCache(tmp_path), key, value))
    path = tmp_path / key[:2] / f"{key}.json"
    assert json.loads(path.read_text()) == value
    assert asyncio.run(ResponseCache(tmp_path).load(key)) == value  # a new run reads the file
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp files left behind


def test_a_store_is_served_at_once_and_written_by_aclose(tmp_path: Path) -> None:
    async def main() -> tuple[dict[str, Any] | None, bool, bool]:
        cache = ResponseCache(tmp_path)
        key = cache_key(IDENTITY, REQUEST)
        assert await cache.load(key) is None  # the directory listing is taken here, before the store
        cache.store(key, {"output": "Paris"})
        hit = await cache.load(key)
        await cache.aclose()
        return hit, (tmp_path / key[:2] / f"{key}.json").exists(), cache._writer is None
    assert asyncio.run(main()) == ({"output": "Paris"}, True, True)


def test_a_miss_reads_no_file_and_the_directory_is_listed_once(tmp_path: Path) -> None:
    key = cache_key(IDENTITY, REQUEST)
    asyncio.run(_store_and_close(ResponseCache(tmp_path), key, {"output": "old"}))

    async def main() -> list[dict[str, Any] | None]:
        cache = ResponseCache(tmp_path)
        results = await asyncio.gather(*(cache.load(cache_key(IDENTITY, {"n": i})) for i in range(50)),
                                       cache.load(key))
        # Files written after the listing by someone else are misses, not errors.
        other = cache_key(IDENTITY, {"later": 1})
        (tmp_path / other[:2]).mkdir(exist_ok=True)
        (tmp_path / other[:2] / f"{other}.json").write_text('{"output": "x"}')
        return [*results, await cache.load(other)]
    results = asyncio.run(main())
    assert results[:50] == [None] * 50 and results[50] == {"output": "old"} and results[51] is None


def test_disabled_cache_neither_reads_nor_writes(tmp_path: Path) -> None:
    key = cache_key(IDENTITY, REQUEST)
    asyncio.run(_store_and_close(ResponseCache(tmp_path), key, {"output": "old"}))
    off = ResponseCache(tmp_path, enabled=False)
    assert asyncio.run(off.load(key)) is None
    asyncio.run(_store_and_close(off, cache_key(IDENTITY, {}), {"output": "new"}))
    assert len(list(tmp_path.rglob("*.json"))) == 1


def test_torn_entry_is_a_miss_and_unwritable_dir_is_harmless(tmp_path: Path) -> None:
    key = cache_key(IDENTITY, REQUEST)
    path = tmp_path / key[:2] / f"{key}.json"
    path.parent.mkdir()
    path.write_text('{"output": "Par')
    assert asyncio.run(ResponseCache(tmp_path).load(key)) is None
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    asyncio.run(_store_and_close(ResponseCache(blocker), key, {"output": "x"}))  # must not raise
    assert blocker.read_text() == "not a directory"
