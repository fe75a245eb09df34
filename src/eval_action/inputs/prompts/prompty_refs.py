"""Prompty's `${file:path}` references: a front-matter value that is exactly one is replaced by that
file (JSON and YAML parsed, anything else as text), as Prompty's loader does.

The path is relative to the `.prompty` file and goes through the one path check (inside the work
tree, never `.git/`); each file read is a dependency of the prompt. `${env:…}` values are left as
they are: the few places that may read a variable (keys, endpoints) take them by name.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from eval_action.inputs.paths import existing_file_inside, repo_relative
from eval_action.inputs.yamlio import Loc, YamlDoc, load_yaml, read_text, show
from eval_action.model.errors import UserError

_FILE_REF = re.compile(r"^\$\{file:(.*)\}$", re.S)


def repo_root_of(file: Path, path: str) -> Path:
    """The repository root, from the file's absolute path and its repository-relative `path`."""
    return file.parents[len(Path(path).parts) - 1]


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
    text = read_text(target, display)
    suffix = target.suffix.lower()
    if suffix == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as e:
            raise UserError(f"not valid JSON: {show(e.msg)} — fix the file (a `${{file:…}}` reference "
                            "loads it)", display, e.lineno) from None
    if suffix in (".yaml", ".yml"):
        return load_yaml(text, display).data
    return text
