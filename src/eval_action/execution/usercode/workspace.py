"""Per-attempt workspaces (`workdir: fresh` or `workdir: {copy: fixture/}`): a new folder for every
case and repeat, so agents that write files never see each other's, nor leave any in the checkout.

A failing attempt's folder is kept (up to a cap) under the output folder, for its author to look at.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from eval_action.inputs.paths import resolve_inside
from eval_action.model.errors import UserError
from eval_action.model.specs import WorkdirCopy

KEEP_AT_MOST = 20  # a failing run of 1,000 agent cases must not fill the artifact store
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def fixture(workdir: WorkdirCopy, repo_root: Path) -> Path:
    """The folder a `{copy:}` workspace starts from: inside the repository (UserError otherwise)."""
    path = resolve_inside(repo_root, repo_root, workdir.source, source="", line=None)
    if not path.is_dir():
        raise UserError(f"workdir copy `{workdir.source}` is not a folder — paths are relative to the "
                        "repository root")
    return path


@dataclass
class Attempt:
    path: Path
    keep: bool = False  # set when the attempt failed


class Workspaces:
    """`keep_in`: where failing attempts' folders go (None: nowhere)."""

    def __init__(self, keep_in: Path | None) -> None:
        self._keep_in = keep_in
        self._kept = 0

    @contextlib.contextmanager
    def attempt(self, start_from: Path | None, checkout: Path, prompt: str, case_id: str,
                repeat: int) -> Iterator[Attempt]:
        """Base and head attempts of a case are told apart by their checkout, in the folder's hash."""
        path = Path(tempfile.mkdtemp(prefix="eval-action-workdir-"))
        attempt = Attempt(path)
        try:
            if start_from is not None:
                shutil.copytree(start_from, path, symlinks=True, dirs_exist_ok=True)
            yield attempt
        finally:
            if attempt.keep and self._keep_in is not None and self._kept < KEEP_AT_MOST:
                self._kept += 1
                target = self._keep_in / _name(prompt) / _name(f"{case_id}-{repeat + 1}", checkout)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.rmtree(target, ignore_errors=True)  # a previous run's, in a reused output folder
                shutil.move(path, target)
            else:
                shutil.rmtree(path, ignore_errors=True)


def _name(text: str, salt: Path | None = None) -> str:
    """A folder name from untrusted text (a case id, a prompt path): safe, short, and still unique."""
    digest = hashlib.sha256(f"{text}\0{salt}".encode()).hexdigest()[:8]
    return f"{_UNSAFE.sub('_', text)[:60].strip('._') or 'case'}-{digest}"
