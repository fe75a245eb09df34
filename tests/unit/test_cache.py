"""The content-addressed response cache."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from eval_action.cache import ResponseCache, cache_key

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


def test_round_trip_layout_and_atomic_files(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path)
    key = cache_key(IDENTITY, REQUEST)
    value = {"output": "Paris", "input_tokens": 3, "output_tokens": 1}
    assert asyncio.run(cache.load(key)) is None
    asyncio.run(cache.store(key, value))
    path = tmp_path / key[:2] / f"{key}.json"
    assert json.loads(path.read_text()) == value
    assert asyncio.run(cache.load(key)) == value
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp files left behind


def test_disabled_cache_neither_reads_nor_writes(tmp_path: Path) -> None:
    key = cache_key(IDENTITY, REQUEST)
    asyncio.run(ResponseCache(tmp_path).store(key, {"output": "old"}))
    off = ResponseCache(tmp_path, enabled=False)
    assert asyncio.run(off.load(key)) is None
    asyncio.run(off.store(cache_key(IDENTITY, {}), {"output": "new"}))
    assert len(list(tmp_path.rglob("*.json"))) == 1


def test_torn_entry_is_a_miss_and_unwritable_dir_is_harmless(tmp_path: Path) -> None:
    key = cache_key(IDENTITY, REQUEST)
    path = tmp_path / key[:2] / f"{key}.json"
    path.parent.mkdir()
    path.write_text('{"output": "Par')
    assert asyncio.run(ResponseCache(tmp_path).load(key)) is None
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    asyncio.run(ResponseCache(blocker).store(key, {"output": "x"}))  # must not raise
    assert blocker.read_text() == "not a directory"
