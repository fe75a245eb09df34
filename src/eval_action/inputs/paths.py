"""Paths named in user files must stay inside the work tree: a PR must not make us read /etc/passwd,
nor `.git/config`, where `actions/checkout` persists the job token."""

from __future__ import annotations

import functools
import ntpath
import os
import posixpath
from pathlib import Path

from eval_action.inputs.yamlio import show
from eval_action.model.errors import UserError

_GIT_DIR = ".git"


def resolve_inside(repo_root: Path, base_dir: Path, rel: str, *, source: str | None, line: int | None) -> Path:
    """`rel` (relative to `base_dir`) resolved, and inside `repo_root`; `source`:`line` names the referrer."""
    if not rel.strip():
        raise UserError("empty path — name a file relative to this file", source, line)
    # string operations, not pathlib: this runs for every file of thousands of prompts
    if posixpath.isabs(rel) or ntpath.isabs(rel) or ntpath.splitdrive(rel)[0]:
        raise UserError(f"absolute path `{show(rel)}` — use a path relative to this file, "
                        "inside the repository", source, line)
    root = str(_real(str(repo_root)))
    lexical = os.path.normpath(os.path.join(str(_real(str(base_dir))), rel))
    if not _within(lexical, root):
        raise UserError(f"path `{show(rel)}` leaves the repository — keep referenced files inside it",
                        source, line)
    parent, name = os.path.split(lexical)
    real = os.path.join(str(_real(parent)), name)
    if os.path.islink(real):
        real = os.path.realpath(real)
    if not _within(real, root):
        raise UserError(f"path `{show(rel)}` is a symlink pointing outside the repository — "
                        "copy the file into the repository instead", source, line)
    if _GIT_DIR in real[len(root):].lower().split(os.sep):
        raise UserError(f"path `{show(rel)}` is inside `.git/`, which holds the checkout's credentials — "
                        "name a file of the work tree", source, line)
    return Path(real)


def existing_file_inside(repo_root: Path, base_dir: Path, rel: str, *, source: str | None = None,
                         line: int | None = None) -> Path:
    """`resolve_inside`, and the file must exist (scorer files, schemas: named, so required)."""
    path = resolve_inside(repo_root, base_dir, rel, source=source or "", line=line)
    if not path.is_file():
        raise UserError(f"`{show(rel)}` does not exist next to the prompt — check the path "
                        f"(looked for {repo_relative(repo_root, path)})", source, line)
    return path


def _within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


@functools.lru_cache(maxsize=4096)
def _real(folder: str) -> Path:
    """Resolved folders, cached: thousands of prompts share a few folders, and each resolve is a
    system call per path component. (A folder swapped for a symlink mid-run is not our threat.)"""
    return Path(folder).resolve()


def repo_root_of(file: Path, path: str) -> Path:
    """The repository root, from a prompt file's absolute path and its repository-relative `path`."""
    return file.parents[len(Path(path).parts) - 1]


def repo_relative(repo_root: Path, p: Path) -> str:
    """`p` relative to the repository root, with POSIX separators."""
    root_text, path_text = os.path.abspath(repo_root), os.path.abspath(p)
    if path_text.startswith(root_text + os.sep):  # the common case, without pathlib's overhead
        return path_text[len(root_text) + 1:].replace(os.sep, "/")
    root, path = Path(root_text), Path(path_text)
    if not path.is_relative_to(root):
        root, path = root.resolve(), path.resolve()
    return path.relative_to(root).as_posix()
