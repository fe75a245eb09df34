"""Finding prompt files (and symlinks): one walk of the tree, globs compiled once into a single regex.

Glob syntax as in git and promptfoo: `*` and `?` stay within a folder, `**/` matches any
number of folders including none (so `**/*.prompt.yaml` matches at the root), `[abc]`
classes and `{a,b}` alternatives.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

_SKIP_DIRS = frozenset({".git", "node_modules", ".venv"})


@dataclass(frozen=True)
class Tree:
    prompts: list[str]  # repository-relative POSIX paths of prompt files, sorted
    symlinks: list[str]  # every symlink met on the walk: a dependency may be named through one


def find_prompt_files(repo_root: Path, globs: list[str], *, cache_dir: str = ".eval-cache") -> list[str]:
    """Repository-relative POSIX paths matching any glob, sorted; skips VCS, dependency and cache folders."""
    return scan_tree(repo_root, globs, cache_dir=cache_dir).prompts


def scan_tree(repo_root: Path, globs: list[str], *, cache_dir: str = ".eval-cache") -> Tree:
    """One walk of the tree (symlinked folders are listed, not entered), as `os.walk` would."""
    matcher = compile_globs(globs)
    root = os.path.abspath(repo_root)
    skip_rel = cache_dir.strip("/").removeprefix("./")
    prompts: list[str] = []
    links: list[str] = []
    pending = [""]
    while pending:
        rel_dir = pending.pop()
        try:
            entries = list(os.scandir(os.path.join(root, rel_dir)))
        except OSError:
            continue
        for entry in entries:  # DirEntry answers from the directory listing: no stat per file
            rel = rel_dir + entry.name
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if entry.is_symlink():
                links.append(rel)
            elif is_dir and entry.name not in _SKIP_DIRS and rel != skip_rel:
                pending.append(rel + "/")
            if not is_dir and matcher.fullmatch(rel):
                prompts.append(rel)
    return Tree(sorted(prompts), sorted(links))


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
