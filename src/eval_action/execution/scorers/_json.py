"""Finding JSON in model output: a whole answer, a ```json fence, or an object inside prose."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

_FENCE_RE = re.compile(r"```[ \t]*(?:json|JSON)?[ \t]*\n(.*?)```", re.DOTALL)
_DECODER = json.JSONDecoder(parse_constant=lambda c: _not_json(c))
_MAX_STARTS = 2000  # bounds the prose scan on huge outputs


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def parse_whole(text: str) -> tuple[bool, Any]:
    """Strict JSON: NaN and Infinity, which Python's json would accept, are refused as JSON.parse does."""
    try:
        return True, json.loads(text, parse_constant=_not_json)
    except ValueError:  # JSONDecodeError is a ValueError
        return False, None


def find_json(text: str) -> Iterator[Any]:
    """Every JSON object or array in `text`, fenced blocks first, then in reading order."""
    for block in _FENCE_RE.findall(text):
        ok, value = parse_whole(block.strip())
        if ok and isinstance(value, dict | list):
            yield value
    yield from _scan(text)


def _scan(text: str) -> Iterator[Any]:
    pos, starts = 0, 0
    while starts < _MAX_STARTS:
        found = [i for i in (text.find("{", pos), text.find("[", pos)) if i >= 0]
        if not found:
            return
        start = min(found)
        starts += 1
        try:
            value, end = _DECODER.raw_decode(text, start)
        except json.JSONDecodeError:
            pos = start + 1
            continue
        yield value
        pos = end


def first_json(text: str) -> tuple[bool, Any]:
    """The whole output if it is JSON, else the first object or array found in it."""
    ok, value = parse_whole(text.strip())
    if ok:
        return True, value
    for value in find_json(text):
        return True, value
    return False, None
