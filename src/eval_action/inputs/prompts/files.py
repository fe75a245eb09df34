"""Finding prompt files (and symlinks): one walk of the tree, matched with the one glob rule set."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from eval_action.inputs.globs import compile_globs

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
            if not is_dir and matcher.match(rel):
                prompts.append(rel)
    return Tree(sorted(prompts), sorted(links))
