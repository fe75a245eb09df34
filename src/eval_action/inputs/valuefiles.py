"""promptfoo's `file://` scorer values: the one loader for scorers, `validate` and dependencies.

`file://answer.txt` is the file's text (trimmed, as promptfoo trims it), `file://x.json` and
`file://x.yaml` its data; `file://check.py[:fn]` and `file://check.js[:fn]` name code, which only
the `python` and `javascript` scorers run. A file's text is data, never a template. Paths are
relative to the file that names them and pass the one path check.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

from eval_action.inputs.paths import existing_file_inside, repo_relative
from eval_action.inputs.yamlio import load_json, load_yaml, read_text, show
from eval_action.model.errors import UserError

PREFIX = "file://"
TEXT_SUFFIXES = (".txt",)
DATA_SUFFIXES = (".json", ".yaml", ".yml")
CODE_SUFFIXES = (".py", ".js", ".mjs", ".cjs")
CODE_TYPES = ("python", "javascript")  # scorers whose `file://` value is code they run


def names_code(scorer_type: str) -> bool:
    return scorer_type.removeprefix("not-") in CODE_TYPES


def is_ref(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def refs(value: Any) -> list[str]:
    """The `file://` references of a value: itself, or the items of a list (promptfoo reads both)."""
    items = value if isinstance(value, list) else [value]
    return [v for v in items if is_ref(v)]


def split(ref: str) -> tuple[str, str | None]:
    """`file://checks.py:fn` → ("checks.py", "fn"); the function part only follows code files."""
    path, sep, fn = ref.removeprefix(PREFIX).rpartition(":")
    if sep and path.endswith(CODE_SUFFIXES):
        return path, fn
    return ref.removeprefix(PREFIX), None


def resolve(ref: str, base_dir: Path, repo_root: Path, source: str | None = None,
            line: int | None = None) -> Path:
    """The referenced file, which must exist inside the repository."""
    return existing_file_inside(repo_root, base_dir, split(ref)[0], source=source, line=line)


def load(ref: str, base_dir: Path, repo_root: Path, source: str | None = None, line: int | None = None) -> Any:
    """The text or data a non-code reference stands for; UserError for code, other kinds or bad data."""
    path = resolve(ref, base_dir, repo_root, source, line)
    if path.suffix.lower() in CODE_SUFFIXES:
        raise UserError(f"`{show(ref)}` names code, which only `python` and `javascript` scorers run — "
                        "write the expected value in a .txt, .json or .yaml file", source, line)
    if path.suffix.lower() not in (*TEXT_SUFFIXES, *DATA_SUFFIXES):
        raise UserError(f"{show(ref)}: unsupported file type `{show(path.suffix)}` — use .txt for text, "
                        ".json or .yaml for data", source, line)
    stat = path.stat()
    return read(path, repo_relative(repo_root, path), (stat.st_mtime_ns, stat.st_size))


def load_refs(value: Any, base_dir: Path, repo_root: Path) -> Any:
    """The value with each reference (itself, or a list item) replaced by what it stands for."""
    if isinstance(value, list):
        return [load(v, base_dir, repo_root) if is_ref(v) else v for v in value]
    return load(value, base_dir, repo_root) if is_ref(value) else value


@functools.lru_cache(maxsize=256)
def read(path: Path, display: str, _stamp: tuple[int, int] = (0, 0)) -> Any:
    """A value file's content by suffix (`_stamp`, mtime and size, keeps the cache honest)."""
    text = read_text(path, display)
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return text.strip()
    if suffix == ".json":
        return load_json(text, display)
    return load_yaml(text, display).data


def check(scorer_type: str, value: Any, base_dir: Path, repo_root: Path, source: str | None,
          line: int | None) -> None:
    """Every reference of a scorer's value exists inside the repository, and data files parse."""
    for ref in refs(value):
        if names_code(scorer_type):
            resolve(ref, base_dir, repo_root, source, line)
        else:
            load(ref, base_dir, repo_root, source, line)


def rebase(ref: str, from_dir: Path, to_dir: Path, repo_root: Path, source: str | None,
           line: int | None) -> str:
    """The same reference written relative to `to_dir` (a dataset row's files are relative to the
    dataset; its scorers run from the prompt's folder)."""
    fn = split(ref)[1]
    target = resolve(ref, from_dir, repo_root, source, line)
    moved = os.path.relpath(target, to_dir.resolve()).replace(os.sep, "/")
    return PREFIX + moved + (f":{fn}" if fn is not None else "")
