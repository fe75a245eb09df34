"""What the user names: a function (`module:function`, `path/file.py:function`) and an interpreter."""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path

from eval_action.execution.usercode.worker import FunctionRef
from eval_action.inputs.paths import resolve_inside
from eval_action.model.errors import UserError

DEFAULT_PYTHON = "python3"


def function_ref(text: str, base_dir: Path, repo_root: Path, what: str) -> FunctionRef:
    """A file path is relative to `base_dir` and must stay inside the repository."""
    target, sep, name = text.strip().rpartition(":")
    if not sep or not target or not name.isidentifier():
        raise UserError(f"{what} {text!r} must look like `module:function` or `path/file.py:function`")
    if target.endswith(".py") or "/" in target:
        path = resolve_inside(repo_root, base_dir, target, source="", line=None)
        if not path.is_file():
            where = "at the repository root" if base_dir == repo_root else "next to the prompt"
            raise UserError(f"{what} {text!r}: `{target}` does not exist {where} — check the path")
        return FunctionRef(name=name, file=path)
    if not all(part.isidentifier() for part in target.split(".")):
        raise UserError(f"{what} {text!r}: {target!r} is not a module name — "
                        "use a dotted name (`agent.app:run`) or a file path (`agent/app.py:run`)")
    return FunctionRef(name=name, module=target)


def interpreter(name: str | None, env: Mapping[str, str], repo_root: Path) -> str:
    """`python:` of a provider: a program on PATH, or a path from the repository root (`.venv/bin/python`)."""
    return find_program(name or DEFAULT_PYTHON, env, repo_root, "python interpreter",
                        "; create the environment in an earlier step (`setup`)",
                        "install Python in the job, or name one with the provider's `python:`")


def find_program(program: str, env: Mapping[str, str], repo_root: Path, what: str, missing_fix: str,
                 path_fix: str) -> str:
    """A program of the user's (an interpreter, a command agent), found now, so a typo is one config
    error and not N errored cases: a path from the repository root, else a name on PATH.

    A path is not resolved: a virtual environment's python is a symlink, and following it would
    lose the environment.
    """
    if "/" in program:
        path = Path(os.path.abspath(repo_root / program))  # absolute (cwd may be a workspace), links kept
        if not path.is_file():
            raise UserError(f"{what} {program!r} does not exist — paths are relative to the repository root"
                            + missing_fix)
        return str(path)
    found = shutil.which(program, path=env.get("PATH"))
    if found is None:
        raise UserError(f"{what} {program!r} is not on PATH — {path_fix}")
    return found
