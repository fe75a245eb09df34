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


# ---------------------------------------------------------------- JSON on lines of its own
# How promptfoo's tool-call-f1 reads calls a provider printed among prose: a block counts when it
# opens a line and closes one and parses; Markdown code fences (``` or ~~~, also inside list items)
# hold examples, not calls; a balanced block that doesn't parse is searched for blocks inside it.
# Work is bounded: a delimiter stack and a parse budget, each failing loudly when exhausted.
_MAX_UNMATCHED = 65_536
_FENCE_MARK_RE = re.compile(r"[ \t]*(`{3,}|~{3,})")
_LIST_ITEM_RE = re.compile(r"[ \t]*(?:[-+*]|\d+[.)])[ \t]+")
_NON_SPACE_RE = re.compile(r"\S")


class JsonScanLimit(ValueError):
    """The output is too malformed to finish scanning within the limits."""


def json_on_own_lines(text: str) -> Iterator[Any]:
    """Every JSON value in `text` that starts a line and ends one, outside code fences."""
    pending = [_blocks(text, nested=False)]
    budget = 4 * len(text)  # each failed parse pays for the rescan of its block: linear work
    while pending:
        found = next(pending[-1], None)
        if found is None:
            pending.pop()
            continue
        block, starts_line = found
        if len(block) > budget:
            raise JsonScanLimit("could not finish parsing malformed output within its work limit")
        budget -= len(block)
        ok, value = parse_whole(block)
        if not ok:
            pending.append(_blocks(block, nested=True))
        elif starts_line:
            yield value


_Delimiter = tuple[str, int, bool, bool]  # char, index in text, first on its line, last on its line


def _blocks(text: str, *, nested: bool) -> Iterator[tuple[str, bool]]:
    """Balanced top-level blocks (one level down when `nested`) that end a line, and whether each starts one."""
    unmatched = _unmatched(text)
    skip, depth, start, start_depth, starts_line = 0, 0, -1, 0, False
    for token in _delimiters(text):
        if token is None:
            continue
        char, index, first, last = token
        if skip < len(unmatched) and index == unmatched[skip]:
            skip += 1
            continue
        if char in "{[":
            if start < 0 and depth == int(nested):
                start, start_depth, starts_line = index, depth, first
            depth += 1
            continue
        depth -= 1
        if start >= 0 and depth == start_depth:
            if last:
                yield text[start:index + 1], starts_line
            start = -1


def _unmatched(text: str) -> list[int]:
    """Indexes of the delimiters that pair with none; a fence or a broken string ends what can pair."""
    unmatched: list[int] = []
    floor = 0
    for token in _delimiters(text):
        if token is None:
            floor = len(unmatched)
            continue
        char, index = token[0], token[1]
        if char in "{[":
            unmatched.append(index)
        elif len(unmatched) > floor and text[unmatched[-1]] == ("{" if char == "}" else "["):
            unmatched.pop()
        else:
            unmatched.append(index)
            floor = len(unmatched)
        if len(unmatched) > _MAX_UNMATCHED:
            raise JsonScanLimit(f"exceeded its delimiter limit ({_MAX_UNMATCHED})")
    return unmatched


def _columns(text: str) -> int:
    column = 0
    for char in text:
        column += 4 - column % 4 if char == "\t" else 1
    return column


def _delimiters(text: str) -> Iterator[_Delimiter | None]:
    """Brackets outside JSON strings and code fences, line by line; None where nothing may pair across."""
    in_string = escaped = False
    fence, fence_indent = "", 0
    items: list[int] = []  # content columns of the open list items
    line_start = 0
    while line_start < len(text):
        offset = line_start
        newline = text.find("\n", line_start)
        line_end = len(text) if newline < 0 else newline
        content = text[line_start:line_end].rstrip()
        line_start = line_end + 1
        first = m.start() if (m := _NON_SPACE_RE.search(content)) else -1
        indent = _columns(content[:max(0, first)])
        if fence and content and indent < fence_indent:  # the list item holding the fence ended
            fence = ""
            yield None
        if fence:
            mark = _FENCE_MARK_RE.match(content)
            if (mark and indent <= fence_indent + 3 and mark[1][0] == fence[0] and len(mark[1]) >= len(fence)
                    and not content[mark.end():].strip()):
                fence = ""
            continue
        while content and items and indent < items[-1]:
            items.pop()
        item = _LIST_ITEM_RE.match(content)
        if item:
            items.append(_columns(item[0]))
        container = items[-1] if items else 0
        rest = content[item.end():] if item else content
        mark = _FENCE_MARK_RE.match(rest)
        if mark and (item or indent <= container + 3) and (mark[1][0] != "`" or "`" not in rest[mark.end():]):
            fence, fence_indent = mark[1], container
            yield None
            continue
        for column, char in enumerate(content):
            if in_string:
                if escaped:
                    escaped = False
                elif char == "\\":
                    escaped = True
                elif char == '"':
                    in_string = False
            elif char == '"':
                in_string = True
            elif char in "{[}]":
                yield char, offset + column, column == first, column == len(content) - 1
        if in_string:  # a JSON string cannot span lines
            in_string = escaped = False
            yield None
