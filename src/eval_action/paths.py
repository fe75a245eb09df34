"""Paths named in user files must stay inside the repository: a PR must not make us read /etc/passwd."""

from __future__ import annotations

import functools
import os
from pathlib import Path, PurePosixPath, PureWindowsPath

from eval_action.errors import UserError
from eval_action.yamlio import show


def resolve_inside(repo_root: Path, base_dir: Path, rel: str, *, source: str, line: int | None) -> Path:
    """`rel` (relative to `base_dir`) resolved, and inside `repo_root`; `source`:`line` names the referrer."""
    if not rel.strip():
        raise UserError("empty path — name a file relative to this file", source, line)
    if PurePosixPath(rel).is_absolute() or PureWindowsPath(rel).is_absolute() or PureWindowsPath(rel).drive:
        raise UserError(f"absolute path `{show(rel)}` — use a path relative to this file, "
                        "inside the repository", source, line)
    root = _real(str(repo_root))
    lexical = Path(os.path.normpath(_real(str(base_dir)) / rel))
    if not lexical.is_relative_to(root):
        raise UserError(f"path `{show(rel)}` leaves the repository — keep referenced files inside it",
                        source, line)
    real = _real(str(lexical.parent)) / lexical.name
    if real.is_symlink():
        real = real.resolve()
    if not real.is_relative_to(root):
        raise UserError(f"path `{show(rel)}` is a symlink pointing outside the repository — "
                        "copy the file into the repository instead", source, line)
    return real


@functools.lru_cache(maxsize=4096)
def _real(folder: str) -> Path:
    """Resolved folders, cached: thousands of prompts share a few folders, and each resolve is a
    system call per path component. (A folder swapped for a symlink mid-run is not our threat.)"""
    return Path(folder).resolve()


def repo_relative(repo_root: Path, p: Path) -> str:
    """`p` relative to the repository root, with POSIX separators."""
    root = Path(os.path.abspath(repo_root))
    path = Path(os.path.abspath(p))
    if not path.is_relative_to(root):
        root, path = root.resolve(), path.resolve()
    return path.relative_to(root).as_posix()
