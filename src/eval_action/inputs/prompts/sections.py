"""Message bodies: `<System>`/`<User>`/`<Assistant>` sections (Markdown, MDX) and role lines (Prompty)."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast

from eval_action.inputs.yamlio import YamlDoc, load_yaml, split_front_matter
from eval_action.model.errors import UserError
from eval_action.model.specs import Message

Role = Literal["system", "user", "assistant"]
Placed = tuple[Message, int | None]

_TAG = re.compile(r"<(System|User|Assistant)>(.*?)</\1>", re.S)
_OPEN = re.compile(r"</?(System|User|Assistant)>")
# Prompty 2 allows attributes (`user[name="Alice"]:`); they are not part of the message text.
_ROLE_LINE = re.compile(r"^[ \t]*#?[ \t]*(system|user|assistant|function|tool)(?:\[[^\]\n]*\])?[ \t]*:[ \t]*$",
                        re.I | re.M)


@dataclass(frozen=True)
class Parts:
    doc: YamlDoc
    data: dict[str, Any]
    body: str
    body_offset: int  # file lines before the body


def front_matter(text: str, display: str, lines_before: int = 0) -> Parts:
    """Split a Markdown-like file and load its YAML front matter as a mapping; `text` starts after
    `lines_before` file lines (MDX allows a comment above the front matter)."""
    fm = split_front_matter(text, display)
    doc = load_yaml(fm.yaml, display, fm.yaml_offset + lines_before)
    body_offset = fm.body_offset + lines_before
    if doc.data is None:
        return Parts(doc, {}, fm.body, body_offset)
    if not isinstance(doc.data, dict):
        raise UserError("front matter must be a mapping of keys (name:, evals:, …)", display, 2 + lines_before)
    return Parts(doc, cast(dict[str, Any], doc.data), fm.body, body_offset)


def _line(body: str, index: int, offset: int) -> int:
    return offset + body.count("\n", 0, index) + 1


def tagged(body: str, display: str, offset: int) -> list[Placed]:
    """`<System>…</System>` etc. in order; a body without tags is one user message."""
    matches = list(_TAG.finditer(body))
    if not matches:
        _check_gap(body, 0, len(body), display, offset, only_tags=True)
        return [_message("user", body, 0, len(body), display, offset, "the body")]
    starts = [0, *(m.end() for m in matches)]
    ends = [*(m.start() for m in matches), len(body)]
    for start, end in zip(starts, ends, strict=True):
        _check_gap(body, start, end, display, offset, only_tags=False)
    return [_message(cast(Role, m.group(1).lower()), body, m.start(2), m.end(2), display, offset,
                     f"<{m.group(1)}>") for m in matches]


def _check_gap(body: str, start: int, end: int, display: str, offset: int, *, only_tags: bool) -> None:
    gap = body[start:end]
    stray = _OPEN.search(gap)
    if stray:
        raise UserError(f"`{stray.group()}` has no matching tag — close each <System>, <User> or "
                        "<Assistant> section", display, _line(body, start + stray.start(), offset))
    if gap.strip() and not only_tags:
        raise UserError("text outside the sections — wrap every part of the body in <System>, <User> "
                        "or <Assistant>", display, _line(body, end - len(gap.lstrip()), offset))


def _message(role: Role, body: str, start: int, end: int, display: str, offset: int, what: str) -> Placed:
    raw = body[start:end]
    content = textwrap.dedent(raw).strip()
    if not content:
        raise UserError(f"{what} is empty — write the message text", display, _line(body, start, offset))
    first = start + len(raw) - len(raw.lstrip())
    return Message(role=role, content=content), _line(body, first, offset)


def role_lines(body: str, display: str, offset: int) -> list[Placed]:
    """Prompty's `system:`/`user:`/`assistant:` lines; text before the first is the system message."""
    marks = list(_ROLE_LINE.finditer(body))
    chunks: list[tuple[str, int, int]] = []  # role, start, end of content
    if not marks or body[: marks[0].start()].strip():
        chunks.append(("system", 0, marks[0].start() if marks else len(body)))
    ends = [m.start() for m in marks[1:]] + [len(body)] * bool(marks)
    chunks.extend((m.group(1).lower(), m.end(), end) for m, end in zip(marks, ends, strict=True))
    placed: list[Placed] = []
    for role, start, end in chunks:
        if role not in ("system", "user", "assistant"):
            raise UserError(f"the `{role}:` role is not supported — use system:, user: or assistant:",
                            display, _line(body, start, offset))
        if body[start:end].strip():
            placed.append(_message(cast(Role, role), body, start, end, display, offset, f"{role}:"))
    if not placed:
        raise UserError("the body is empty — write the prompt below the front matter", display,
                        offset + 1)
    return placed


def default_name(file: Path, suffixes: Sequence[str]) -> str:
    name = file.name
    for suffix in suffixes:
        if name.endswith(suffix):
            return name[: -len(suffix)] or name
    return name
