"""Finding prompt files: one walk of the tree, globs compiled once into a single regex.

Glob syntax as in git and promptfoo: `*` and `?` stay within a folder, `**/` matches any
number of folders including none (so `**/*.prompt.yaml` matches at the root), `[abc]`
classes and `{a,b}` alternatives.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

_SKIP_DIRS = frozenset({".git", "node_modules", ".venv"})


def find_prompt_files(repo_root: Path, globs: list[str], *, cache_dir: str = ".eval-cache") -> list[str]:
    """Repository-relative POSIX paths matching any glob, sorted; skips VCS, dependency and cache folders."""
    matcher = compile_globs(globs)
    root = os.path.abspath(repo_root)
    skip_rel = cache_dir.strip("/").removeprefix("./")
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = "" if dirpath == root else dirpath[len(root) + 1 :].replace(os.sep, "/") + "/"
        dirnames[:] = [d for d in dirnames if d not in _SKIP_DIRS and rel_dir + d != skip_rel]
        found.extend(rel_dir + f for f in filenames if matcher.fullmatch(rel_dir + f))
    return sorted(found)


def compile_globs(globs: list[str]) -> re.Pattern[str]:
    if not globs:
        return re.compile(r"(?!)")
    return re.compile("|".join(f"(?:{_translate(g.strip().removeprefix('./').lstrip('/'))})" for g in globs))


def _translate(glob: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("**", i):
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
            return f"[{'^' if negate else ''}{body}]", end + 1
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
