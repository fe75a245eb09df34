"""Which files a change touched: merge base to head, fetching history a shallow clone lacks.

CI clones are shallow (GitHub depth 1, GitLab depth 20), so the base commit or the merge
base is often missing. We fetch exactly what is needed, in bounded steps, and log each fetch;
when even a full fetch cannot answer, GitError lets the caller fall back to the platform's
file list.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from eval_action.model.errors import GitError
from eval_action.render.log import log_stderr
from eval_action.selection import git

Status = Literal["A", "M", "D", "R"]

# Relative steps for `git fetch --deepen`; after the last one comes `--unshallow`.
DEEPEN_STEPS = (50, 200, 1000)
_FULL_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
# T (type change), U (unmerged) and other codes all mean "this path's content differs".
_PLAIN_STATUS: dict[str, Status] = {"A": "A", "D": "D"}


@dataclass(frozen=True)
class FileChange:
    status: Status
    path: str
    old_path: str | None = None  # set for renames


@dataclass(frozen=True)
class ChangeSet:
    base: str  # resolved SHAs
    head: str
    merge_base: str | None  # None: histories are unrelated, the diff is base..head
    files: list[FileChange]
    notes: list[str]
    working_tree: bool = False  # uncommitted changes are part of the head: `head` is their parent commit


WORKING_TREE = "working tree"  # how reports name a head that is not a commit


def changed_files(
    repo: Path, base: str, head: str = "HEAD", log: Callable[[str], None] = log_stderr,
    working_tree: bool = False, ignore: Sequence[str] = (),
) -> ChangeSet:
    """Files changed between the merge base of `base` and `head`, and `head` — or, with
    `working_tree`, the files on disk (uncommitted and untracked changes included) when they differ
    from `head`: a local run evaluates what is on disk, so that is what it must select. Untracked
    files under `ignore` (folders from the top of the work tree, ending in "/") don't count."""
    base_sha = ensure_commit(repo, base, log)
    head_sha = ensure_commit(repo, head, log)
    mb = _ensure_merge_base(repo, base_sha, head_sha, log)
    notes = []
    if mb is None:
        notes.append(
            f"{base} and {head} share no history; compared the two trees directly instead of the merge base"
        )
    untracked = [p for p in git.untracked(repo) if not p.startswith(tuple(ignore))] if working_tree else []
    if working_tree and (untracked or git.has_uncommitted(repo)):
        files = _diff(repo, mb or base_sha, None) + [FileChange("A", p) for p in untracked]
        return ChangeSet(base=base_sha, head=head_sha, merge_base=mb, files=files, notes=notes, working_tree=True)
    files = _diff(repo, mb or base_sha, head_sha)
    return ChangeSet(base=base_sha, head=head_sha, merge_base=mb, files=files, notes=notes)


def _fetch_spec(rev: str) -> str:
    """What to ask the remote for so that `rev` resolves afterwards."""
    if rev.startswith("origin/"):
        name = rev.removeprefix("origin/")
        return f"+refs/heads/{name}:refs/remotes/origin/{name}"
    return rev


def ensure_commit(repo: Path, rev: str, log: Callable[[str], None]) -> str:
    sha = git.resolve(repo, rev)
    if sha is not None:
        return sha
    shallow = git.is_shallow(repo)
    depth = DEEPEN_STEPS[0] if shallow else None
    try:
        git.fetch(repo, _fetch_spec(rev), depth=depth)
    except GitError as exc:
        raise GitError(f"commit {rev!r} is not in this clone and could not be fetched: {exc}") from exc
    log(f"fetched {rev} from origin" + (f" (depth {depth})" if depth else ""))
    # A branch or SHA fetched without a destination is only reachable through FETCH_HEAD.
    sha = git.resolve(repo, rev) or (None if _FULL_SHA.fullmatch(rev) else git.resolve(repo, "FETCH_HEAD"))
    if sha is None:
        raise GitError(f"fetched {rev!r} from origin but it still does not name a commit")
    return sha


def _ensure_merge_base(repo: Path, base: str, head: str, log: Callable[[str], None]) -> str | None:
    mb = git.merge_base(repo, base, head)
    for step in DEEPEN_STEPS:
        if mb is not None or not git.is_shallow(repo):
            return mb
        _deepen(repo, [base, head], step)
        log(f"fetched {step} more commits of history to find the merge base")
        mb = git.merge_base(repo, base, head)
    if mb is None and git.is_shallow(repo):
        git.fetch(repo, unshallow=True)
        log("fetched the full history (--unshallow) to find the merge base")
        mb = git.merge_base(repo, base, head)
    return mb


def _deepen(repo: Path, shas: list[str], step: int) -> None:
    try:
        git.fetch(repo, *shas, deepen=step)
    except GitError:
        # The head may exist only locally (a CI-made merge commit): deepen the base side alone.
        git.fetch(repo, shas[0], deepen=step)


def _diff(repo: Path, left: str, right: str | None) -> list[FileChange]:
    """`right` None: the work tree's tracked files."""
    out = git.run(repo, "diff", "--name-status", "-z", "--find-renames", "--no-ext-diff", left,
                  *([right] if right else []), "--")
    fields = out.decode(errors="surrogateescape").split("\0")
    files: list[FileChange] = []
    i = 0
    while i + 1 < len(fields):
        code = fields[i]
        if code[0] in "RC":
            old, new = fields[i + 1], fields[i + 2]
            files.append(FileChange("R", new, old) if code[0] == "R" else FileChange("A", new))
            i += 3
            continue
        files.append(FileChange(_PLAIN_STATUS.get(code[0], "M"), fields[i + 1]))
        i += 2
    return files
