"""The one glob rule set: `prompts:`, `triggers:`, `--prompts` and discovery all match paths with it.

Syntax as in git and promptfoo: `*` and `?` stay within a folder, `**/` matches any number of
folders including none (so `**/*.prompt.yaml` matches at the root), a trailing `/**` or `/` matches
everything below, `[abc]` classes (never matching `/`), `{a,b}` alternatives, a leading `./` or `/`
is dropped. A pattern starting with `!` excludes: a path matches when it matches any other pattern
and no `!` pattern (order does not matter, unlike .gitignore, so a list reads as a set).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass

_NEVER = re.compile(r"(?!)")


@dataclass(frozen=True)
class Globs:
    include: re.Pattern[str]
    exclude: re.Pattern[str]

    def match(self, path: str) -> bool:
        return self.include.fullmatch(path) is not None and self.exclude.fullmatch(path) is None


def compile_globs(patterns: Iterable[str], folder: str = "") -> Globs:
    """`patterns` as one matcher of repository-relative POSIX paths; `folder` anchors them (a config
    file in a subfolder names paths relative to itself)."""
    include: list[str] = []
    exclude: list[str] = []
    for raw in patterns:
        text = raw.strip()
        negated = text.startswith("!")
        pattern = _anchor(text[1:] if negated else text, folder)
        (exclude if negated else include).append(_translate(pattern))
    return Globs(_union(include), _union(exclude))


def matches(path: str, patterns: list[str]) -> bool:
    """`--prompts` and friends: a glob, or a file named literally (a name may hold `[` or `{`)."""
    return path in patterns or compile_globs(patterns).match(path)


def _anchor(pattern: str, folder: str) -> str:
    pattern = pattern.removeprefix("./").lstrip("/")
    if pattern.endswith("/"):
        pattern += "**"
    return posixpath.join(folder, pattern) if folder else pattern


def _union(regexes: list[str]) -> re.Pattern[str]:
    if not regexes:
        return _NEVER
    return re.compile("|".join(f"(?:{r})" for r in regexes), re.DOTALL)


def _translate(glob: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(glob):
        at_segment_start = i == 0 or glob[i - 1] == "/"
        if at_segment_start and glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif at_segment_start and glob.startswith("**", i) and i + 2 == len(glob):
            out.append(".*")
            i += 2
        else:
            piece, i = _piece(glob, i)
            out.append(piece)
    return "".join(out)


def _piece(glob: str, i: int) -> tuple[str, int]:
    c = glob[i]
    if c == "*":
        return "[^/]*", i + 1
    if c == "?":
        return "[^/]", i + 1
    if c == "[":
        end = glob.find("]", i + 2)
        if end != -1:
            body = glob[i + 1 : end]
            negate = body[:1] in ("!", "^")
            body = re.escape(body[1:] if negate else body).replace(r"\-", "-")
            return f"(?!/)[{'^' if negate else ''}{body}]", end + 1
    if c == "{":
        end = _closing_brace(glob, i)
        if end != -1:
            alternatives = _split_top(glob[i + 1 : end])
            return "(?:" + "|".join(_translate(a) for a in alternatives) + ")", end + 1
    return re.escape(c), i + 1


def _closing_brace(glob: str, start: int) -> int:
    depth = 0
    for j in range(start, len(glob)):
        depth += {"{": 1, "}": -1}.get(glob[j], 0)
        if depth == 0:
            return j
    return -1


def _split_top(body: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for c in body:
        if c == "," and depth == 0:
            parts.append(current)
            current = ""
            continue
        depth += {"{": 1, "}": -1}.get(c, 0)
        current += c
    return [*parts, current]
