"""Files named by scorers (schemas, python modules) resolve next to the prompt and stay in the repo."""

from __future__ import annotations

from pathlib import Path

from eval_action.model.errors import UserError


def inside_repo(name: str, prompt_dir: Path, repo_root: Path) -> Path:
    """`name` relative to the prompt's folder; `..`, absolute paths and symlinks out are refused."""
    if Path(name).is_absolute():
        raise UserError(f"{name!r} is an absolute path — name it relative to the prompt file")
    root = repo_root.resolve()
    path = (prompt_dir / name).resolve()
    if not path.is_relative_to(root):
        raise UserError(f"{name!r} points outside the repository — keep scorer files inside it")
    if not path.is_file():
        raise UserError(f"{name!r} does not exist next to the prompt — check the path "
                        f"(looked for {path.relative_to(root).as_posix()})")
    return path
