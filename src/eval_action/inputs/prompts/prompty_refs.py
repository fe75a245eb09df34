"""Prompty's `${file:path}` references: a front-matter value that is exactly one is replaced by that
file (JSON and YAML parsed, anything else as text), as Prompty's loader does.

The path is relative to the `.prompty` file and goes through the one path check (inside the work
tree, never `.git/`); each file read is a dependency of the prompt. `${env:…}` values are left as
they are: the few places that may read a variable (keys, endpoints) take them by name.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from eval_action.inputs import valuefiles
from eval_action.inputs.paths import existing_file_inside, repo_relative, repo_root_of
from eval_action.inputs.yamlio import Loc, YamlDoc, read_text

_FILE_REF = re.compile(r"^\$\{file:(.*)\}$", re.S)


def resolve_files(data: Any, file: Path, path: str, doc: YamlDoc) -> tuple[Any, list[str]]:
    """`data` with every `${file:…}` value replaced, and the repository-relative files read."""
    repo_root = repo_root_of(file, path)
    read: list[str] = []

    def walk(value: Any, loc: Loc) -> Any:
        if isinstance(value, dict):
            return {k: walk(v, (*loc, str(k))) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, (*loc, str(i))) for i, v in enumerate(value)]
        match = _FILE_REF.match(value) if isinstance(value, str) else None
        if match is None:
            return value
        target = existing_file_inside(repo_root, file.parent, match.group(1).strip(), source=path,
                                      line=doc.locate(loc))
        display = repo_relative(repo_root, target)
        read.append(display)
        return _content(target, display)

    return walk(data, ()), read


def _content(target: Path, display: str) -> Any:
    """JSON and YAML parsed by the one value-file reader; any other file is its text, as Prompty reads it."""
    if target.suffix.lower() in valuefiles.DATA_SUFFIXES:
        stat = target.stat()
        return valuefiles.read(target, display, (stat.st_mtime_ns, stat.st_size))
    return read_text(target, display)
